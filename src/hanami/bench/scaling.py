"""Strong and weak scaling over devices and processes (`hanami bench --devices ... --processes ...`).

Each point is a real `hanami run` in a fresh process (or `--processes N` of
them), so it measures what a user gets: the app's layout on the mesh, XLA's
collectives, and for several processes JAX's distributed runtime. Fixed steps
(no adaptive control), no snapshots in between; the time per step is the run's
own `timings_s.run_per_step` (after compile).

On a CPU without that many devices the device count is made with
`--xla_force_host_platform_device_count`: such devices share the same cores,
so those points measure the overhead of the decomposition, not a speed-up.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Sequence

import jax

from hanami.apps.base import ScalingProblem
from hanami.apps.registry import apps
from hanami.bench.records import SCHEMA_VERSION
from hanami.config import to_toml
from hanami.bench.tasks import Context, Records, Task
from hanami.errors import CaseError


def problem(app: str) -> ScalingProblem | None:
    """The app's scaling problem (None: the app has none)."""
    benchmarks = apps()[app].benchmarks
    return benchmarks.scaling if benchmarks is not None else None


def scaled_apps() -> list[str]:
    """The apps that declare a scaling problem, in the registry's order."""
    return [name for name, app in apps().items() if app.benchmarks is not None and app.benchmarks.scaling]


QUIET_RUN = ("output.plots=false", "output.times=[]", "output.interval=0", "output.iteration_interval=0",
             "checkpoint.interval=0", "checkpoint.wall_interval=0", "diagnostics.every_iterations=1000000")


def _hanami_run(case: str, overrides: list[str], devices: int, processes: int, steps: int) -> dict[str, Any]:
    """`hanami run` the case for `steps` steps; its summary.json."""
    env = dict(os.environ)
    if jax.default_backend() == "cpu" and devices > processes:
        # Fake CPU devices, per process.
        flags = env.get("XLA_FLAGS", "")
        env["XLA_FLAGS"] = f"{flags} --xla_force_host_platform_device_count={devices // processes}".strip()
    with tempfile.TemporaryDirectory(prefix="hanami-scaling-") as tmp:
        out = Path(tmp) / "run"
        argv = [sys.executable, "-m", "hanami.cli", "run", case, "-q", "--out", str(out), "--devices", "0",
                "--set", f"stop.iteration={steps}"]
        for key in (*QUIET_RUN, *overrides):
            argv += ["--set", key]
        if processes > 1:
            argv += ["--processes", str(processes)]
        result = subprocess.run(argv, capture_output=True, text=True, env=env)
        if result.returncode != 0:
            raise CaseError(f"scaling run of {case} on {devices} device(s), {processes} process(es) failed: "
                            f"{result.stderr.strip().splitlines()[-1] if result.stderr.strip() else result.returncode}")
        return json.loads((out / "summary.json").read_text())


def measure(app: str, mode: str, devices: int, processes: int, precision: str, *, steps: int,
            baseline: dict[str, Any] | None, machine: dict[str, Any], date: str) -> dict[str, Any]:
    """One scaling point as a record; `baseline` is the 1-device, 1-process record of the same mode."""
    spec = problem(app)
    grow = spec.weak(devices) if mode == "weak" else []
    overrides = [*spec.settings, *grow, f'precision="{precision}"']
    summary = _hanami_run(spec.case, overrides, devices, processes, steps)
    from hanami.runner import load_case

    resolved = load_case(spec.case, overrides).case
    built_shape = apps()[app].benchmarks.resolution(resolved)
    points = math.prod(built_shape)
    per_step = summary["timings_s"]["run_per_step"]
    record = {
        "schema_version": SCHEMA_VERSION, "kind": "scaling", "mode": mode, "app": app, "case": spec.case,
        "resolution": built_shape, "grid_points": points, "precision": precision,
        "devices": summary["provenance"]["devices_used"], "processes": summary["provenance"]["processes"],
        "compile_s": summary["timings_s"]["compile"], "time_per_step_s": per_step, "spread": None,
        "updates_per_s": points / per_step, "bytes_per_update": None, "steps": summary["iteration"],
        "final": {spec.norm: summary["diagnostics"].get(spec.norm)}, "machine": machine, "date_utc": date,
        "fake_devices": jax.default_backend() == "cpu" and devices > processes, "case_toml": to_toml(resolved),
    }
    if baseline is not None:
        ideal = baseline["time_per_step_s"] * (1 if mode == "weak" else 1 / record["devices"])
        record["efficiency"] = ideal / per_step
    return record


def scaling_tasks(app: str, devices: Sequence[int], processes: Sequence[int], precisions: Sequence[str],
                  steps: int, ctx: Context) -> list[Task]:
    """Strong (and where the app has one, weak) scaling: 1 device first, the baseline of the others."""
    spec = problem(app)
    points = [(1, 1)] + [(n, 1) for n in devices if n > 1] + [(p, p) for p in processes if p > 1]
    tasks = []
    for precision in precisions:
        for mode in ("strong", "weak") if spec.weak else ("strong",):
            for n, p in dict.fromkeys(points):
                def run(done: Records, n=n, p=p, mode=mode, precision=precision) -> Records:
                    baseline = next((r for r in reversed(done) if r["kind"] == "scaling" and r["app"] == app
                                     and r["mode"] == mode and r["precision"] == precision
                                     and r["devices"] == 1 and r["processes"] == 1), None)
                    return ctx.measured(measure, app, mode, n, p, precision, steps=steps, baseline=baseline)

                tasks.append(Task(f"{app} {mode} scaling {precision}: {n} device(s), {p} process(es), {steps} steps",
                                  (f"{app}/scaling/{mode}/{precision}/d{n}/p{p}",), run))
    return tasks
