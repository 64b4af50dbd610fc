"""What a run writes around its time loop: the output dataset, checkpoints, probes,
summary.json and the app's plots, each on the case's schedule.

`RunFiles.attach(simulation)` adds the output and checkpoint writers as scheduled
callbacks (Oceananigans' output writers); `RunFiles.finish` writes summary.json,
probes.nc and the plots once the loop has ended. Under several processes every
process takes part in the gathers; process 0 alone writes.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from hanami.apps.base import App
from hanami.config import to_toml
from hanami.core.checkpoint import list_checkpoints, save_checkpoint
from hanami.core.distributed import is_main_process, to_host
from hanami.core.ensemble import member_history
from hanami.core.files import write_text
from hanami.core.cf import time_coordinates
from hanami.core.output import FieldLayout, FieldWriter, write_netcdf
from hanami.core.vtk_output import VtkSeries
from hanami.core.parallel import Layout
from hanami.core.probes import Probes, probe_dataset
from hanami.core.schedules import AnyOf, IterationInterval, SpecifiedTimes, TimeInterval, WallTimeInterval
from hanami.core.simulation import Callback, Simulation
from hanami.core.state import State
from hanami.errors import BlowUpError

CLOCK = ("t", "iteration", "dt", "rejected")


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


def scalars(row: dict[str, float], names: tuple[str, ...], members: int) -> dict[str, Any]:
    """The app's summary diagnostics from a history row: floats, or one array per name for an ensemble."""
    if members == 1:
        return {k: row[k] for k in names if k in row}
    return {k: np.array([row[f"{k}[{i}]"] for i in range(members)]) for k in names if f"{k}[0]" in row}


# The clock's own entries of a diagnostics row.
CLOCK_ATTRS = {"dt": {"long_name": "time step proposed for the next attempt"},
               "rejected": {"long_name": "attempts rejected by the error control so far", "units": "1"}}


def diagnostics_dataset(history: list[dict[str, Any]], layout: FieldLayout, attrs: dict[str, Any]) -> xr.Dataset:
    """Every scalar diagnostic at every recorded row (each `diagnostics.every_iterations` steps and each
    output), one row per iteration (a restart's repeated row counts once): `diagnostics.nc`.
    An ensemble's diagnostics are (time, member) arrays; `attrs` are the file's global attributes."""
    rows = sorted({int(row["iteration"]): row for row in history}.values(), key=lambda row: float(row["time"]))
    members = len(layout.coords["member"][0]) if layout.scalar_dims else 1
    names = tuple(dict.fromkeys(k.split("[", 1)[0] for k in rows[0] if k not in ("time", "iteration")))
    per_row = [scalars(row, names, members) for row in rows]
    units = layout.attrs.get("time", {}).get("units", "1")
    data: dict[str, Any] = {"iteration": ("time", np.array([int(row["iteration"]) for row in rows], np.int32),
                                          {"long_name": "accepted time steps since the start of the run", "units": "1"})}
    for name in names:
        described = {**CLOCK_ATTRS.get(name, {}), **layout.attrs.get(name, {})}
        if name == "dt":
            described["units"] = units
        values = np.array([np.asarray(row.get(name, np.nan), np.float64) for row in per_row])
        data[name] = (("time",) + layout.scalar_dims if values.ndim == 2 else ("time",), values, described)
    coords: dict[str, Any] = time_coordinates(np.array([float(row["time"]) for row in rows]), units)
    if layout.scalar_dims:
        coords["member"] = ("member", np.asarray(layout.coords["member"][0]), layout.coords["member"][1])
    return xr.Dataset(data, coords=coords, attrs={**attrs, "title": f"{attrs.get('title', '')}: diagnostics"})


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in values.items()}


