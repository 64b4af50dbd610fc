"""The BM3 peer: the same explicit step run by NumPy (`hanami bench phasefield --peers`).

The question it answers: what does the compiled JAX step buy over the obvious array code of the same
method on the same machine? It advances the loaded `pfhub-bm3` case with exactly hanami's
discretisation: the model's own `step`, whose operators take NumPy arrays as well (the same code,
stencil, step and walls, executed op by op by NumPy) for the throughput problem's steps, and times
the median of its repeats as the throughput records do. NumPy runs one thread; its operations each
make a pass over memory, where XLA fuses them.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

import numpy as np

from hanami.apps.base import LoadedCase, Peer, PeerSettings

CODE = "numpy"


def run_numpy_bm3(loaded: LoadedCase, settings: PeerSettings) -> dict[str, Any]:
    """Time `settings.repeats` x `settings.steps` NumPy steps of the loaded BM3 case after a warm-up chunk."""
    cfg = loaded.case
    built = loaded.app.build(cfg)
    model = built.model
    dtype = np.dtype(settings.precision)
    phi = np.asarray(built.state.fields["phi"], dtype)
    u = np.asarray(built.state.fields["U"], dtype)
    dt = dtype.type(cfg.time.dt)
    fields = {"phi": phi, "U": u}
    for _ in range(settings.chunk):
        fields = model.step(fields, dt)
    times = []
    for _ in range(settings.repeats):
        start = time.perf_counter()
        for _ in range(settings.steps):
            fields = model.step(fields, dt)
        times.append((time.perf_counter() - start) / settings.steps)
    per_step = statistics.median(times)
    points = int(np.prod(cfg.grid.shape))
    return {
        "code_version": np.__version__, "case": cfg.name, "resolution": list(cfg.grid.shape), "grid_points": points,
        "box": list(cfg.grid.lengths), "precision": settings.precision,
        "method": {"summary": f"hanami's {model.stencil} stencil and forward Euler in NumPy, dt={cfg.time.dt:g}",
                   "stencil": model.stencil, "dt": cfg.time.dt},
        "steps": settings.steps, "repeats": settings.repeats, "time_per_step_s": per_step,
        "spread": (max(times) - min(times)) / per_step if per_step > 0 else None,
        "updates_per_s": points / per_step,
        "final": {"tip_position": float(model.tip_position(fields["phi"])),
                  "finite": bool(np.all(np.isfinite(fields["phi"])))},
    }


def compare_with_hanami(peer: dict[str, Any], records: list[dict[str, Any]]) -> None:
    """`ratio_to_hanami` {precision: NumPy s per step / hanami's} (above 1 hanami is faster) and
    `hanami` {precision: {time_per_step_s, updates_per_s}} from the throughput record of the same grid."""
    peer["ratio_to_hanami"], peer["hanami"] = {}, {}
    for r in records:
        if (r.get("app") == "phasefield" and r.get("kind") == "throughput" and r.get("case") == peer["case"]
                and r["resolution"] == peer["resolution"] and r["precision"] == peer["precision"]
                and r.get("devices", 1) == 1):
            peer["ratio_to_hanami"][r["precision"]] = peer["time_per_step_s"] / r["time_per_step_s"]
            peer["hanami"][r["precision"]] = {"time_per_step_s": r["time_per_step_s"],
                                              "updates_per_s": r["updates_per_s"]}


NUMPY = Peer(code=CODE, requirement="numpy", available=lambda: True, run=run_numpy_bm3, compare=compare_with_hanami,
             note=" (NumPy steps take seconds each on large grids)")
