"""Climate benchmark problems: simulated years per day (SYPD) of the spectral
shallow-water model on Williamson test 5 (zonal flow over a mountain).

The shipped `williamson-tc5` case at a given truncation T and step dt = 900 s,
timed over a fixed number of steps. SYPD = dt / (wall seconds per step) / 365:
simulated seconds per wall second equal simulated days per wall day. An IMEX
scheme is timed by adding the override `model.scheme="imex-ark3"` (or
"imex-sil3"); the record holds the scheme in `time_stepping.scheme`.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from hanami.apps.base import (Benchmarks, Built, GradientProblem, ScalingProblem, Setting, SurrogateProblem,
                              ThroughputProblem, Traffic)
from hanami.apps.base.scaling import Link, Projection, all_to_all
from hanami.apps.climate.dinosaur_peer import DINOSAUR
from hanami.core.simulation import Simulation

CASE = "williamson-tc5"
DT_SECONDS = 900.0  # as the peer figures in shared/BENCHMARKS.md (T63 at dt 900 s)
# Memory traffic model per grid point and step, in field passes: six grid fields
# (h, u, v, vorticity, divergence and the fluxes) read and written by the
# transforms and the nonlinear products, about twenty passes in all.
TRAFFIC = Traffic(20)


def _norms(built: Built) -> Callable[[Simulation], dict[str, Any]]:
    def final(sim: Simulation) -> dict[str, Any]:
        h = np.asarray(built.model.output_fields(sim.state.fields)["h"], np.float64)
        return {"time": sim.time, "rms_h": float(np.sqrt(np.mean(h**2))), "h_min": float(h.min()),
                "h_max": float(h.max()), "finite": bool(np.all(np.isfinite(h)))}

    return final


def _fields(case: Any, chunk: int, time_per_step_s: float) -> dict[str, Any]:
    return {"truncation": case.grid.truncation,
            "time_stepping": {"scheme": case.model.scheme, "dt_s": case.time.dt, "chunk_attempts": chunk},
            "sypd": case.time.dt / time_per_step_s / 365.0}


def resolution(case: Any) -> list[int]:
    """[nlat, nlon] of the case's Gaussian grid."""
    return [int(n) for n in case.grid.build(radius=1.0).shape]




def communication(truncation: int, bytes_per_value: int = 4, transposes: int = 8) -> Callable[[int, Link], float]:
    """Spectral transform split by zonal wavenumber, grid by latitude: `transposes` field transposes
    per step (5 to the grid, 3 back), each an all-to-all of nlat (T + 1) complex values [s per step]."""
    nlat = (3 * truncation + 1 + 1) // 2
    field = nlat * (truncation + 1) * 2 * bytes_per_value
    return lambda p, link: transposes * all_to_all(p, link, field)


# One H200's measured float32 figures (docs/benchmarks.md): 4.5e8 point-steps/s at T127 and
# 0.13 ms per step at T63.
PROJECTION = Projection("climate shallow water T1279 (1920 x 3840 grid)", 1920.0 * 3840, 4.5e8, 0.13e-3,
                        communication(1279))


BENCHMARKS = Benchmarks(
    throughput=(ThroughputProblem(
        case=CASE, points=Setting((31, 63), (31, 42, 63, 85, 127), option="truncations"),
        at=lambda t: (f"grid.truncation={t}",), label=lambda t: f"{CASE} T{t}", traffic=TRAFFIC, norms=_norms,
        fields=_fields, overrides=(f"time.dt={DT_SECONDS}", "output.interval=0", "output.times=[]"),
        steps=Setting(48, 96, option="climate_steps"), peers=(DINOSAUR,)),),
    scaling=ScalingProblem(CASE, ("grid.truncation=63",), None, "energy", PROJECTION),
    gradient=GradientProblem(CASE, ("grid.truncation=31",), "initial.mountain_height", 96, "h",
                             large=("grid.truncation=85",)),
    surrogate=SurrogateProblem(CASE, ("grid.truncation=31", "output.interval=10800"), "1 day",
                               {"members": 4, "vary": {"initial.mountain_height": [0.0, 1000.0, 2000.0, 3000.0]}},
                               ("h", "vorticity", "divergence"), 0.0),
    resolution=resolution,
)
