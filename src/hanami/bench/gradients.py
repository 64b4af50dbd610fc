"""The cost of a gradient through a whole run (`hanami bench gradients`).

For the parameter each app declares (`hanami.apps.base.GradientProblem`), on a small
grid (or, `size="large"`, one that occupies a GPU: on the small ones a GPU step is a
few microseconds of work behind its kernel launches): the time of a forward run and of
its gradient (`jax.value_and_grad` of a scalar loss of the final state), both
compiled, then timed in turns after a warm-up (medians), and XLA's compiled
temporary memory of the gradient with and without rematerialisation (chunks of
about sqrt(N) steps against every step kept). Times are wall seconds; memory is bytes.
"""

from __future__ import annotations

import time
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from hanami.ai.differentiable import DifferentiableRun
from hanami.apps.registry import apps
from hanami.bench.records import SCHEMA_VERSION
from hanami.config import to_toml
from hanami.core.timing import median_times

def gradient_cost(app: str, precision: str, *, repeats: int, machine: dict[str, Any], date: str,
                  steps: int | None = None, size: str = "small") -> dict[str, Any]:
    """One app's gradient record: forward and gradient seconds, their ratio, and memory with/without remat,
    on the small problem or the `large` one."""
    problem = apps()[app].benchmarks.gradient
    case, key, field = problem.case, problem.parameter, problem.field
    steps = steps or problem.steps
    overrides = [*problem.overrides, *(problem.large if size == "large" else ()), f'precision="{precision}"']
    remat = DifferentiableRun(case, [key], steps=steps, overrides=overrides)
    kept = DifferentiableRun(case, [key], steps=steps, overrides=overrides, chunk=steps)

    def loss_of(run: DifferentiableRun):
        def loss(values):
            final = run.run(values)[field]
            return jnp.sum(jnp.abs(final.astype(jnp.float64)) ** 2) / final.size
        return loss

    values = remat.values()
    start = time.perf_counter()
    forward = jax.jit(loss_of(remat)).lower(values).compile()
    compile_forward = time.perf_counter() - start
    start = time.perf_counter()
    gradient = jax.jit(jax.value_and_grad(loss_of(remat))).lower(values).compile()
    compile_gradient = time.perf_counter() - start
    compiled_kept = jax.jit(jax.value_and_grad(loss_of(kept))).lower(values).compile()
    forward_s, gradient_s = median_times([forward, gradient], values, repeats=repeats)
    points = int(np.prod(remat.fields[next(iter(remat.fields))].shape))
    return {
        "schema_version": SCHEMA_VERSION, "kind": "gradient", "app": app, "case": case, "size": size,
        "resolution": list(remat.fields[next(iter(remat.fields))].shape), "grid_points": points,
        "precision": precision, "devices": 1, "processes": 1, "parameter": key,
        "compile_s": compile_forward + compile_gradient, "time_per_step_s": forward_s / steps, "spread": None,
        "updates_per_s": points * steps / forward_s, "bytes_per_update": None, "steps": steps,
        "forward_s": forward_s, "gradient_s": gradient_s, "gradient_over_forward": gradient_s / forward_s,
        "chunk": remat.chunk,
        "temp_bytes_remat": int(gradient.memory_analysis().temp_size_in_bytes),
        "temp_bytes_all_states": int(compiled_kept.memory_analysis().temp_size_in_bytes),
        "final": {"loss": float(forward(values))}, "machine": machine, "date_utc": date,
        "case_toml": to_toml(remat.config),
    }
