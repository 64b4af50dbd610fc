"""CF-1.8 conventions for every dataset hanami writes.

CF tools (ncview, Panoply, CDO, cf-xarray, ParaView's NetCDF CF reader) need a
time axis in `<unit> since <date>` units, dimensions in T, Z, Y, X order,
coordinate variables without `_FillValue`, types CF-1.8 allows (no int64), a
`history` and `Conventions = "CF-1.8"`. hanami's models keep their own clock
(ms in cardiac, seconds in climate, nondimensional in phase field) and their
own array order (x before y); this module maps a dataset to the CF form when it
is written and back when hanami reads it.

Time: the `time` axis counts the model clock from the origin `EPOCH` in the
model's unit (milliseconds, seconds); a nondimensional clock is laid on it one
model unit per second, since CF has no dimensionless time axis. The model's own
clock is the coordinate `model_time` beside it, in the model's unit, so both the
numbers a user of the app expects and a CF time axis are in the file. Opened
with `decode_times=False`, `time` holds the model clock's numbers.
"""

from __future__ import annotations

import datetime
from typing import Any

import numpy as np
import xarray as xr

EPOCH = "2000-01-01 00:00:00"
CONVENTIONS = "CF-1.8"
MODEL_TIME = "model_time"

# Model time unit -> the unit CF counts from EPOCH ("1": nondimensional, one model unit per second).
_CF_TIME_UNIT = {"ms": "milliseconds", "s": "seconds", "1": "seconds"}

# CF axis of each spatial dimension hanami uses; the file order is T, Z, Y, X.
AXES = {"z": "Z", "y": "Y", "lat": "Y", "x": "X", "lon": "X"}
# A Cartesian model frame: CF has no standard name for it; the projection coordinates
# without a grid mapping are what CF tools read as plain x and y, and a Z axis needs `positive`.
CARTESIAN = {"x": {"standard_name": "projection_x_coordinate"}, "y": {"standard_name": "projection_y_coordinate"},
             "z": {"positive": "up"}}
_RANK = {"member": 0, "probe": 1, "time": 2, "Z": 3, "Y": 4, "X": 5}


def time_coordinates(times: np.ndarray, model_units: str) -> dict[str, tuple[str, np.ndarray, dict[str, str]]]:
    """`time` (CF units from EPOCH) and `model_time` (the model's unit) for the output times [model units]."""
    if model_units not in _CF_TIME_UNIT:
        raise ValueError(f"model time unit {model_units!r}: allowed {', '.join(_CF_TIME_UNIT)}")
    times = np.asarray(times, np.float64)
    clock = "nondimensional model time" if model_units == "1" else f"model time [{model_units}]"
    time_attrs = {"standard_name": "time", "long_name": f"time axis: the {clock} counted from {EPOCH}",
                  "units": f"{_CF_TIME_UNIT[model_units]} since {EPOCH}", "calendar": "proleptic_gregorian",
                  "axis": "T"}
    model_attrs = {"long_name": "simulated time since the start of the run", "units": model_units}
    return {"time": ("time", times, time_attrs), MODEL_TIME: ("time", times, model_attrs)}


def model_time_units(ds: xr.Dataset) -> str:
    """The model clock's unit of a hanami dataset (older files: the time axis's own unit)."""
    if MODEL_TIME in ds.variables:
        return str(ds[MODEL_TIME].attrs.get("units", "1"))
    return str(ds["time"].attrs.get("units", "1")) if "time" in ds.variables else "1"


def history_line(command: str, version: str, revision: str) -> str:
    """One `history` entry: UTC time, the command, the program that ran it."""
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"{stamp}: {command} (hanami {version}, {revision})"


def append_history(previous: str | None, line: str) -> str:
    """CF's `history`: earlier entries first, one per line."""
    return f"{previous.rstrip()}\n{line}" if previous else line


def _dimensional(coord: xr.DataArray) -> bool:
    """A coordinate with physical units: CF names an axis only then (x, y, z must be lengths; a
    nondimensional phase-field box keeps its x, y without an axis, which CF allows)."""
    return str(coord.attrs.get("units", "1")) not in ("1", "")


def _file_order(dims: tuple[str, ...]) -> tuple[str, ...]:
    """`dims` in CF order: member, probe (the instance dims), time, then Z, Y, X; others keep their place after."""
    return tuple(sorted(dims, key=lambda d: (_RANK.get(AXES.get(d, d), 6), dims.index(d))))


def to_cf(ds: xr.Dataset, history: str) -> xr.Dataset:
    """The dataset as written: CF order and types, axes named, no fill value on coordinates."""
    out = ds.copy()
    for name in list(out.variables):
        var = out[name]
        if var.dims != _file_order(var.dims):
            out[name] = var.transpose(*_file_order(var.dims))
        if np.issubdtype(out[name].dtype, np.int64) or np.issubdtype(out[name].dtype, np.uint64):
            values = out[name].values
            if values.size and np.abs(values).max() >= 2**31:
                raise ValueError(f"variable {name!r} does not fit the 32-bit integers CF-1.8 allows")
            out[name] = out[name].astype(np.int32)
    for name in out.dims:
        if name in out.coords and name in AXES and _dimensional(out[name]):
            out[name].attrs = {"axis": AXES[name], **CARTESIAN.get(name, {}), **out[name].attrs}
    for name in out.coords:
        out[name].encoding["_FillValue"] = None
    attrs: dict[str, Any] = dict(out.attrs)
    attrs["Conventions"] = CONVENTIONS
    attrs["history"] = history
    out.attrs = attrs
    return out


def from_cf(ds: xr.Dataset) -> xr.Dataset:
    """A dataset hanami wrote, in hanami's order: time, member, then the grid dims (as in the file)."""
    leading = tuple(d for d in ("time", "member") if d in ds.dims)
    return ds.transpose(*leading, ...)
