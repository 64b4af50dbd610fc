"""A communication model of each app's time per step on P devices (docs/parallel.md).

    t(P) = t_floor + W / (P r) + t_comm(P)

with W the work per step (grid-point updates), r one device's measured rate
[updates/s], t_floor the per-step latency one device cannot go below (kernel
launches, measured on small grids), and t_comm the communication of the app's
decomposition over a link of latency `alpha` [s] and bandwidth `beta` [bytes/s
per device]:

* phase field (slab decomposition of a pseudo-spectral solver): every 2D FFT
  moves the spectrum once through an all-to-all, 5 transforms per attempt;
  an all-to-all of S bytes costs (P - 1) (alpha + S / (P^2 beta));
* cardiac (slabs along x): one plane of V to each of 2 neighbours per step,
  2 (alpha + ny nz b / beta);
* climate (spectral transform split by zonal wavenumber, grid by latitude):
  8 field transposes per step (5 to the grid, 3 back), each an all-to-all of
  nlat (T + 1) complex values.

These are predictions from the model, not measurements; `python -m
hanami.bench.scaling_model` prints the table in docs/parallel.md.
"""

from __future__ import annotations

import dataclasses
from typing import Callable


@dataclasses.dataclass(frozen=True)
class Link:
    """An interconnect: latency per message [s] and bandwidth per device [bytes/s]."""

    name: str
    alpha: float
    beta: float


NVLINK = Link("NVLink 4 (one node)", 3e-6, 450e9)
INFINIBAND = Link("InfiniBand NDR 400 Gb/s", 5e-6, 50e9)


@dataclasses.dataclass(frozen=True)
class Problem:
    """One app's problem: work per step, its communication on P devices, and one device's measured speed.

    Attributes:
        name: what it is.
        work: grid-point (node) updates per step.
        rate: one device's measured updates per second at a size where it is not latency-bound.
        floor: one device's measured time per step on a small grid [s].
        comm: t_comm(P, link) [s].
    """

    name: str
    work: float
    rate: float
    floor: float
    comm: Callable[[int, Link], float]

    def time_per_step(self, devices: int, link: Link) -> float:
        """Predicted seconds per step on `devices` devices."""
        communication = self.comm(devices, link) if devices > 1 else 0.0
        return self.floor + self.work / (devices * self.rate) + communication

    def efficiency(self, devices: int, link: Link) -> float:
        """Predicted strong-scaling efficiency t(1) / (P t(P))."""
        return self.time_per_step(1, link) / (devices * self.time_per_step(devices, link))


def all_to_all(devices: int, link: Link, total_bytes: float) -> float:
    """Pairwise all-to-all of `total_bytes` spread over `devices` devices [s]."""
    return (devices - 1) * (link.alpha + total_bytes / (devices**2 * link.beta))


def phasefield(n: int, bytes_per_value: int = 4, transforms: int = 5) -> Callable[[int, Link], float]:
    spectrum = n * (n // 2 + 1) * 2 * bytes_per_value
    return lambda p, link: transforms * all_to_all(p, link, spectrum)


def cardiac(ny: int, nz: int, bytes_per_value: int = 4) -> Callable[[int, Link], float]:
    return lambda p, link: 2 * (link.alpha + ny * nz * bytes_per_value / link.beta)


def climate(truncation: int, bytes_per_value: int = 4, transposes: int = 8) -> Callable[[int, Link], float]:
    nlat = (3 * truncation + 1 + 1) // 2
    field = nlat * (truncation + 1) * 2 * bytes_per_value
    return lambda p, link: transposes * all_to_all(p, link, field)


# One H200's measured float32 figures (docs/benchmarks.md): phase field 1.72e10 updates/s
# at 2048^2 and 0.11 ms per step at 512^2; cardiac 1.33e9 node-steps/s at dx 0.1 and
# 0.28 ms per step at dx 0.2; climate 4.5e8 point-steps/s at T127 and 0.13 ms per step at T63.
PROBLEMS = (
    Problem("phase field 2D, 16384^2", 16384.0**2, 1.72e10, 0.11e-3, phasefield(16384)),
    Problem("cardiac slab 100 x 100 x 20 mm, dx 0.1 (1001 x 1001 x 201 nodes)", 1001.0 * 1001 * 201,
            1.33e9, 0.28e-3, cardiac(1001, 201)),
    Problem("climate shallow water T1279 (1920 x 3840 grid)", 1920.0 * 3840, 4.5e8, 0.13e-3, climate(1279)),
)


def table(devices: tuple[int, ...] = (1, 8, 64, 1024)) -> str:
    """The Markdown table of predicted time per step and efficiency."""
    lines = ["| problem | link | " + " | ".join(f"{p} GPUs" for p in devices) + " |",
             "|---|---|" + "---|" * len(devices)]
    for problem in PROBLEMS:
        for link in (NVLINK, INFINIBAND):
            cells = [f"{1e3 * problem.time_per_step(p, link):.3g} ms ({problem.efficiency(p, link):.0%})"
                     for p in devices]
            lines.append(f"| {problem.name} | {link.name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(table())
