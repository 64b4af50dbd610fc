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

Figures from the project's benchmark notes (shared/BENCHMARKS.md, Climate
section) whose paper and table are not recorded there (the GME norms) are
reported beside hanami's, never used as a band edge.
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

# Norms quoted in shared/BENCHMARKS.md (Climate) for the GME model, without the paper and table: reported only.
GME_SOURCE = ("GME norms quoted in shared/BENCHMARKS.md (Climate); the paper and table are not recorded there, "
              "so the figure bounds nothing")
GME_L2 = {"williamson-tc5": {"day": 15.0, "coarse": 1.37e-3, "fine": 6.67e-4},
          "williamson-tc6": {"day": 10.0, "coarse": 9.0e-3, "fine": 9.7e-4}}

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
