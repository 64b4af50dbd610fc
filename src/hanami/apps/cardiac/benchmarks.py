"""Cardiac benchmark problems on the Niederer slab (monodomain + ten Tusscher–Panfilov 2006).

Node-steps per second (nodes x time steps / wall seconds after compile) of the
shipped `niederer-dx*` cases, timed over a fixed number of steps from the start
(stimulus included). Times are in ms of simulated time.
"""

from __future__ import annotations

from typing import Any, Callable

import jax
import numpy as np

from hanami.apps.base import (Benchmarks, Built, GradientProblem, ScalingProblem, Setting, ThroughputProblem,
                              Traffic)
from hanami.apps.base.scaling import Link, Projection
from hanami.apps.cardiac.tp06 import STATE_NAMES
from hanami.core.simulation import Simulation

# Memory traffic model per node-step: every ionic state read and written once,
# plus the diffusion stencil's 7 reads of V and the activation field read and written.
TRAFFIC = Traffic(2 * len(STATE_NAMES) + 7 + 2)


def case_name(dx: float) -> str:
    return f"niederer-dx{dx:g}"


def _norms(built: Built) -> Callable[[Simulation], dict[str, Any]]:
    def final(sim: Simulation) -> dict[str, Any]:
        v = np.asarray(jax.device_get(sim.state.fields["V"]), np.float64)
        activation = np.asarray(jax.device_get(sim.state.fields["activation"]))
        return {"time": sim.time, "rms_V": float(np.sqrt(np.mean(v**2))), "V_min": float(v.min()),
                "V_max": float(v.max()), "activated_fraction": float(np.mean(np.isfinite(activation))),
                "finite": bool(np.all(np.isfinite(v)))}

    return final


def _fields(case: Any, chunk: int, time_per_step_s: float) -> dict[str, Any]:
    return {"box": list(case.grid.lengths),
            "time_stepping": {"dt_ms": case.time.dt, "diffusion": case.model.diffusion, "chunk_attempts": chunk}}


def _weak(n: int) -> list[str]:
    # 100 n nodes along x at dx 0.2 mm: the device counts divide them (an uneven split gathers).
    return [f"grid.lengths=[{round(0.2 * (100 * n - 1), 6)},7.0,3.0]"]




def communication(ny: int, nz: int, bytes_per_value: int = 4) -> Callable[[int, Link], float]:
    """Slabs along x: one plane of V (ny x nz nodes) to each of 2 neighbours per step [s per step]."""
    return lambda p, link: 2 * (link.alpha + ny * nz * bytes_per_value / link.beta)


# One H200's measured float32 figures (docs/benchmarks.md): 1.33e9 node-steps/s at dx 0.1 and
# 0.28 ms per step at dx 0.2.
PROJECTION = Projection("cardiac slab 100 x 100 x 20 mm, dx 0.1 (1001 x 1001 x 201 nodes)", 1001.0 * 1001 * 201,
                        1.33e9, 0.28e-3, communication(1001, 201))


BENCHMARKS = Benchmarks(
    throughput=(ThroughputProblem(
        case=case_name, points=Setting((0.5,), (0.2, 0.1), option="cardiac_dx"), at=lambda dx: (), label=case_name,
        traffic=TRAFFIC, norms=_norms, fields=_fields, steps=Setting(10, 20, option="cardiac_steps")),),
    scaling=ScalingProblem("niederer-dx0.2", ("grid.lengths=[19.8,7.0,3.0]",), _weak, "activated_fraction",
                            PROJECTION),
    gradient=GradientProblem("niederer-dx0.5", ("grid.lengths=[10.0,3.0,1.5]",), "model.sigma_l", 200, "V",
                             large=("grid.lengths=[20.0,7.0,3.0]", "grid.dx=0.2")),
)
