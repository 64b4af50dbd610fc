"""Arrays on the grid's nodes read from a NetCDF file or Zarr store (fibres, tissue masks).

A variable has dimensions named `x`, `y` (and `z` on a 3D grid) in any order
(hanami's own output is (z, y, x)) and sizes equal to the grid's nodes per axis;
coordinates, if the file has them, must be the node positions [mm]. Every
problem is one `CaseError` naming the file, the case key and what is allowed.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import xarray as xr

from hanami.apps.cardiac.stencil import VertexGrid
from hanami.errors import CaseError

AXES = ("x", "y", "z")


def _open(path: Path) -> xr.Dataset:
    if path.is_dir() or path.suffix == ".zarr":
        with warnings.catch_warnings():
            # A store without consolidated metadata is as good here (it is read once).
            warnings.filterwarnings("ignore", message=".*consolidated metadata", category=RuntimeWarning)
            return xr.open_zarr(path, consolidated=None)
    return xr.open_dataset(path)


def read_node_variables(path: str | Path, grid: VertexGrid, names: tuple[str, ...], where: str,
                        kind: str) -> list[np.ndarray]:
    """The variables `names` of the file at `path` as float64 arrays in the grid's (x, y, z) order.

    Arguments:
        where: how messages name the file and the case key, e.g. "lv.nc (grid.tissue_file)".
        kind: what the file holds, for messages ("fibre", "tissue").
    """
    path = Path(path)
    if not path.exists():
        raise CaseError(f"{where}: no such {kind} file")
    try:
        ds = _open(path)
    except Exception as err:  # noqa: BLE001 - any reader failure is a bad file for the user
        raise CaseError(f"{where}: cannot read the {kind} file as NetCDF or Zarr: "
                        f"{str(err).splitlines()[0] if str(err) else type(err).__name__}") from None
    dims = AXES[: grid.ndim]
    arrays = []
    with ds:
        for key in names:
            if key not in ds:
                raise CaseError(f"{where}: the {kind} file has no variable '{key}'; it needs {', '.join(names)} on "
                                f"dimensions {dims}")
            var = ds[key]
            if set(var.dims) != set(dims):
                raise CaseError(f"{where}: variable '{key}' has dimensions {var.dims}, expected {dims} "
                                "(in any order)")
            var = var.transpose(*dims)
            if var.shape != grid.shape:
                raise CaseError(f"{where}: variable '{key}' has shape {var.shape} on {dims}, the grid has "
                                f"{grid.shape} nodes (lengths {list(grid.lengths)} mm, nodes every dx)")
            for i, d in enumerate(dims):
                if d in var.coords and not np.allclose(var[d].values, grid.axis(i), atol=1e-6 * grid.spacing[i]):
                    raise CaseError(f"{where}: variable '{key}' coordinate '{d}' is not the node positions "
                                    f"0, {grid.spacing[i]:g}, ..., {grid.lengths[i]:g} mm")
            arrays.append(np.asarray(var.values, np.float64))
    return arrays


def read_tissue(path: str | Path, grid: VertexGrid) -> np.ndarray:
    """The boolean tissue mask of variable `tissue` (non-zero: tissue) from `grid.tissue_file`."""
    where = f"{path} (grid.tissue_file)"
    (values,) = read_node_variables(path, grid, ("tissue",), where, "tissue")
    if not np.all(np.isfinite(values)):
        raise CaseError(f"{where}: variable 'tissue' has non-finite values; give 1 for tissue, 0 elsewhere")
    tissue = values != 0
    cells = tissue
    for k in range(grid.ndim):
        cells = np.take(cells, range(0, cells.shape[k] - 1), axis=k) & np.take(cells, range(1, cells.shape[k]), axis=k)
    if not cells.any():
        raise CaseError(f"{where}: no cell of the grid has all its corners in the tissue ({int(tissue.sum())} "
                        "tissue nodes): the mask is empty or thinner than one cell at this dx")
    return tissue
