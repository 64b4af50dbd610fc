"""PFHub BM3 figures of independent codes at t = 1500 and the pass bands built from them.

Sources (PFHub benchmark 3 uploads, https://pages.nist.gov/pfhub/simulations/3a.1/, data
files in the usnistgov/pfhub repository's `_data/simulations/*/meta.yaml`):

* AMPE (LLNL), upload `ampe_uniform_update`: uniform 1440 x 1440 finite volumes
  (dx = 0.667), backward Euler with adaptive dt; data `LLNL/AMPE benchmarks/PFHub3/*.csv`.
* MOOSE (INL), upload `inl_moose_3a_faster`: adaptive linear finite elements, BDF2;
  data `modules/phase_field/examples/benchmarks/pfhub_3a.1_out.csv`.

The two agree to 1.6 % in tip position and are the best resolved uploads; the others
(a coarser MOOSE 264.0, MEMPHIS at dx = 1 216.8, ...) fall below them as their meshes
coarsen, so they bound nothing. The tip velocity near t = 1500 is not an uploaded figure:
it is the slope of each upload's tip-position series over its last interval (AMPE
1426.9 -> 1500.8, MOOSE 1246.6 -> 1500), computed here from their data.

Band: the range of the two codes widened on each side by half their spread, so that a
result passes when it is no further from them than they are from each other. No margin
is added for hanami's own discretisation error: docs/dendrite.md shows the convergence
study that says how far the shipped spacing is from the converged value.
"""

from __future__ import annotations

from hanami.core.bands import Band

CHECK_TIME = 1500.0
QUANTITIES = ("tip_position", "solid_fraction", "free_energy")

PUBLISHED: dict[str, dict[str, float]] = {
    "AMPE": {"tip_position": 285.30, "solid_fraction": 0.018753, "free_energy": 1.97654e6},
    "MOOSE": {"tip_position": 280.94, "solid_fraction": 0.018780, "free_energy": 1.97621e6},
}

# Slope of the uploads' tip position near t = 1500 [W0 / tau0], computed here from their series.
TIP_VELOCITY: dict[str, float] = {"AMPE": 0.149, "MOOSE": 0.144}


def band(values: list[float]) -> Band:
    """The codes' range widened on each side by half of it."""
    low, high = min(values), max(values)
    margin = 0.5 * (high - low)
    return Band(low - margin, high + margin)


def bands() -> dict[str, Band]:
    """Pass band of each quantity at t = 1500, and of the tip velocity (`tip_velocity`)."""
    found = {name: band([figures[name] for figures in PUBLISHED.values()]) for name in QUANTITIES}
    found["tip_velocity"] = band(list(TIP_VELOCITY.values()))
    return found
