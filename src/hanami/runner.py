"""Running a case into a run directory: the glue between a case file, an app and
the engine (writers, checkpoints, summary, plots)."""

from __future__ import annotations

import dataclasses
import json
import math
import sys
from pathlib import Path
from typing import Any

import jax
import numpy as np

from hanami.apps.base import App, Built, LoadedCase, RunResult
from hanami.apps.registry import get_app, resolve_case_path
from hanami.config import apply_overrides, read_toml, to_toml, validate_case
from hanami.core.checkpoint import list_checkpoints, load_checkpoint, newest_checkpoint, save_checkpoint
from hanami.core.distributed import barrier, initialise, is_main_process, to_host
from hanami.core.ensemble import member_history
from hanami.core.probes import Probes, probe_dataset, read_probe_positions
from hanami.core.files import atomic_path, default_run_dir, write_text
from hanami.core.output import FieldLayout, FieldWriter, provenance
from hanami.core.parallel import Layout, plan_layout
from hanami.core.schedules import AnyOf, IterationInterval, SpecifiedTimes, TimeInterval, WallTimeInterval
from hanami.core.simulation import Callback, Simulation
from hanami.core.state import State
from hanami.ensembles import build_ensemble
from hanami.errors import BlowUpError, CaseError
from hanami.progress import RunProgress


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
    if devices is not None:
        extra.append(f"parallel.devices={devices}")
    if restart is not None:
        run_dir = Path(restart)
        if not (run_dir / "case.toml").exists():
            raise CaseError(f"{run_dir}: not a run directory (no case.toml)")
        if ensemble is not None:
            raise CaseError("a restart keeps the run's ensemble; drop --members/--vary")
        loaded = load_case(run_dir / "case.toml", list(overrides) + extra)
    else:
        if case is None:
            raise CaseError("give a case name or file (see `hanami list`), or --restart DIR")
        loaded = load_case(case, list(overrides) + extra, ensemble)
        if out is None and launch is not None:
            if launch.job_tag is None:
                raise CaseError("a run of several processes needs --out DIR (every process must name the same one)")
            out = Path("runs") / f"{loaded.case.name}-{launch.job_tag}"
        run_dir = Path(out) if out is not None else default_run_dir(loaded.case.name)
        _check_fresh(run_dir)
    app, cfg = loaded.app, loaded.case
    if cfg.ensemble.members > 1:
        built = build_ensemble(app, cfg, loaded.source, chunk_attempts)
    else:
        try:
            built = app.build(cfg)
        except ValueError as err:
            raise CaseError(f"{loaded.source}: {err}") from None

    history: list[dict[str, float]] = []
    if restart is not None:
        state, history, _ = load_checkpoint(newest_checkpoint(run_dir / "checkpoints"))
        _check_compatible(state, built.state, run_dir)
        if float(np.min(state.t)) >= (cfg.stop.time or math.inf):
            raise CaseError(f"{run_dir}: the run already reached t = {float(np.min(state.t)):g}; "
                            "pass a later --stop-time to continue it")
    else:
        state = built.state
    points = read_probe_positions(probes, built.layout) if probes is not None else None
    layout = plan_layout(state, cfg.parallel.devices)
    uneven = sorted({n for key, n in layout.sizes.items() if key.startswith("field/")})
    if uneven and progress and is_main_process():
        print(f"note: a first axis of {', '.join(map(str, uneven))} does not divide over {layout.devices} devices; "
              "the run pads it and is correct, but a device count that divides it runs faster", file=sys.stderr)
    state = layout.place(state)
    # Every process has checked the run directory before any writes to it.
    barrier("hanami-run-start")
    if is_main_process():
        run_dir.mkdir(parents=True, exist_ok=True)
        write_text(run_dir / "case.toml", to_toml(cfg))
    return _execute(app, cfg, built, state, history, run_dir, restored=restart is not None,
                    progress=progress, chunk_attempts=chunk_attempts, layout=layout, probes=points)


