"""The high-resolution reference runs of the self-convergence checks: made once by the validation that
needs them and cached under ~/.cache/hanami/climate (HANAMI_CLIMATE_REFERENCES overrides), each with its
run directory (case.toml, summary) beside the cached fields."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console

from hanami.apps.base import CaseRunner
from hanami.errors import CaseError


def step_for(truncation: int) -> float:
    """A step [s] for truncation T: 900 s at T42 scaled by 42/T, rounded down to a divisor of 6 h."""
    target = 900.0 * 42 / truncation
    divisors = [d for d in range(1, 21601) if 21600 % d == 0 and d <= target]
    return float(max(divisors))


def reference_dir() -> Path:
    """Where the reference runs are cached."""
    return Path(os.environ.get("HANAMI_CLIMATE_REFERENCES", Path.home() / ".cache" / "hanami" / "climate"))


def reference_tag(case: str, truncation: int, precision: str, overrides: list[str]) -> str:
    """The cache name of a reference run; overrides (a scheme, a step) give it a hash of their own."""
    tag = f"{case}-T{truncation}-{precision}"
    if overrides:
        tag += "-" + hashlib.sha1("\n".join(overrides).encode()).hexdigest()[:8]
    return tag


def reference_solution(runner: CaseRunner, case: str, truncation: int, precision: str, overrides: list[str], progress: bool,
                       console: Console, fields: tuple[str, ...] = ("h",)
                       ) -> tuple[np.ndarray, dict[str, np.ndarray], Any]:
    """(times [s], {name: field [time, lat, lon]}, grid) of the high-resolution run, made once and cached."""
    tag = reference_tag(case, truncation, precision, overrides)
    path = reference_dir() / f"{tag}.npz"
    case_obj = runner.load_case(case, [f"grid.truncation={truncation}"] + list(overrides)).case
    grid = case_obj.grid.build(case_obj.model.radius)
    if path.exists():
        with np.load(path) as data:
            if all(name in data for name in fields):
                return data["time"], {name: data[name] for name in fields}, grid
    console.print(f"making the reference solution {tag} (once; cached in {path.parent})")
    run_dir = reference_dir() / f"{tag}-run"
    if run_dir.exists():
        shutil.rmtree(run_dir)
    result = runner.run_case(case, out=run_dir, precision=precision, progress=progress,
                             overrides=[f"grid.truncation={truncation}", f"time.dt={step_for(truncation)!r}",
                                 "output.plots=false", "checkpoint.wall_interval=0"] + list(overrides))
    times = result.dataset["time"].values
    data = {name: result.dataset[name].values for name in fields}
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, time=times, **data)
    return times, data, grid


def reference_plan(quick: bool, reference_truncation: int | None, quick_reference: int = 106,
                   full_reference: int = 213, candidates: tuple[int, ...] = (42, 63, 85)) -> tuple[int, tuple[int, ...]]:
    """(reference truncation, the truncations to compare with it): every candidate below the reference,
    without T85 under --quick unless the reference is given."""
    t_ref = reference_truncation or (quick_reference if quick else full_reference)
    pool = candidates[:2] if quick and reference_truncation is None else candidates
    truncations = tuple(t for t in pool if t < t_ref)
    if len(truncations) < 2:
        raise CaseError(f"--reference-truncation {t_ref}: need a reference above T{candidates[1]} so that at "
                        "least two resolutions are compared")
    return t_ref, truncations


def reference_run_dirs(case: str, truncation: int, precision: str, overrides: list[str]) -> list[Path]:
    """The run directory of a cached reference, where this machine made it (for the report's cases)."""
    run_dir = reference_dir() / f"{reference_tag(case, truncation, precision, overrides)}-run"
    return [run_dir] if run_dir.exists() else []


def run_at_truncation(runner: CaseRunner, case: str, run_dir: Path, truncation: int, dt: float, overrides: list[str],
                      precision: str | None, progress: bool, radius: float) -> tuple[Any, Any, Any]:
    """Run `case` at `truncation` with step `dt` [s] into `run_dir`/T<truncation>; the result, its resolved
    case and its grid."""
    label = f"T{truncation}"
    result = runner.run_case(case, out=run_dir / label, precision=precision, progress=progress,
                             overrides=[f"grid.truncation={truncation}", f"time.dt={dt!r}"] + list(overrides))
    resolved = runner.load_case(run_dir / label / "case.toml").case
    return result, resolved, resolved.grid.build(radius)
