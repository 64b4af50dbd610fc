"""Output datasets (xarray, CF-style attributes) and provenance.

`FieldWriter` keeps the snapshots of a run and writes them as one dataset,
NetCDF or Zarr, atomically, whenever it is flushed (at each checkpoint and at
the end). A restart reloads the dataset and drops snapshots newer than the
checkpoint, so the finished file equals that of an uninterrupted run.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import os
import platform
import shlex
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any, Literal

import jax
import numpy as np
import xarray as xr

import hanami
from hanami.core.cf import CONVENTIONS, append_history, from_cf, history_line, time_coordinates, to_cf
from hanami.core.files import atomic_path, replace_directory


@functools.cache
def git_revision() -> str:
    """The exact git revision of the hanami source tree.

    A clean checkout gives its commit; a checkout with uncommitted edits to
    tracked files gives `<commit>-dirty-<hash>`, the hash (12 hex digits of
    SHA-256) being that of `git diff HEAD`, so two results carry the same label
    only when they ran the same code. `HANAMI_GIT_REVISION` names the revision of
    a tree copied without its history; a tree with neither gives
    `release-<version>+tree-<hash>`, the hash being that of the package's own
    source files (`source_tree_hash`).
    """
    if os.environ.get("HANAMI_GIT_REVISION"):
        return os.environ["HANAMI_GIT_REVISION"]
    here = Path(hanami.__file__).resolve().parent
    try:
        out = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=here, capture_output=True,
                             text=True, timeout=5, check=True).stdout.strip()
        diff = subprocess.run(["git", "diff", "HEAD", "--no-ext-diff", "--binary"], cwd=here,
                              capture_output=True, timeout=30, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return f"release-{hanami.__version__}+tree-{source_tree_hash()}"
    return out + (f"-dirty-{hashlib.sha256(diff).hexdigest()[:12]}" if diff else "")


def source_tree_hash() -> str:
    """12 hex digits of SHA-256 over the package's .py and .toml files (relative path and bytes, sorted)."""
    root = Path(hanami.__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.suffix in (".py", ".toml") and p.is_file()):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:12]


def command_line() -> str:
    """The command that made this result, as typed in a shell (program name without its path)."""
    argv = list(sys.argv) or ["python"]
    program = Path(argv[0])
    # `python -m hanami.cli` runs the same program as the `hanami` script.
    package = Path(hanami.__file__).resolve().parent
    argv[0] = "hanami" if program.name in ("cli.py", "__main__.py") and program.resolve().parent == package \
        else program.name
    return shlex.join(argv)


def device_description(devices: list | None = None) -> str:
    """`<count> x <platform>:<kind>` of `devices` (default: every device this process sees)."""
    devices = list(devices) if devices is not None else jax.devices()
    kinds = sorted({d.device_kind for d in devices})
    return f"{len(devices)} x {devices[0].platform}:{'/'.join(kinds)}"


def provenance(precision: str) -> dict[str, Any]:
    """Where and how a result was made: versions, exact revision, command line, device, precision."""
    return {
        "hanami_version": hanami.__version__,
        "git_revision": git_revision(),
        "command_line": command_line(),
        "jax_version": jax.__version__,
        "jaxlib_version": jax.lib.__version__ if hasattr(jax.lib, "__version__") else jax.__version__,
        "python_version": platform.python_version(),
        "device": device_description(),
        "platform": jax.default_backend(),
        "precision": precision,
        "host_machine": platform.machine(),
    }


def snapshot_chunks(ds: xr.Dataset) -> dict[str, dict[str, tuple[int, ...]]]:
    """Zarr encoding: one chunk per snapshot (and per member) of every field.

    A reader then gets one state with one chunk read, so training loaders can
    stream (time, member) samples without loading the store.
    """
    encoding = {}
    for name, var in ds.data_vars.items():
        if "time" in var.dims and set(var.dims) - {"time", "member"}:
            encoding[name] = {"chunks": tuple(1 if d in ("time", "member") else n for d, n in var.sizes.items())}
    return encoding


