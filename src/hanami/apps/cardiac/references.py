"""Reference figures of the cardiac validations, each with where it comes from.

Niederer slab: Niederer S.A. et al. (2011), Verification of cardiac tissue
electrophysiology simulators using an N-version benchmark, Phil Trans R Soc A
369:4331-4351, doi:10.1098/rsta.2011.0139, defines the problem and the points
P1 ... P9 (the slab's corners and centre). The activation times at P8 by code and
resolution are those collected in the project's benchmark notes,
shared/BENCHMARKS.md (section "Biomedical — cardiac electrophysiology"), quoted as
stated there; the per-code table of the 2011 paper is in its supplementary material
and is not quoted here. TorchCor's figures were computed by this project (not
published) and are shown beside the others, never used for a band.

Single TP06 cell: ten Tusscher K.H.W.J. & Panfilov A.V. (2006), Am J Physiol Heart
Circ Physiol 291:H1088-H1100, doi:10.1152/ajpheart.00109.2006, gives the equations
(`tp06.py`); the APD90 figures of the first beat are those of shared/BENCHMARKS.md.
Units: [ms], [mm].
"""

from __future__ import annotations

import dataclasses

from hanami.core.bands import Band

BENCHMARKS_NOTES = "shared/BENCHMARKS.md (Biomedical — cardiac electrophysiology)"
NIEDERER_PAPER = "Niederer et al. 2011, Phil Trans R Soc A 369:4331, doi:10.1098/rsta.2011.0139"
TP06_PAPER = "ten Tusscher & Panfilov 2006, Am J Physiol Heart Circ Physiol 291:H1088, doi:10.1152/ajpheart.00109.2006"

POINTS: dict[str, tuple[float, float, float]] = {
    "P1": (0.0, 0.0, 0.0), "P2": (0.0, 7.0, 0.0), "P3": (20.0, 0.0, 0.0), "P4": (20.0, 7.0, 0.0),
    "P5": (0.0, 0.0, 3.0), "P6": (0.0, 7.0, 3.0), "P7": (20.0, 0.0, 3.0), "P8": (20.0, 7.0, 3.0),
    "P9": (10.0, 3.5, 1.5),
}


@dataclasses.dataclass(frozen=True)
class PeerP8:
    """One code's P8 activation times [ms] by dx [mm].

    Attributes:
        code: the code's name.
        method: "finite elements" or "finite differences (7-point)".
        p8: activation time at P8 by dx.
        published: False for figures computed by this project.
        note: the resolution or provenance as the notes state it.
    """

    code: str
    method: str
    p8: dict[float, float]
    published: bool = True
    note: str = ""


PEERS: tuple[PeerP8, ...] = (
    PeerP8("fenicsx-beat", "finite elements", {0.1: 37.93, 0.2: 38.24, 0.5: 55.83}, note="dt 0.005 ms at dx 0.1"),
    PeerP8("cbcbeat", "finite elements", {0.1: 38.22, 0.2: 38.25, 0.5: 55.83}),
    PeerP8("openCARP", "finite elements", {0.1: 40.07}, note="dt 0.005 ms"),
    PeerP8("Chaste", "finite elements", {0.5: 35.2}, note="in the original paper"),
    PeerP8("FD 7-point", "finite differences (7-point)", {0.1: 43.8}, note="an independent finite-difference code"),
    PeerP8("TorchCor 1.0.6", "finite elements", {0.1: 37.2, 0.2: 37.2, 0.5: 53.6}, published=False,
           note="run by this project on its 2-core CPU (float64, tetrahedral FEM, implicit CG); not published"),
)

# P8 at dx 0.1 mm, the benchmark's finest resolution: the independent codes' spread as
# the notes state it, from the finite-element codes' lowest figure (fenicsx-beat 37.93)
# to the independent 7-point finite-difference code's 43.8. Finite elements converge to
# about 38 ms; a 7-point finite-difference scheme converges to the same limit more slowly,
# so at dx 0.1 its figure lies above theirs, up to the cited finite-difference figure.
P8_BAND_DX = 0.1
P8_BAND = Band(37.93, 43.8)
P8_BAND_SOURCE = (f"{BENCHMARKS_NOTES}: P8 at dx 0.1 mm, fenicsx-beat 37.93 (dt 0.005), cbcbeat 38.22, openCARP "
                  "40.07 (dt 0.005), an independent 7-point finite-difference code 43.8; band = their spread "
                  f"(benchmark: {NIEDERER_PAPER})")


def peer_figures(dx: float, published_only: bool = True) -> dict[str, float]:
    """Every cited P8 figure at `dx` [mm] by code (published ones only unless told)."""
    return {p.code: p.p8[d] for p in PEERS for d in p.p8
            if abs(d - dx) < 1e-9 and (p.published or not published_only)}


# Single cell, first stimulus 10 ms after the CellML initial state (-52 pA/pF for 1 ms):
# APD90 of beat 1 about 291.5 ms, two independent codes agreeing within 0.2 ms.
APD90_BEAT1 = 291.5
APD90_SPREAD = 0.2
APD90_BAND = Band(APD90_BEAT1 - APD90_SPREAD, APD90_BEAT1 + APD90_SPREAD)
APD90_SOURCE = (f"{BENCHMARKS_NOTES}: single cell, 1 Hz, first stimulus at 10 ms (-52 pA/pF, 1 ms), APD90 of beat 1 "
                "~291.5 ms, two independent codes agree within 0.2 ms; band 291.5 +- 0.2")
# The same with the first stimulus after 100 ms of rest: 299.5 ms, no spread stated.
APD90_BEAT1_REST100 = 299.5
APD90_REST100_SOURCE = f"{BENCHMARKS_NOTES}: after 100 ms of rest beat 1 gives 299.5 ms (no spread stated)"
