"""Published figures of the Niederer et al. 2011 N-version benchmark and the pass band.

Niederer S.A. et al. (2011), Verification of cardiac tissue electrophysiology
simulators using an N-version benchmark, Phil Trans R Soc A 369:4331–4351,
doi:10.1098/rsta.2011.0139. The evaluation points are the slab's corners and
centre; the published activation times at P8 (the far corner) are those
collected in the project's benchmark notes (shared/BENCHMARKS.md): fenicsx-beat,
openCARP and Chaste, with the resolution (dx [mm], dt [ms]) each used.
"""

from __future__ import annotations

from hanami.core.bands import Band

POINTS: dict[str, tuple[float, float, float]] = {
    "P1": (0.0, 0.0, 0.0), "P2": (0.0, 7.0, 0.0), "P3": (20.0, 0.0, 0.0), "P4": (20.0, 7.0, 0.0),
    "P5": (0.0, 0.0, 3.0), "P6": (0.0, 7.0, 3.0), "P7": (20.0, 0.0, 3.0), "P8": (20.0, 7.0, 3.0),
    "P9": (10.0, 3.5, 1.5),
}

# Published P8 activation times [ms] by code and dx [mm] (the dt [ms] in the comment).
PUBLISHED_P8: dict[str, dict[float, float]] = {
    "fenicsx-beat": {0.1: 37.93, 0.2: 38.42, 0.5: 55.91},  # dt 0.005, 0.01, 0.01
    "openCARP": {0.1: 40.07, 0.5: 126.0},  # dt 0.005; the dx 0.5 figure is approximate (~126)
    "Chaste": {0.5: 36.30},  # dt 0.01, with its own mass lumping
}


# The codes of the benchmark at its finest resolution (dx 0.1 mm) spread from about
# 38 ms (fenicsx-beat 37.93) to about 49 ms (shared/BENCHMARKS.md).
P8_BAND = Band(37.9, 49.0)