def _to_zarr(ds: xr.Dataset, path: Path) -> None:
    """Zarr v3 with consolidated metadata (fast to open with `xr.open_zarr`), a chunk per snapshot."""
    with warnings.catch_warnings():
        # zarr warns that consolidated metadata is not yet in the v3 spec; xarray reads it.
        warnings.filterwarnings("ignore", message="Consolidated metadata", category=UserWarning)
        ds.to_zarr(path, mode="w", consolidated=True, encoding=snapshot_chunks(ds))


@dataclasses.dataclass
class FieldLayout:
    """How an app's fields map to a dataset.

    Attributes:
        dims: dimension names of every field, e.g. ("x", "y"); an ensemble's
            start with "member".
        coords: coordinate arrays with their attributes, by dimension name.
        attrs: CF attributes (units, long_name, ...) by field name.
        aux_coords: coordinates along a dimension of another name (an ensemble's
            varied values along "member"): name -> (dim, values, attributes).
        periods: the period of each periodic dimension, in its coordinate's units.
        statics: fields that do not change in time (orography, ...): name -> (dims,
            values, attributes); an ensemble's start with "member".
    """

    dims: tuple[str, ...]
    coords: dict[str, tuple[np.ndarray, dict[str, str]]]
    attrs: dict[str, dict[str, str]]
    aux_coords: dict[str, tuple[str, np.ndarray, dict[str, str]]] = dataclasses.field(default_factory=dict)
    periods: dict[str, float] = dataclasses.field(default_factory=dict)
    statics: dict[str, tuple[tuple[str, ...], np.ndarray, dict[str, str]]] = dataclasses.field(default_factory=dict)

    @property
    def scalar_dims(self) -> tuple[str, ...]:
        """Dims of a scalar diagnostic besides time: ("member",) for an ensemble."""
        return ("member",) if self.dims[:1] == ("member",) else ()