class RunFiles:
    """The files of one run directory.

    Arguments:
        app: the app (summary keys, plots).
        cfg: the resolved case.
        layout: how the model's fields map to the output dataset.
        placement: how the state lies on the devices (padding to remove before writing).
        run_dir: the run directory.
        info: provenance for the dataset, checkpoints and summary.
        probes: points to interpolate the output fields to (probes.nc), or None.
    """

    def __init__(self, app: App, cfg: Any, layout: FieldLayout, placement: Layout, run_dir: Path,
                 info: dict[str, Any], probes: Probes | None = None):
        self.app, self.cfg, self.layout, self.placement = app, cfg, layout, placement
        self.run_dir, self.info, self.probes = run_dir, info, probes
        self.main = is_main_process()
        suffix = "zarr" if cfg.output.format == "zarr" else "nc"
        self.writer = FieldWriter(run_dir / f"output.{suffix}", layout,
                                  {"title": cfg.description or cfg.name, "case_name": cfg.name, "app": app.name,
                                   "case_toml": to_toml(cfg), **info}, cfg.output.format)
        self.probe_rows: list[tuple[float, int, dict[str, np.ndarray]]] = []
        self.vtk = VtkSeries(run_dir) if cfg.output.vtk else None

    def attach(self, sim: Simulation, *, restored: bool) -> None:
        """Add the output and checkpoint writers to `sim` (a restart does not write its start again)."""
        if restored:
            self.writer.restore(sim.time, sim.iteration)
        sim.add_callback(Callback("output", output_schedule(self.cfg), self.write_output, at_start=not restored,
                                  at_end=True))
        sim.add_callback(Callback("checkpoint", checkpoint_schedule(self.cfg), self.write_checkpoint,
                                  at_start=not restored, at_end=True))

    def write_output(self, sim: Simulation) -> None:
        row = scalars(sim.history[-1], self.app.summary_keys, self.cfg.ensemble.members)
        # The gather is collective: every process takes part, process 0 keeps the snapshot.
        host = self.placement.unpad_fields({k: to_host(v) for k, v in sim.state.fields.items()})
        fields = sim.model.output_fields(host)
        if self.main:
            self.writer.add(sim.time, sim.iteration, fields, row)
            if self.probes is not None:
                self.probe_rows.append((sim.time, sim.iteration, {k: self.probes(v) for k, v in fields.items()}))

    def write_checkpoint(self, sim: Simulation) -> None:
        host = self.placement.unpad(State(fields={k: to_host(v) for k, v in sim.state.fields.items()},
                                          **{k: to_host(getattr(sim.state, k)) for k in CLOCK}))
        if self.main:
            self.flush()
            save_checkpoint(self.run_dir / "checkpoints", host, sim.history,
                            {"case": self.cfg.name, "app": self.app.name, **self.info}, keep=self.cfg.checkpoint.keep)

    def flush(self) -> None:
        """Write the dataset (and the VTK series when asked) with every snapshot so far."""
        written = self.writer.flush()
        if self.vtk is not None and written is not None:
            self.vtk.write(written)

    def summary(self, sim: Simulation, status: str, error: BlowUpError | None) -> dict[str, Any]:
        """summary.json's content."""
        first, last = sim.history[0], sim.history[-1]
        members = self.cfg.ensemble.members
        steps = last["iteration"] - first["iteration"]
        return {
            "case": self.cfg.name,
            "app": self.app.name,
            "status": status,
            "stop_reason": sim.stop_reason if error is None else str(error),
            "time": sim.time,
            "iteration": sim.iteration,
            "rejected_attempts": int(np.sum(sim.clock("rejected"))),
            "members": members,
            "diagnostics_initial": _jsonable(scalars(first, self.app.summary_keys, members)),
            "diagnostics": _jsonable(scalars(last, self.app.summary_keys, members)),
            "timings_s": {**dataclasses.asdict(sim.timings),
                          "run_per_step": sim.timings.run / steps if steps else None},
            "outputs": [self.writer.path.name] + (["output.pvd"] if self.vtk is not None else []),
            "provenance": self.info,
        }

    def blew_up(self, error: BlowUpError) -> BlowUpError:
        """The error to raise after a blow-up, naming the last good checkpoint (the dataset is flushed)."""
        if self.main:
            self.flush()
            checkpoints = list_checkpoints(self.run_dir / "checkpoints")
            kept = f" The last good checkpoint is {checkpoints[-1]}." if checkpoints else ""
        else:
            kept = ""
        return BlowUpError(str(error) + kept, time=error.time, iteration=error.iteration, field=error.field)

    def finish(self, sim: Simulation, summary: dict[str, Any]) -> xr.Dataset:
        """Write probes.nc and the plots of a finished run, and summary.json after each; the dataset."""
        self.write_summary(summary)
        dataset = self.writer.dataset()
        if self.probes is not None:
            self._write_probes(self.run_dir / "probes.nc")
            summary["outputs"].append("probes.nc")
            self.write_summary(summary)
        write_netcdf(diagnostics_dataset(sim.history, self.layout, self.writer.file_attrs),
                     self.run_dir / "diagnostics.nc", self.writer.history)
        summary["outputs"].append("diagnostics.nc")
        self.write_summary(summary)
        if self.cfg.output.plots:
            # An ensemble plots member 0 (the dataset holds every member).
            shown = ((dataset.isel(member=0), member_history(sim.history, 0)) if self.cfg.ensemble.members > 1
                     else (dataset, sim.history))
            summary["plots"] = [str(p.name) for p in self.app.plot(self.run_dir, *shown)]
            self.write_summary(summary)
        return dataset

    def write_summary(self, summary: dict[str, Any]) -> None:
        write_text(self.run_dir / "summary.json", json.dumps(summary, indent=2))

    def _write_probes(self, path: Path) -> None:
        """The output fields at the probes at every output time (a restart's repeated snapshot counts once)."""
        unique: dict[int, tuple[float, dict[str, np.ndarray]]] = {}
        for when, iteration, values in self.probe_rows:
            unique[iteration] = (when, values)
        ordered = [unique[i] for i in sorted(unique)]
        series = {name: [values[name] for _, values in ordered] for name in ordered[0][1]}
        write_netcdf(probe_dataset(self.probes, [t for t, _ in ordered], series, self.layout, self.writer.file_attrs),
                     path, self.writer.history)
