"""The scaling model's parts an app declares: a large problem and its communication on P devices.

    t(P) = t_floor + W / (P r) + t_comm(P)

with W the work per step (grid-point updates), r one device's measured rate
[updates/s], t_floor the per-step latency one device cannot go below (kernel
launches, measured on small grids), and t_comm the communication of the app's
decomposition over a link of latency `alpha` [s] and bandwidth `beta` [bytes/s
per device]. `python -m hanami.bench.scaling_model` prints the predictions of
every registered app (docs/parallel.md).
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
class Projection:
    """A large problem of an app for the scaling model: work per step, its communication on P devices,
    and one device's measured speed.

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