class FieldWriter:
    """Collects snapshots `{name: array}` at times and writes them as one dataset.

    Arguments:
        path: `output.nc` or `output.zarr`.
        layout: dims, coordinates and attributes.
        global_attrs: written on the dataset (case, provenance, ...).
        format: "netcdf" or "zarr".
    """

    def __init__(self, path: Path, layout: FieldLayout, global_attrs: dict[str, Any],
                 format: Literal["netcdf", "zarr"] = "netcdf"):
        self.path = Path(path)
        self.layout = layout
        self.global_attrs = global_attrs
        self.format = format
        self.snapshots: list[tuple[float, int, dict[str, np.ndarray], dict[str, float]]] = []
        self.history_entry = command_history()
        self.previous_history: str | None = None

    def add(self, time: float, iteration: int, fields: dict[str, np.ndarray],
            scalars: dict[str, float | np.ndarray]) -> None:
        """Append a snapshot, replacing one already taken at the same iteration.

        A scalar is a float, or for an ensemble an array of one value per member.
        """
        if self.snapshots and self.snapshots[-1][1] == iteration:
            self.snapshots.pop()
        self.snapshots.append((time, iteration, {k: np.asarray(v) for k, v in fields.items()}, dict(scalars)))

    def dataset(self) -> xr.Dataset:
        """The snapshots so far in hanami's order (time first, the layout's dims); `to_cf` makes the file's form."""
        times = np.array([s[0] for s in self.snapshots], dtype=np.float64)
        data_vars: dict[str, Any] = {}
        for name in self.snapshots[0][2]:
            stacked = np.stack([s[2][name] for s in self.snapshots])
            data_vars[name] = (("time",) + self.layout.dims, stacked, self.layout.attrs.get(name, {}))
        scalar_names = list(self.snapshots[0][3])
        for name in scalar_names:
            data_vars[name] = (("time",) + self.layout.scalar_dims,
                               np.array([s[3].get(name, np.nan) for s in self.snapshots]),
                               self.layout.attrs.get(name, {}))
        data_vars.update(self.layout.statics)
        data_vars["iteration"] = ("time", np.array([s[1] for s in self.snapshots], dtype=np.int32),
                                  {"long_name": "accepted time steps since the start of the run", "units": "1"})
        coords = {name: (name, values, attrs) for name, (values, attrs) in self.layout.coords.items()}
        coords.update(self.layout.aux_coords)
        coords.update(time_coordinates(times, self.layout.attrs.get("time", {}).get("units", "1")))
        attrs = self.file_attrs
        attrs["Conventions"] = CONVENTIONS
        attrs["history"] = self.history
        return xr.Dataset(data_vars, coords=coords, attrs=attrs)

    @property
    def file_attrs(self) -> dict[str, Any]:
        """`global_attrs` as a NetCDF file holds them: numbers and text (anything else as its text)."""
        return {k: (v if isinstance(v, (str, int, float)) else str(v)) for k, v in self.global_attrs.items()}

    @property
    def history(self) -> str:
        """The file's `history`: a restart's earlier entries, then this command's."""
        return append_history(self.previous_history, self.history_entry)

    def flush(self) -> xr.Dataset | None:
        """Write every snapshot so far, atomically, in CF form; the dataset written (hanami's order), if any."""
        if not self.snapshots:
            return None
        ds = self.dataset()
        if self.format == "zarr":
            written = to_cf(ds, self.history)
            replace_directory(self.path, lambda tmp: _to_zarr(written, tmp))
        else:
            write_netcdf(ds, self.path, self.history)
        return ds

    def restore(self, up_to_time: float, up_to_iteration: int) -> None:
        """Reload snapshots from an existing dataset, keeping those not after the restart point, and its history."""
        if not self.path.exists():
            return
        ds = read_output(self.path)
        self.previous_history = ds.attrs.get("history")
        fields = [n for n, v in ds.data_vars.items()
                  if v.dims[:1] == ("time",) and set(v.dims[1:]) == set(self.layout.dims) and v.ndim > 1]
        scalar_dims = ("time",) + self.layout.scalar_dims
        scalars = [n for n, v in ds.data_vars.items() if v.dims == scalar_dims and n != "iteration"]
        arrays = {n: ds[n].transpose("time", *self.layout.dims).values for n in fields}
        self.snapshots = []
        for i in range(ds.sizes["time"]):
            it = int(ds["iteration"].values[i])
            if it <= up_to_iteration and float(ds["time"].values[i]) <= up_to_time:
                self.snapshots.append((float(ds["time"].values[i]), it,
                                       {n: arrays[n][i] for n in fields},
                                       {n: ds[n].values[i] for n in scalars}))


def command_history() -> str:
    """The `history` entry of a file this command writes."""
    return history_line(command_line(), hanami.__version__, git_revision())


def write_netcdf(ds: xr.Dataset, path: Path, history: str | None = None) -> None:
    """`ds` in CF form (`to_cf`) to a NetCDF file, atomically; `history` defaults to this command's entry."""
    with atomic_path(Path(path)) as tmp:
        to_cf(ds, history or command_history()).to_netcdf(tmp, engine="netcdf4")


def open_output(path: Path) -> xr.Dataset:
    """A dataset hanami wrote (NetCDF or Zarr), lazily, as written (CF order); `time` holds the model clock's numbers."""
    path = Path(path)
    if path.suffix == ".zarr" or (path / "zarr.json").exists():
        return xr.open_zarr(path, chunks=None, decode_times=False)
    return xr.open_dataset(path, decode_times=False)


def read_output(path: Path) -> xr.Dataset:
    """A dataset hanami wrote, loaded into memory and closed, time and member first (`from_cf`)."""
    with open_output(path) as ds:
        return from_cf(ds.load())
