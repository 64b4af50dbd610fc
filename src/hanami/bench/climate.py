"""Climate benchmarks: simulated years per day (SYPD) of the spectral shallow-water
model on Williamson test 5 (zonal flow over a mountain).

The shipped `williamson-tc5` case at a given truncation and step, built and run
by the same `Simulation` as `hanami run`, timed over a fixed number of steps.
SYPD = dt / (wall seconds per step) / 365: simulated seconds per wall second
equal simulated days per wall day.

`throughput(..., scheme="imex-ark3")` (or "imex-sil3") times an IMEX Runge-Kutta
scheme instead of the case's leapfrog; the record is the same, with the scheme in
`time_stepping.scheme`.
"""

from __future__ import annotations

from typing import Any

import jax
import numpy as np

from hanami.bench.records import SCHEMA_VERSION
from hanami.core.timing import timed_repeats
from hanami.runner import load_case

CASE = "williamson-tc5"
DT_SECONDS = 900.0  # as the peer figures in shared/BENCHMARKS.md (T63 at dt 900 s)
# Memory traffic model per grid point and step, in field passes: six grid fields
# (h, u, v, vorticity, divergence and the fluxes) read and written by the
# transforms and the nonlinear products, about twenty passes in all.
PASSES_PER_POINT_STEP = 20


def throughput(truncation: int, precision: str, *, steps: int, repeats: int, chunk: int, machine: dict[str, Any],
               date: str, scheme: str | None = None) -> dict[str, Any]:
    """Time `repeats` x `steps` steps of TC5 at T`truncation` in `precision` with `scheme`
    (`model.scheme`; default: the case's, the leapfrog)."""
    chosen = [f'model.scheme="{scheme}"'] if scheme else []
    loaded = load_case(CASE, [f'precision="{precision}"', f"grid.truncation={truncation}",
                              f"time.dt={DT_SECONDS}", "output.interval=0", "output.times=[]"] + chosen)
    cfg = loaded.case
    built = loaded.app.build(cfg)
    grid = built.model.grid
    points = int(np.prod(grid.shape))
    sim, timing = timed_repeats(built.model, built.attempt, built.state, steps=steps, repeats=repeats, chunk=chunk)
    h = np.asarray(built.model.output_fields(sim.state.fields)["h"], np.float64)
    first = next(iter(sim.state.fields.values()))
    return {
        "schema_version": SCHEMA_VERSION, "kind": "throughput", "app": "climate", "case": CASE,
        "resolution": [int(n) for n in grid.shape], "truncation": truncation, "grid_points": points,
        "precision": precision, "devices": len(first.sharding.device_set), "processes": jax.process_count(),
        "machine": machine, "date_utc": date,
        "bytes_per_update": PASSES_PER_POINT_STEP * np.dtype(precision).itemsize,
        "time_stepping": {"scheme": cfg.model.scheme, "dt_s": DT_SECONDS, "chunk_attempts": chunk},
        **timing,
        "updates_per_s": points / timing["time_per_step_s"],
        "sypd": DT_SECONDS / timing["time_per_step_s"] / 365.0,
        "final": {"time": sim.time, "rms_h": float(np.sqrt(np.mean(h**2))), "h_min": float(h.min()),
                  "h_max": float(h.max()), "finite": bool(np.all(np.isfinite(h)))},
    }
