"""Running a case into a run directory: the glue between a case file, an app and
the engine (writers, checkpoints, summary, plots)."""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Any

import jax
import numpy as np

from hanami.apps.base import App, Built, LoadedCase, RunResult
from hanami.apps.registry import get_app, resolve_case_path
from hanami.config import apply_overrides, override_key, read_toml, to_toml, validate_case
from hanami.core.checkpoint import list_checkpoints, load_checkpoint, newest_checkpoint
from hanami.core.distributed import barrier, initialise, is_main_process
from hanami.core.probes import Probes, read_probe_positions
from hanami.core.files import default_run_dir, write_text
from hanami.core.output import device_description, provenance
from hanami.core.vtk_output import check_vtk_grid
from hanami.core.parallel import Layout, plan_layout
from hanami.core.simulation import Simulation
from hanami.core.state import State
from hanami.ensembles import build_ensemble
from hanami.errors import BlowUpError, CaseError
from hanami.progress import RunProgress
from hanami.run_files import RunFiles, checkpoint_schedule, output_schedule  # noqa: F401 (public)


def load_case(name_or_file: str | Path, overrides: list[str] = (),
              ensemble: dict[str, Any] | None = None) -> LoadedCase:
    """Read, override and validate a case; raise `CaseError` on any problem.

    `ensemble` replaces the case's `[ensemble]` table (members, vary).
    """
    path = resolve_case_path(str(name_or_file))
    data = apply_overrides(read_toml(path), list(overrides))
    if ensemble is not None:
        data["ensemble"] = ensemble
    app = get_app(data.get("app"), str(path))
    return LoadedCase(app, validate_case(app.schema, data, str(path)), str(path))


def _options_to_overrides(stop_time: float | str | None, precision: str | None,
                          checkpoint_every: float | None) -> list[str]:
    out = []
    if stop_time is not None:
        # A number is in the app's time unit; text may carry a unit ("15 days"), checked by the schema.
        try:
            out.append(f"stop.time={float(stop_time)!r}")
        except ValueError:
            out.append(f"stop.time={str(stop_time)!r}")
    if precision is not None:
        out.append(f'precision="{precision}"')
    if checkpoint_every is not None:
        out.append(f"checkpoint.interval={checkpoint_every!r}")
    return out


def _refuse_twice_set(overrides: list[str], options: dict[str, tuple[str, Any]]) -> None:
    """One value per key: an option and a `--set` of the same key would leave one of them ignored."""
    for key, (option, value) in options.items():
        clash = [o for o in overrides if override_key(o) == key]
        if value is not None and clash:
            raise CaseError(f"{option} {value} and --set {clash[0]} both set '{key}'; give it once")


def _check_fresh(run_dir: Path) -> None:
    if (run_dir / "summary.json").exists() or list_checkpoints(run_dir / "checkpoints"):
        raise CaseError(f"{run_dir}: already holds a run; continue it with `hanami run --restart {run_dir}` "
                        "or choose another --out")


def _check_compatible(restored: State, fresh: State, run_dir: Path) -> None:
    """A restart continues the same problem: the fields' names, shapes and dtypes must match."""
    for name, field in fresh.fields.items():
        old = restored.fields.get(name)
        if old is None or old.shape != field.shape or old.dtype != field.dtype:
            was = f"{old.shape} {old.dtype}" if old is not None else "absent"
            raise CaseError(f"{run_dir}: the checkpoint's field '{name}' ({was}) does not match the case "
                            f"({field.shape} {field.dtype}); a restart may change stop conditions, output and "
                            "checkpoint settings, not the grid or the precision")


def run_case(case: str | Path | None = None, *, out: Path | None = None, overrides: list[str] = (),
             stop_time: float | str | None = None, precision: str | None = None, checkpoint_every: float | None = None,
             restart: Path | None = None, progress: bool = True, devices: int | None = None,
             chunk_attempts: int = 64, ensemble: dict[str, Any] | None = None,
             probes: Path | None = None) -> RunResult:
    """Run a case (or continue one from its newest checkpoint) into a run directory.

    Under a multi-process launch (Slurm, Open MPI, `hanami run --processes`) every
    process calls this with the same arguments; process 0 writes the files.
    """
    launch = initialise()
    extra = _options_to_overrides(stop_time, precision, checkpoint_every)
    _refuse_twice_set(overrides, {"stop.time": ("--stop-time", stop_time), "precision": ("--precision", precision),
                                  "checkpoint.interval": ("--checkpoint-every", checkpoint_every)})
    if devices is not None:
        extra.append(f"parallel.devices={devices}")
    if restart is not None:
        loaded, run_dir = _restarted(Path(restart), list(overrides) + extra, ensemble)
    else:
        loaded, run_dir = _fresh(case, out, list(overrides) + extra, ensemble, launch)
    app, cfg = loaded.app, loaded.case
    built = build(loaded, chunk_attempts)
    if cfg.output.vtk:
        check_vtk_grid(built.layout.dims, built.layout.coords, loaded.source)
    history: list[dict[str, float]] = []
    state = built.state
    if restart is not None:
        state, history = _restored_state(built, cfg, run_dir)
    points = read_probe_positions(probes, built.layout) if probes is not None else None
    layout = _placement(state, cfg, note=progress and is_main_process())
    state = layout.place(state)
    # Every process has checked the run directory before any writes to it.
    barrier("hanami-run-start")
    if is_main_process():
        run_dir.mkdir(parents=True, exist_ok=True)
        write_text(run_dir / "case.toml", to_toml(cfg))
    return _execute(app, cfg, built, state, history, run_dir, restored=restart is not None,
                    progress=progress, chunk_attempts=chunk_attempts, layout=layout, probes=points)