def output_schedule(cfg: Any) -> AnyOf:
    """When a case writes field snapshots (besides the start and the end)."""
    parts = [SpecifiedTimes(cfg.output.times)]
    if cfg.output.interval:
        parts.append(TimeInterval(cfg.output.interval))
    if cfg.output.iteration_interval:
        parts.append(IterationInterval(cfg.output.iteration_interval))
    return AnyOf(parts)


def checkpoint_schedule(cfg: Any) -> AnyOf:
    """When a case writes checkpoints (besides the start and the end)."""
    parts = []
    if cfg.checkpoint.interval:
        parts.append(TimeInterval(cfg.checkpoint.interval))
    if cfg.checkpoint.wall_interval:
        parts.append(WallTimeInterval(cfg.checkpoint.wall_interval))
    return AnyOf(parts)


def _execute(app: App, cfg: Any, built: Built, state, history, run_dir: Path, *, restored: bool,
             progress: bool, chunk_attempts: int, layout: Layout, probes: Probes | None = None) -> RunResult:
    info = provenance(cfg.precision)
    first_field = next(iter(state.fields.values()))
    info["devices_used"] = len(first_field.sharding.device_set)
    info["processes"] = jax.process_count()
    main = is_main_process()
    case_text = to_toml(cfg)
    suffix = "zarr" if cfg.output.format == "zarr" else "nc"
    writer = FieldWriter(run_dir / f"output.{suffix}", built.layout,
                         {"title": cfg.description or cfg.name, "case_name": cfg.name, "app": app.name,
                          "case_toml": case_text, **info}, cfg.output.format)
    model = built.model
    sim = Simulation(model, built.attempt, state, stop_time=cfg.stop.time, stop_iteration=cfg.stop.iteration,
                     wall_time_limit=cfg.stop.wall_time, diagnostics_every=cfg.diagnostics.every_iterations,
                     chunk_attempts=chunk_attempts, nan_check=cfg.diagnostics.nan_check, chunk=built.chunk,
                     layout=layout)
    sim.history = list(history)
    if restored:
        writer.restore(sim.time, sim.iteration)

    members = cfg.ensemble.members
    probe_rows: list[tuple[float, int, dict[str, np.ndarray]]] = []

    def write_output(s: Simulation) -> None:
        scalars = _scalars(s.history[-1], app.summary_keys, members)
        # The gather is collective: every process takes part, process 0 keeps the snapshot.
        fields = model.output_fields(layout.unpad_fields({k: to_host(v) for k, v in s.state.fields.items()}))
        if main:
            writer.add(s.time, s.iteration, fields, scalars)
            if probes is not None:
                probe_rows.append((s.time, s.iteration, {k: probes(v) for k, v in fields.items()}))

    def write_checkpoint(s: Simulation) -> None:
        host = layout.unpad(State(fields={k: to_host(v) for k, v in s.state.fields.items()},
                                  **{k: to_host(getattr(s.state, k)) for k in ("t", "iteration", "dt", "rejected")}))
        if main:
            writer.flush()
            save_checkpoint(run_dir / "checkpoints", host, s.history,
                            {"case": cfg.name, "app": app.name, **info}, keep=cfg.checkpoint.keep)

    sim.add_callback(Callback("output", output_schedule(cfg), write_output, at_start=not restored, at_end=True))
    sim.add_callback(Callback("checkpoint", checkpoint_schedule(cfg), write_checkpoint,
                              at_start=not restored, at_end=True))
    bar = RunProgress(cfg.name, sim.stop_time, sim.stop_iteration, enabled=progress and main)
    headline = app.summary_keys[0] if app.summary_keys else None

    def show(s: Simulation) -> None:
        # An ensemble shows member 0's value.
        row = s.history[-1]
        value = row.get(headline, row.get(f"{headline}[0]")) if headline else None
        bar.update(s.time, s.iteration, s.dt, f"{headline}={value:.6g}" if value is not None else "")

    sim.on_chunk.append(show)
    status, error = "completed", None
    try:
        sim.run()
    except BlowUpError as err:
        status, error = "blew-up", err
        if main:
            writer.flush()
    finally:
        bar.close()
    summary = _summary(app, cfg, sim, status, error, info, writer)
    if not main:
        if error is not None:
            raise BlowUpError(str(error), time=error.time, iteration=error.iteration, field=error.field)
        return RunResult(run_dir, summary, None, sim.history)
    write_text(run_dir / "summary.json", json.dumps(summary, indent=2))
    if error is not None:
        checkpoints = list_checkpoints(run_dir / "checkpoints")
        kept = f" The last good checkpoint is {checkpoints[-1]}." if checkpoints else ""
        raise BlowUpError(str(error) + kept, time=error.time, iteration=error.iteration, field=error.field)
    dataset = writer.dataset()
    if probes is not None:
        _write_probes(run_dir / "probes.nc", probes, probe_rows, built.layout, writer.global_attrs)
        summary["outputs"].append("probes.nc")
        write_text(run_dir / "summary.json", json.dumps(summary, indent=2))
    if cfg.output.plots:
        # An ensemble plots member 0 (the dataset holds every member).
        shown = (dataset.isel(member=0), member_history(sim.history, 0)) if members > 1 else (dataset, sim.history)
        summary["plots"] = [str(p.name) for p in app.plot(run_dir, *shown)]
        write_text(run_dir / "summary.json", json.dumps(summary, indent=2))
    return RunResult(run_dir, summary, dataset, sim.history)


