"""Fibre direction fields on the nodes of the tissue box, and the diffusion tensor they give.

* `uniform`: one direction everywhere (`model.fibre`).
* `rotational`: the rule-based transmural rotation of ventricular wall models
  (e.g. Streeter et al. 1969, doi:10.1161/01.RES.24.3.339; Bayer et al. 2012,
  doi:10.1007/s10439-012-0593-5, on a slab): z is the wall-normal axis, z = 0
  the endocardium and z = Lz the epicardium, and the fibre lies in the x-y
  plane at the helix angle

      alpha(z) = alpha_endo + (alpha_epi - alpha_endo) z / Lz,
      f = (cos alpha, sin alpha, 0),

  alpha in degrees from the x axis (-60 to +60 is the usual rule).
* `file`: a NetCDF file or Zarr store with variables `fibre_x`, `fibre_y`
  (and `fibre_z` on a 3D grid) on the nodes, with dimensions named `x`, `y`,
  `z` in any order (the order of the app's own output is (x, y, z)) and sizes
  equal to the grid's nodes per axis; coordinates, if the file has them, must
  be the node positions [mm]. Vectors of any length are normalised; a zero,
  NaN or infinite vector is an error.

The node tensor is D = D_t I + (D_l - D_t) f f^T [mm^2 ms^-1]; its sign-free
form (f and -f give the same D) is what the cells average.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from hanami.apps.cardiac.geometry import lv_fibres
from hanami.apps.cardiac.node_files import AXES, read_node_variables
from hanami.apps.cardiac.stencil import VertexGrid
from hanami.errors import CaseError

FILE_KEYS = ("fibre_x", "fibre_y", "fibre_z")


def uniform_fibres(grid: VertexGrid, direction: tuple[float, ...]) -> np.ndarray:
    """The unit vector `direction` at every node: shape grid.shape + (d,)."""
    f = np.asarray(direction, np.float64)
    return np.broadcast_to(f / np.linalg.norm(f), grid.shape + (grid.ndim,)).copy()


def rotational_fibres(grid: VertexGrid, angle_endo: float, angle_epi: float) -> np.ndarray:
    """Helix angle varying linearly in z from `angle_endo` (z = 0) to `angle_epi` (z = Lz) [degrees]."""
    if grid.ndim != 3:
        raise ValueError(f"a rotational fibre field needs a 3D grid (z across the wall), got {grid.ndim}D")
    z = grid.mesh()[2]
    alpha = np.deg2rad(angle_endo + (angle_epi - angle_endo) * z / grid.lengths[2])
    return np.stack([np.cos(alpha), np.sin(alpha), np.zeros_like(alpha)], axis=-1)


def node_fibres(kind: str, grid: VertexGrid, *, direction: tuple[float, ...] = (1.0, 0.0, 0.0),
                angle_endo: float = -60.0, angle_epi: float = 60.0, path: str | None = None) -> np.ndarray:
    """Unit fibre vectors at the nodes for `kind` = "uniform", "rotational", "lv-rule" or "file"."""
    if kind == "uniform":
        return uniform_fibres(grid, direction)
    if kind == "rotational":
        return rotational_fibres(grid, angle_endo, angle_epi)
    if kind == "lv-rule":
        return lv_fibres(grid, angle_endo, angle_epi)
    if kind == "file":
        return read_fibres(path, grid)
    raise ValueError(f"fibre field {kind!r} is not known; allowed: uniform, rotational, lv-rule, file")


def read_fibres(path: str | Path, grid: VertexGrid) -> np.ndarray:
    """Unit fibre vectors from a file (see the module docstring); any problem is one `CaseError`."""
    where = f"{path} (model.fibre_file)"
    components = read_node_variables(path, grid, FILE_KEYS[: grid.ndim], where, "fibre")
    dims = AXES[: grid.ndim]
    fibres = np.stack(components, axis=-1)
    norm = np.linalg.norm(fibres, axis=-1)
    bad = ~np.isfinite(norm) | (norm < 1e-12)
    if bad.any():
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        raise CaseError(f"{where}: variables {', '.join(FILE_KEYS[: grid.ndim])} give {int(bad.sum())} zero-length "
                        f"or non-finite fibre vectors, the first at node {dict(zip(dims, first))}; every "
                        "node needs a direction")
    return fibres / norm[..., None]


def tensor_field(fibres: np.ndarray, d_long: float, d_trans: float) -> np.ndarray:
    """D = d_trans I + (d_long - d_trans) f f^T at every node [mm^2/ms]: shape fibres.shape + (d,)."""
    d = fibres.shape[-1]
    return d_trans * np.eye(d) + (d_long - d_trans) * fibres[..., :, None] * fibres[..., None, :]
