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

import dataclasses
import json
import math
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Callable

import jax

from hanami.bench.records import SCHEMA_VERSION
from hanami.errors import CaseError


@dataclasses.dataclass(frozen=True)
class ScalingCase:
    """One app's scaling problem: a shipped case, fixed-step settings, and how it grows for weak scaling.

    Attributes:
        case: shipped case name.
        settings: `--set` overrides for a fixed-step run.
        weak: overrides that make the problem `n` times larger (None: strong scaling only).
        norm: the diagnostic reported as the final state's norm.
    """

    case: str
    settings: tuple[str, ...]
    weak: Callable[[int], list[str]] | None
    norm: str


def _phasefield_weak(n: int) -> list[str]:
    return [f"grid.shape=[{256 * n},256]", f"grid.lengths=[{256.0 * n},256.0]"]


def _cardiac_weak(n: int) -> list[str]:
    # 100 n nodes along x at dx 0.2 mm: the device counts divide them (an uneven split gathers).
    return [f"grid.lengths=[{round(0.2 * (100 * n - 1), 6)},7.0,3.0]"]


CASES = {
    "phasefield": ScalingCase("pfhub-bm1a", ("grid.shape=[256,256]", "grid.lengths=[256.0,256.0]",
                                             "time.adaptive=false", "time.dt=0.05"), _phasefield_weak, "free_energy"),
    "cardiac": ScalingCase("niederer-dx0.2", ("grid.lengths=[19.8,7.0,3.0]",), _cardiac_weak, "activated_fraction"),
    "climate": ScalingCase("williamson-tc5", ("grid.truncation=63",), None, "energy"),
}

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
    spec = CASES[app]
    grow = spec.weak(devices) if mode == "weak" else []
    overrides = [*spec.settings, *grow, f'precision="{precision}"']
    summary = _hanami_run(spec.case, overrides, devices, processes, steps)
    from hanami.runner import load_case

    built_shape = _resolution(load_case(spec.case, overrides).case)
    points = math.prod(built_shape)
    per_step = summary["timings_s"]["run_per_step"]
    record = {
        "schema_version": SCHEMA_VERSION, "kind": "scaling", "mode": mode, "app": app, "case": spec.case,
        "resolution": built_shape, "grid_points": points, "precision": precision,
        "devices": summary["provenance"]["devices_used"], "processes": summary["provenance"]["processes"],
        "compile_s": summary["timings_s"]["compile"], "time_per_step_s": per_step, "spread": None,
        "updates_per_s": points / per_step, "bytes_per_update": None, "steps": summary["iteration"],
        "final": {spec.norm: summary["diagnostics"].get(spec.norm)}, "machine": machine, "date_utc": date,
        "fake_devices": jax.default_backend() == "cpu" and devices > processes,
    }
    if baseline is not None:
        ideal = baseline["time_per_step_s"] * (1 if mode == "weak" else 1 / record["devices"])
        record["efficiency"] = ideal / per_step
    return record


def _resolution(case: Any) -> list[int]:
    grid = case.grid
    if hasattr(grid, "truncation"):
        built = grid.build(radius=1.0)
    else:
        built = grid.build()
    return [int(n) for n in built.shape]