def _write_probes(path: Path, probes: Probes, rows: list[tuple[float, int, dict[str, np.ndarray]]],
                  layout: FieldLayout, attrs: dict[str, Any]) -> None:
    """The output fields at the probes at every output time (a restart's repeated snapshot counts once)."""
    unique: dict[int, tuple[float, dict[str, np.ndarray]]] = {}
    for when, iteration, values in rows:
        unique[iteration] = (when, values)
    ordered = [unique[i] for i in sorted(unique)]
    series = {name: [values[name] for _, values in ordered] for name in ordered[0][1]}
    dataset = probe_dataset(probes, [t for t, _ in ordered], series, layout,
                            {k: (v if isinstance(v, (str, int, float)) else str(v)) for k, v in attrs.items()})
    with atomic_path(path) as tmp:
        dataset.to_netcdf(tmp, engine="netcdf4")


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in values.items()}


def _scalars(row: dict[str, float], names: tuple[str, ...], members: int) -> dict[str, Any]:
    """The app's summary diagnostics from a history row: floats, or one array per name for an ensemble."""
    if members == 1:
        return {k: row[k] for k in names if k in row}
    return {k: np.array([row[f"{k}[{i}]"] for i in range(members)]) for k in names if f"{k}[0]" in row}


def _summary(app: App, cfg: Any, sim: Simulation, status: str, error: BlowUpError | None,
             info: dict[str, Any], writer: FieldWriter) -> dict[str, Any]:
    first, last = sim.history[0], sim.history[-1]
    members = cfg.ensemble.members
    timings = dataclasses.asdict(sim.timings)
    steps = last["iteration"] - first["iteration"]
    return {
        "case": cfg.name,
        "app": app.name,
        "status": status,
        "stop_reason": sim.stop_reason if error is None else str(error),
        "time": sim.time,
        "iteration": sim.iteration,
        "rejected_attempts": int(np.sum(sim.clock("rejected"))),
        "members": members,
        "diagnostics_initial": _jsonable(_scalars(first, app.summary_keys, members)),
        "diagnostics": _jsonable(_scalars(last, app.summary_keys, members)),
        "timings_s": {**timings, "run_per_step": sim.timings.run / steps if steps else None},
        "outputs": [writer.path.name],
        "provenance": info,
    }
