"""Reference figures of the climate validations, each with its source, and the tolerances derived from the scheme.

Two kinds of check (see `hanami.apps.base.checks`):

* verification: TC2 against its exact (steady) solution; TC5, TC6 and Galewsky
  against a run of the same code at a higher truncation (self-convergence); the
  invariants (mass, energy, potential enstrophy, Galewsky's potential-vorticity
  maximum) against what the scheme conserves;
* validation: agreement with the independent spectral code dinosaur at the same
  truncation, grid, step and scheme, its figures made by
  `python -m hanami.apps.climate.peer_references` and stored with that command,
  dinosaur's version, the date and hanami's revision in `peer_references.json`.

The GME norms (DWD's documentation of its shallow-water model, Tables 4 and 5)
are errors of another discretisation against another reference solution: they
are reported beside hanami's, never used as a band edge.
"""

from __future__ import annotations

import math

import numpy as np

DAY = 86400.0
TC2_ALPHAS = {"0": 0.0, "pi/4": math.pi / 4, "pi/2": math.pi / 2}

EXACT_TC2 = ("exact solution: the steady state of Williamson et al. (1992), test 2, "
             "doi:10.1016/S0021-9991(05)80016-6; tolerance: rounding, (T+1)^2 eps for the transforms that hold "
             "the state (each grid value is synthesised from (T+1)^2 spectral terms) plus eps per step")
SELF_CONVERGENCE = "self-convergence: hanami at T{ref} (same step), made by this command"
ROUNDING = ("scheme: {what}; only rounding moves it, at most one unit (eps = {eps:.3g}) per step "
            "added up over the {steps} steps")
TIME_TRUNCATION = ("scheme: the continuous equations conserve it; the leapfrog's time truncation moves it either "
                   "way (TC6 at 300 s gains 2e-8 for a while, at 150 s nothing): reported")
TIME_LOSS = ("scheme: without diffusion the RAW filter and the time truncation remove it; at the shared step "
             "that loss is about the same at every T: reported (judged against the step instead)")
FALLS_WITH_STEP = ("scheme: without diffusion the loss is the RAW filter's, whose damping is first order in the "
                   "step for alpha != 1/2 (Williams 2009, doi:10.1175/2009MWR2724.1): it must fall when the "
                   "step is halved")
FALLS = ("self-convergence: the hyperdiffusion that removes most of it acts at the truncation scale (its rate "
         "at a fixed scale falls as T^-p), so the loss must fall with resolution")
MASS = "the n = 0 tendency of the continuity equation (divergence form) is zero identically"

# GME (DWD's icosahedral model) normalized l2 height errors against a reference solution of the NCAR
# spectral transform shallow-water model (STSWM): "GME Shallow Water Model", section "GME convergence
# test", Table 4 (TC5, day 15) and Table 5 (TC6, day 10), icon.enes.org/swm/gmeswm/node6.html. Keyed by
# the icosahedral resolution ni (10 ni^2 + 2 grid points; ni = 32 is about 240 km, near T42's 310 km).
# Reported only: they are errors of another discretisation against another reference solution.
GME_SOURCE = ("GME shallow-water model documentation (DWD), GME convergence test, Tables 4 and 5 "
              "(icon.enes.org/swm/gmeswm/node6.html): errors of a grid-point model against an STSWM reference; "
              "reported beside, not a band")
GME_L2 = {"williamson-tc5": {"day": 15.0, "by_ni": {32: 1.3713e-3, 64: 7.2106e-4, 96: 6.7526e-4, 192: 6.6679e-4}},
          "williamson-tc6": {"day": 10.0, "by_ni": {32: 9.0148e-3, 64: 2.8930e-3, 96: 1.7858e-3, 192: 9.6893e-4}}}

# TC6: the speed of the Rossby-Haurwitz wave in the non-divergent barotropic vorticity equation
# (Haurwitz 1940; the formula of Williamson et al. 1992, test 6): the shallow-water wave is slower.
HAURWITZ_SOURCE = ("non-divergent formula nu = (R(3+R)omega - 2 Omega) / ((1+R)(2+R)) "
                   "(Haurwitz 1940; Williamson et al. 1992, test 6): the divergent wave is slower, reported only")


def haurwitz_speed(omega_w: float = 7.848e-6, omega: float = 7.292e-5, wavenumber: int = 4) -> float:
    """Eastward speed [degrees/day] of a Rossby-Haurwitz wave in the non-divergent equation."""
    r = wavenumber
    return math.degrees((r * (3 + r) * omega_w - 2 * omega) / ((1 + r) * (2 + r))) * DAY


def eps(precision: str) -> float:
    """Unit rounding of a precision (2.2e-16 for float64, 1.2e-7 for float32)."""
    return float(np.finfo(np.dtype(precision)).eps)


def rounding_bound(steps: int, precision: str) -> float:
    """Relative change that rounding alone can make over `steps` steps: one eps per step, added linearly."""
    return max(int(steps), 1) * eps(precision)


def representation_bound(truncation: int, steps: int, precision: str) -> float:
    """Relative l2 error that rounding alone allows a steady state held by the transforms at T:
    (T+1)^2 eps for its representation plus one eps per step."""
    return ((truncation + 1) ** 2 + max(int(steps), 1)) * eps(precision)
