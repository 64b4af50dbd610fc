"""Observation files for `hanami calibrate`.

An observation file is an xarray dataset (NetCDF) in one of two layouts:

* points: variables with dimensions (time, probe) and, along `probe`, one
  coordinate per grid dimension of the app (what `hanami run --probes` writes);
* fields: variables with dimensions (time, *grid dimensions*) on the app's own
  grid (what `hanami run` writes as output.nc).

`time` is in the app's time unit (s climate, ms cardiac, nondimensional phase
field; CF time units are read as seconds since their reference date). Every
variable must be an output field of the app, with the app's units when the file
gives units.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import xarray as xr

from hanami.core.probes import PROBE, Probes, probes_for
from hanami.core.output import FieldLayout
from hanami.errors import CaseError


@dataclasses.dataclass(frozen=True)
class Observations:
    """What was observed: times, values per variable, and where (probes, or None for whole fields)."""

    times: np.ndarray
    values: dict[str, np.ndarray]
    probes: Probes | None
    source: str


def read_observations(path: Path, layout: FieldLayout, observable: tuple[str, ...]) -> Observations:
    """Read and check an observation file against the app's grid and fields."""
    path = Path(path)
    source = str(path)
    if not path.exists():
        raise CaseError(f"{source}: no such observation file")
    try:
        with xr.open_dataset(path, decode_times=False) as ds:
            ds = ds.load()
    except (OSError, ValueError) as err:
        raise CaseError(f"{source}: not a NetCDF/xarray dataset ({err})") from None
    if "time" not in ds.dims:
        raise CaseError(f"{source}: observations need a 'time' dimension")
    grid_dims = tuple(d for d in layout.dims if d != "member")
    names = [n for n in ds.data_vars if n in observable]
    unknown = [n for n in ds.data_vars if n not in observable and "time" in ds[n].dims]
    if not names:
        raise CaseError(f"{source}: no observed variable of this app; allowed: {', '.join(observable)}"
                        + (f" (found {', '.join(unknown)})" if unknown else ""))
    points = PROBE in ds.dims
    expected = ("time", PROBE) if points else ("time",) + grid_dims
    for name in names:
        if set(ds[name].dims) != set(expected):
            raise CaseError(f"{source}: variable '{name}' has dimensions {ds[name].dims}; expected {expected} "
                            "(in any order)")
        ds[name] = ds[name].transpose(*expected)
        given = ds[name].attrs.get("units")
        wanted = layout.attrs.get(name, {}).get("units")
        if given is not None and wanted is not None and given != wanted:
            raise CaseError(f"{source}: variable '{name}' is in '{given}'; this app's {name} is in '{wanted}'")
    if not points:
        for d in grid_dims:
            if ds.sizes[d] != len(layout.coords[d][0]):
                raise CaseError(f"{source}: dimension '{d}' has {ds.sizes[d]} points; the case's grid has "
                                f"{len(layout.coords[d][0])}")
    probes = None
    if points:
        positions = {n: ds[n].values for n in ds.variables if ds[n].dims == (PROBE,)}
        probes = probes_for(layout, positions, source)
    times = np.asarray(ds["time"].values, np.float64)
    if np.any(np.diff(times) <= 0):
        raise CaseError(f"{source}: observation times must increase")
    return Observations(times, {n: np.asarray(ds[n].values, np.float64) for n in names}, probes, source)
