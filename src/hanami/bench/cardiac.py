"""Cardiac benchmarks on the Niederer slab (monodomain + ten Tusscher–Panfilov 2006).

Node-steps per second (nodes x time steps / wall seconds after compile) of the
shipped `niederer-dx*` cases: the same build and `Simulation` as `hanami run`,
timed over a fixed number of steps from the start (stimulus included). Times
are in ms of simulated time and s of wall time.
"""

from __future__ import annotations

from typing import Any

import jax
import numpy as np

from hanami.apps.cardiac.tp06 import STATE_NAMES
from hanami.bench.records import SCHEMA_VERSION
from hanami.core.timing import timed_repeats
from hanami.runner import load_case

# Memory traffic model per node-step: every ionic state read and written once,
# plus the diffusion stencil's 7 reads of V and the activation field read and written.
PASSES_PER_NODE_STEP = 2 * len(STATE_NAMES) + 7 + 2


def case_name(dx: float) -> str:
    return f"niederer-dx{dx:g}"


def throughput(dx: float, precision: str, *, steps: int, repeats: int, chunk: int, machine: dict[str, Any],
               date: str) -> dict[str, Any]:
    """Time `repeats` x `steps` steps of the Niederer slab at `dx` [mm] in `precision`."""
    loaded = load_case(case_name(dx), [f'precision="{precision}"'])
    cfg = loaded.case
    built = loaded.app.build(cfg)
    nodes = int(np.prod(built.model.grid.shape))
    sim, timing = timed_repeats(built.model, built.attempt, built.state, steps=steps, repeats=repeats, chunk=chunk)
    v = np.asarray(jax.device_get(sim.state.fields["V"]), np.float64)
    activation = np.asarray(jax.device_get(sim.state.fields["activation"]))
    return {
        "schema_version": SCHEMA_VERSION, "kind": "throughput", "app": "cardiac", "case": cfg.name,
        "resolution": list(built.model.grid.shape), "grid_points": nodes, "box": list(cfg.grid.lengths),
        "precision": precision, "devices": len(sim.state.fields["V"].sharding.device_set),
        "processes": jax.process_count(), "machine": machine, "date_utc": date,
        "bytes_per_update": PASSES_PER_NODE_STEP * np.dtype(precision).itemsize,
        "time_stepping": {"dt_ms": cfg.time.dt, "diffusion": cfg.model.diffusion, "chunk_attempts": chunk},
        **timing,
        "updates_per_s": nodes / timing["time_per_step_s"],
        "final": {"time": sim.time, "rms_V": float(np.sqrt(np.mean(v**2))), "V_min": float(v.min()),
                  "V_max": float(v.max()), "activated_fraction": float(np.mean(np.isfinite(activation))),
                  "finite": bool(np.all(np.isfinite(v)))},
    }
