"""Surrogate speed (`hanami bench surrogates`): training throughput and inference speed-up.

For each app that declares a `hanami.apps.base.SurrogateProblem` (the phase field:
FNO, 64^2; the shallow-water model: spherical FNO, T31), a small ensemble is run
into a temporary Zarr store; then, with the default architecture of
`hanami train-surrogate`, the record holds
- training throughput: samples per second of the compiled training step (AdamW,
  batch of 16, data in memory), and of the streaming loader reading from the store;
- inference: seconds per learned step for one state and per state in a batch;
- the solver's seconds per learned step (its measured time per step on this
  machine x the steps it took per learned step in the ensemble), and the speed-up.
Speed does not depend on the weights, so nothing is trained to convergence here.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

import jax
import numpy as np

from hanami.ai.evaluation import solver_speed, surrogate_speed
from hanami.ai.samples import EnsembleSamples
from hanami.ai.surrogate import Surrogate
from hanami.ai.train_surrogate import TrainingOptions, make_spec, parameter_count
from hanami.ai.training import Trainer
from hanami.apps.registry import apps
from hanami.bench.records import SCHEMA_VERSION
from hanami.core.timing import median_times
from hanami.runner import run_case

BATCH = 16


def surrogate_record(app: str, *, repeats: int, machine: dict[str, Any], date: str) -> dict[str, Any]:
    """One app's surrogate record (see the module docstring)."""
    problem = apps()[app].benchmarks.surrogate
    case = problem.case
    with tempfile.TemporaryDirectory() as tmp:
        run = run_case(case, out=Path(tmp) / "run", overrides=[*problem.overrides, 'output.format="zarr"',
                                                               "output.plots=false"],
                       stop_time=problem.stop, progress=False, ensemble=problem.ensemble)
        samples = EnsembleSamples(run.run_dir / "output.zarr", problem.fields, test_members=1,
                                  start_time=problem.start_time)
        options = TrainingOptions()
        surrogate = Surrogate.create(make_spec(samples, app, options), jax.random.key(0))
        pairs = (samples.pairs(samples.train) * BATCH)[:BATCH]
        x, y, c = samples.read(pairs)
        trainer = Trainer.create(surrogate, options.learning_rate, 1000)
        start = time.perf_counter()
        jax.block_until_ready(trainer.step(x, y, c))
        compile_s = time.perf_counter() - start
        step_s, read_s = median_times([lambda: trainer.step(x, y, c), lambda: samples.read(pairs)], repeats=repeats)
        learned = surrogate_speed(surrogate, samples, BATCH)
        solver = solver_speed(samples)
        case_toml = (run.run_dir / "case.toml").read_text()
    spec = surrogate.spec
    points = int(np.prod(spec.shape))
    return {
        "schema_version": SCHEMA_VERSION, "kind": "surrogate", "app": app, "case": case,
        "resolution": list(spec.shape), "grid_points": points, "precision": "float32",
        "solver_precision": solver["precision"], "devices": 1, "processes": 1, "compile_s": compile_s,
        "time_per_step_s": learned["seconds_per_step"], "spread": None,
        "updates_per_s": points / learned["seconds_per_state_batched"], "bytes_per_update": None,
        "steps": repeats, "dt": spec.dt, "time_units": spec.time_units, "variables": list(spec.variables),
        "architecture": {"domain": spec.domain, "width": spec.width, "layers": spec.layers, "modes": spec.modes,
                         "parameters": parameter_count(surrogate)},
        "batch": BATCH, "train_samples_per_s": BATCH / step_s, "loader_samples_per_s": BATCH / read_s,
        "surrogate_s_per_step": learned["seconds_per_step"],
        "surrogate_s_per_state_batched": learned["seconds_per_state_batched"],
        "solver_s_per_step": solver["seconds_per_solver_step"],
        "solver_steps_per_learned_step": solver["solver_steps_per_learned_step"],
        "solver_s_per_learned_step": solver["seconds_per_step"],
        "speedup": solver["seconds_per_step"] / learned["seconds_per_step"],
        "speedup_batched": solver["seconds_per_step"] / learned["seconds_per_state_batched"],
        "final": {}, "machine": machine, "date_utc": date, "case_toml": case_toml,
    }
