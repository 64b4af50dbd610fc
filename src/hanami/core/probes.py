"""Model values at points: multilinear interpolation on an app's output grid.

A probe file is an xarray dataset with a dimension `probe` and one coordinate
per grid dimension of the app along it (phase field `x`, `y`; cardiac `x`, `y`,
`z` [mm]; climate `lat`, `lon` [degrees]). `hanami run --probes FILE` writes the
model's output fields at those points at every output time as `probes.nc`, with
dimensions (time, probe) and the same coordinates: the layout `hanami calibrate`
reads observations in, so synthetic observations come from the code itself.

Interpolation is multilinear between the grid's nodes (periodic axes wrap); the
same weights apply to NumPy arrays and, differentiably, to JAX arrays.
"""

from __future__ import annotations

import dataclasses
import itertools
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from hanami.core.cf import time_coordinates
from hanami.core.output import FieldLayout
from hanami.errors import CaseError

PROBE = "probe"


@dataclasses.dataclass(frozen=True)
class Probes:
    """Interpolation to points.

    Attributes:
        dims: the grid dimensions, in the order of the field arrays.
        positions: the points' coordinates by dimension (the probe file's units).
        index: (probe, corner, dim) node indices of the surrounding cell.
        weight: (probe, corner) multilinear weights (they sum to 1).
    """

    dims: tuple[str, ...]
    positions: dict[str, np.ndarray]
    index: np.ndarray
    weight: np.ndarray

    @property
    def count(self) -> int:
        return self.weight.shape[0]

    def __call__(self, field: Any) -> Any:
        """Values at the probes of a field shaped like the grid, or with leading axes (members)."""
        corners = field[(Ellipsis,) + tuple(self.index[..., d] for d in range(len(self.dims)))]
        return (corners * self.weight).sum(axis=-1)


def _axis_weights(coords: np.ndarray, points: np.ndarray, period: float | None, name: str,
                  source: str) -> tuple[np.ndarray, np.ndarray]:
    """Left-node index and weight of the right node for each point along one axis."""
    n = len(coords)
    if period is not None:
        extended = np.append(coords, coords[0] + period)
        points = coords[0] + np.mod(points - coords[0], period)
    else:
        extended = coords
        low, high = coords.min(), coords.max()
        outside = (points < low - 1e-9 * abs(high - low)) | (points > high + 1e-9 * abs(high - low))
        if np.any(outside):
            raise CaseError(f"{source}: probe coordinate '{name}' = {points[outside][0]:g} lies outside the "
                            f"grid [{low:g}, {high:g}]")
    if extended[0] > extended[-1]:
        raise CaseError(f"{source}: grid coordinate '{name}' must increase")
    left = np.clip(np.searchsorted(extended, points, side="right") - 1, 0, len(extended) - 2)
    frac = (points - extended[left]) / (extended[left + 1] - extended[left])
    frac = np.clip(frac, 0.0, 1.0)
    return left % n, frac


def probes_for(layout: FieldLayout, positions: dict[str, np.ndarray], source: str) -> Probes:
    """Weights for points given by coordinate arrays along `probe`, one per grid dimension of `layout`."""
    dims = tuple(d for d in layout.dims if d != "member")
    missing = [d for d in dims if d not in positions]
    if missing:
        raise CaseError(f"{source}: probe positions need coordinates {', '.join(dims)} along '{PROBE}'; "
                        f"missing {', '.join(missing)}")
    count = len(positions[dims[0]])
    lefts, fracs = [], []
    for d in dims:
        coords = np.asarray(layout.coords[d][0], np.float64)
        left, frac = _axis_weights(coords, np.asarray(positions[d], np.float64), layout.periods.get(d), d, source)
        lefts.append(left)
        fracs.append(frac)
    corners = list(itertools.product((0, 1), repeat=len(dims)))
    index = np.zeros((count, len(corners), len(dims)), np.int64)
    weight = np.ones((count, len(corners)))
    for c, corner in enumerate(corners):
        for d, (dim, offset) in enumerate(zip(dims, corner)):
            n = len(layout.coords[dim][0])
            index[:, c, d] = (lefts[d] + offset) % n if dim in layout.periods else np.minimum(lefts[d] + offset, n - 1)
            weight[:, c] *= fracs[d] if offset else 1 - fracs[d]
    return Probes(dims, {d: np.asarray(positions[d], np.float64) for d in dims}, index, weight)


def read_probe_positions(path: Path, layout: FieldLayout) -> Probes:
    """The probes of a probe (or observation) file; one CaseError for a bad file."""
    path = Path(path)
    if not path.exists():
        raise CaseError(f"{path}: no such probe file")
    try:
        with xr.open_dataset(path, decode_times=False) as ds:
            ds = ds.load()
    except (OSError, ValueError) as err:
        raise CaseError(f"{path}: not a NetCDF/xarray dataset ({err})") from None
    if PROBE not in ds.dims:
        raise CaseError(f"{path}: a probe file needs a dimension '{PROBE}' with coordinates "
                        f"{', '.join(d for d in layout.dims if d != 'member')} along it")
    positions = {name: ds[name].values for name in ds.variables if ds[name].dims == (PROBE,)}
    return probes_for(layout, positions, str(path))


def probe_dataset(probes: Probes, times: list[float], values: dict[str, list[np.ndarray]],
                  layout: FieldLayout, attrs: dict[str, Any]) -> xr.Dataset:
    """The (time, probe) dataset `hanami run --probes` writes and `hanami calibrate` reads.

    On disk (`to_cf`) it is a CF discrete-sampling-geometry file of feature type
    timeSeries: one series per probe, `probe` its identifier.
    """
    coords: dict[str, Any] = time_coordinates(np.asarray(times), layout.attrs.get("time", {}).get("units", "1"))
    coords[PROBE] = (PROBE, np.arange(probes.count, dtype=np.int32),
                     {"long_name": "probe number (order in the probe file)", "cf_role": "timeseries_id"})
    for d in probes.dims:
        coords[d] = (PROBE, probes.positions[d], layout.coords[d][1])
    dims = ("time",) + layout.scalar_dims + (PROBE,)
    data = {name: (dims, np.asarray(series), layout.attrs.get(name, {})) for name, series in values.items()}
    if layout.scalar_dims:
        coords["member"] = ("member", np.asarray(layout.coords["member"][0]), layout.coords["member"][1])
    return xr.Dataset(data, coords=coords, attrs={**attrs, "featureType": "timeSeries"})