def build(loaded: LoadedCase, chunk_attempts: int = 64) -> Built:
    """The app's build of a case (of every member, stacked, for an ensemble); `CaseError` on a bad case."""
    if loaded.case.ensemble.members > 1:
        return build_ensemble(loaded.app, loaded.case, loaded.source, chunk_attempts)
    try:
        return loaded.app.build(loaded.case)
    except ValueError as err:
        raise CaseError(f"{loaded.source}: {err}") from None


def _restarted(run_dir: Path, overrides: list[str], ensemble: dict[str, Any] | None) -> tuple[LoadedCase, Path]:
    if not (run_dir / "case.toml").exists():
        raise CaseError(f"{run_dir}: not a run directory (no case.toml)")
    if ensemble is not None:
        raise CaseError("a restart keeps the run's ensemble; drop --members/--vary")
    return load_case(run_dir / "case.toml", overrides), run_dir


def _fresh(case: str | Path | None, out: Path | None, overrides: list[str], ensemble: dict[str, Any] | None,
           launch: Any) -> tuple[LoadedCase, Path]:
    if case is None:
        raise CaseError("give a case name or file (see `hanami list`), or --restart DIR")
    loaded = load_case(case, overrides, ensemble)
    if out is None and launch is not None:
        if launch.job_tag is None:
            raise CaseError("a run of several processes needs --out DIR (every process must name the same one)")
        out = Path("runs") / f"{loaded.case.name}-{launch.job_tag}"
    run_dir = Path(out) if out is not None else default_run_dir(loaded.case.name)
    _check_fresh(run_dir)
    return loaded, run_dir


def _restored_state(built: Built, cfg: Any, run_dir: Path) -> tuple[State, list[dict[str, float]]]:
    """The newest checkpoint's state and history, checked against the case."""
    state, history, _ = load_checkpoint(newest_checkpoint(run_dir / "checkpoints"))
    _check_compatible(state, built.state, run_dir)
    if float(np.min(state.t)) >= (cfg.stop.time or math.inf):
        raise CaseError(f"{run_dir}: the run already reached t = {float(np.min(state.t)):g}; "
                        "pass a later --stop-time to continue it")
    return state, history


def _placement(state: State, cfg: Any, note: bool) -> Layout:
    layout = plan_layout(state, cfg.parallel.devices)
    uneven = sorted({n for key, n in layout.sizes.items() if key.startswith("field/")})
    if uneven and note:
        print(f"note: a first axis of {', '.join(map(str, uneven))} does not divide over {layout.devices} devices; "
              "the run pads it and is correct, but a device count that divides it runs faster", file=sys.stderr)
    return layout


def _provenance(cfg: Any, state: State) -> dict[str, Any]:
    info = provenance(cfg.precision)
    used = next(iter(state.fields.values())).sharding.device_set
    # the devices this run's state lives on, not every device the process sees
    info["device"] = device_description(sorted(used, key=lambda d: d.id))
    info["devices_used"] = len(used)
    info["devices_visible"] = jax.device_count()
    info["processes"] = jax.process_count()
    return info


def _advance(sim: Simulation, app: App, cfg: Any, show: bool) -> tuple[str, BlowUpError | None]:
    """Run the loop with a progress line; (status, the blow-up or None)."""
    bar = RunProgress(cfg.name, sim.stop_time, sim.stop_iteration, enabled=show)
    headline = app.summary_keys[0] if app.summary_keys else None

    def update(s: Simulation) -> None:
        # An ensemble shows member 0's value.
        row = s.history[-1]
        value = row.get(headline, row.get(f"{headline}[0]")) if headline else None
        bar.update(s.time, s.iteration, s.dt, f"{headline}={value:.6g}" if value is not None else "")

    sim.on_chunk.append(update)
    try:
        sim.run()
        return "completed", None
    except BlowUpError as err:
        return "blew-up", err
    finally:
        bar.close()


def _execute(app: App, cfg: Any, built: Built, state: State, history: list[dict[str, float]], run_dir: Path, *,
             restored: bool, progress: bool, chunk_attempts: int, layout: Layout,
             probes: Probes | None = None) -> RunResult:
    """The time loop of a prepared run with its writers; the finished run."""
    sim = Simulation(built.model, built.attempt, state, stop_time=cfg.stop.time, stop_iteration=cfg.stop.iteration,
                     wall_time_limit=cfg.stop.wall_time, diagnostics_every=cfg.diagnostics.every_iterations,
                     chunk_attempts=chunk_attempts, nan_check=cfg.diagnostics.nan_check, chunk=built.chunk,
                     layout=layout)
    sim.history = list(history)
    files = RunFiles(app, cfg, built.layout, layout, run_dir, _provenance(cfg, state), probes)
    files.attach(sim, restored=restored)
    status, error = _advance(sim, app, cfg, progress and files.main)
    summary = files.summary(sim, status, error)
    if error is not None:
        if files.main:
            files.write_summary(summary)
        raise files.blew_up(error)
    if not files.main:
        return RunResult(run_dir, summary, None, sim.history)
    return RunResult(run_dir, summary, files.finish(sim, summary), sim.history)
