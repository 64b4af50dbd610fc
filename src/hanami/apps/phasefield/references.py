"""Published PFHub BM1 free energies and the pass bands built from them.

Sources (PFHub benchmark 1 uploads, https://pages.nist.gov/pfhub/simulations/1a.1/):
PRISMS-PF, MEMPHIS and MOOSE, F(t) at t = 10, 100, 1000, 10^4 (BM1a) and MEMPHIS
F(10^4) for BM1b, as collected in the project's benchmark notes.

A band covers the range of the trusted codes, widened on each side by half their
spread: a result passes when it is no further from the published range than the
published codes are from each other. The codes themselves differ by up to 20 % at
late times, where the pattern of domains depends on every detail of a run, and by
4 % at t = 10 (band [286.8, 310.0]: a solution 3 % off the codes' mean fails).
"""

from __future__ import annotations

from hanami.core.bands import Band

CHECK_TIMES = (10.0, 100.0, 1000.0, 10000.0)

PUBLISHED_BM1A: dict[str, dict[float, float]] = {
    "PRISMS-PF": {10.0: 304.2, 100.0: 115.6, 1000.0: 70.35, 10000.0: 40.81},
    "MEMPHIS": {10.0: 297.8, 100.0: 135.2, 1000.0: 81.98, 10000.0: 34.70},
    "MOOSE": {10.0: 292.6, 100.0: 138.9, 1000.0: 79.2, 10000.0: 38.2},
}

PUBLISHED_BM1B: dict[str, dict[float, float]] = {
    "MEMPHIS": {10000.0: 38.63},
}


BAND_SOURCE = ("PFHub BM1 uploads (pages.nist.gov/pfhub, figures in shared/BENCHMARKS.md); band = the "
               "codes' range widened by half their spread")


def band(values: list[float]) -> Band:
    """The pass band around published `values` (see the module docstring)."""
    low, high = min(values), max(values)
    margin = 0.5 * (high - low)
    return Band(low - margin, high + margin)


def published(variant: str) -> dict[str, dict[float, float]]:
    return PUBLISHED_BM1A if variant == "a" else PUBLISHED_BM1B


def bands(variant: str) -> dict[float, Band]:
    """Pass band per check time that has published figures.

    BM1a: from the three codes. BM1b: only MEMPHIS' F(10^4) is published; its
    band takes BM1a's relative half-width at 10^4 around it.
    """
    a = {t: band([ref[t] for ref in PUBLISHED_BM1A.values()]) for t in CHECK_TIMES}
    if variant == "a":
        return a
    ref = PUBLISHED_BM1B["MEMPHIS"][10000.0]
    centre = 0.5 * (a[10000.0].low + a[10000.0].high)
    half_width = 0.5 * (a[10000.0].high - a[10000.0].low) / centre
    return {10000.0: Band(ref * (1 - half_width), ref * (1 + half_width))}
