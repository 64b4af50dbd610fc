"""Finite-difference operators on vertex-centred boxes with no-flux faces.

A `VertexGrid` puts nodes on the faces of the box: x_i = i dx, i = 0 ... n - 1,
with (n - 1) dx = L, so corners such as (0, 0, 0) and (Lx, Ly, Lz) are nodes
(the Niederer benchmark's P1 and P8 are). The no-flux condition is imposed by
mirroring across each face (ghost node -1 equals node 1), which gives a
second-order one-sided condition dV/dn = 0.

The anisotropic operator is div(D grad V) for a constant diffusion tensor D:

    sum_i D_ii d2V/dx_i2 + sum_{i<j} 2 D_ij d2V/dx_i dx_j,

7-point for a diagonal tensor and 19-point (second-order central mixed
differences) for a full one. With the mirror the diagonal operator conserves
the trapezoid-weighted sum of V (`VertexGrid.weights`) exactly, and W L is
symmetric (W the trapezoid weights), which the implicit solve relies on. With
off-diagonal terms the mirror makes the flux normal to the face vanish only up
to the tangential part of D grad V; fibres along a grid axis have none.

For a diffusion tensor that varies in space (a fibre field) `field_laplacian`
uses the conservative cell scheme: each cell (the box between 2^d neighbouring
nodes) holds one tensor D_c, the mean of its corner nodes' tensors, and the
discrete energy

    E(u) = 1/2 sum_cells |cell| 2^-d sum_corners g_c^T D_c g_c

sums, over the cell's corners, the one-sided gradient g_c built from the d cell
edges that meet at the corner. Then W L u = -dE/du (W the trapezoid weights):
W L is symmetric negative semi-definite for any positive semi-definite D_c, the
weighted sum of u is conserved exactly, and no flux leaves any face (cells stop
at the box). With a constant tensor it is the 7/19-point stencil above at every
interior node, and at every node when D is diagonal.

All operators are plain `jax.numpy` code (pad + slices) that XLA fuses; one
implementation runs on every backend.
"""

from __future__ import annotations

import dataclasses
import itertools
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np


@dataclasses.dataclass(frozen=True)
class VertexGrid:
    """Nodes at 0, dx, ..., L along each axis (vertex centred).

    Arguments:
        shape: nodes along each axis (>= 2).
        lengths: box size along each axis [mm].
    """

    shape: tuple[int, ...]
    lengths: tuple[float, ...]

    def __post_init__(self) -> None:
        if len(self.shape) != len(self.lengths):
            raise ValueError(f"shape {self.shape} and lengths {self.lengths} differ in dimension")
        if any(n < 2 for n in self.shape):
            raise ValueError(f"every axis needs at least 2 nodes, got shape {self.shape}")
        if any(length <= 0 for length in self.lengths):
            raise ValueError(f"lengths must be positive, got {self.lengths}")

    @classmethod
    def from_spacing(cls, lengths: tuple[float, ...], dx: float) -> "VertexGrid":
        """The grid with spacing `dx` [mm]; each length must be a whole number of dx."""
        counts = []
        for length in lengths:
            cells = length / dx
            if abs(cells - round(cells)) > 1e-6 * max(1.0, cells):
                raise ValueError(f"grid length {length:g} mm is not a whole number of dx = {dx:g} mm")
            counts.append(int(round(cells)) + 1)
        return cls(tuple(counts), tuple(float(v) for v in lengths))

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape))

    @property
    def spacing(self) -> tuple[float, ...]:
        """Node spacing along each axis [mm]."""
        return tuple(length / (n - 1) for length, n in zip(self.lengths, self.shape))

    def axis(self, i: int) -> np.ndarray:
        """Node coordinates along axis `i` [mm] (float64)."""
        return np.arange(self.shape[i]) * self.spacing[i]

    def mesh(self) -> tuple[np.ndarray, ...]:
        """Coordinate arrays of full shape ('ij' indexing) [mm]."""
        return tuple(np.meshgrid(*(self.axis(i) for i in range(self.ndim)), indexing="ij"))

    def weights(self) -> np.ndarray:
        """Trapezoid quadrature weights [mm^ndim]: half a cell on each face."""
        w = np.ones(self.shape)
        for i, (n, h) in enumerate(zip(self.shape, self.spacing)):
            line = np.full(n, h)
            line[[0, -1]] *= 0.5
            w = w * line.reshape([-1 if j == i else 1 for j in range(self.ndim)])
        return w

    def index_of(self, point: tuple[float, ...]) -> tuple[int, ...]:
        """Index of the node nearest to `point` [mm]."""
        return tuple(int(np.clip(round(p / h), 0, n - 1)) for p, h, n in zip(point, self.spacing, self.shape))


def mirror_pad(u: jax.Array) -> jax.Array:
    """Pad one ghost layer on every face with the mirror image (ghost -1 = node 1)."""
    return jnp.pad(u, 1, mode="reflect")


def _shifted(padded: jax.Array, offsets: tuple[int, ...]) -> jax.Array:
    """The view of the padded array shifted by `offsets` (each -1, 0 or +1)."""
    index = tuple(slice(1 + o, padded.shape[i] - 1 + o) for i, o in enumerate(offsets))
    return padded[index]


def anisotropic_laplacian(u: jax.Array, tensor: np.ndarray | jax.Array, spacing: tuple[float, ...],
                          pattern: np.ndarray | None = None) -> jax.Array:
    """div(D grad u) with mirror (no-flux) faces.

    Arguments:
        u: node values, any dimension d.
        tensor: constant symmetric d x d diffusion tensor D [mm^2 ms^-1]: a host array, or a
            JAX array (traced: differentiated, or one per ensemble member) with its `pattern`.
        spacing: node spacing per axis [mm].
        pattern: which entries of D are non-zero (which couplings the stencil has); by
            default those of the host array `tensor`.

    Returns:
        div(D grad u) at every node [u ms^-1], same shape and dtype as `u`.
    """
    if pattern is None:
        tensor = np.asarray(tensor, dtype=np.float64)
        pattern = tensor != 0.0
    d = u.ndim
    padded = mirror_pad(u)
    centre = _shifted(padded, (0,) * d)
    out = jnp.zeros_like(u)
    for i in range(d):
        if not pattern[i][i]:
            continue
        # In the field's precision: a float64 coefficient would turn a float32 stencil into float64.
        coeff = jnp.asarray(tensor[i, i] / spacing[i] ** 2, u.dtype)
        plus = tuple(1 if k == i else 0 for k in range(d))
        minus = tuple(-1 if k == i else 0 for k in range(d))
        out = out + coeff * (_shifted(padded, plus) + _shifted(padded, minus) - 2 * centre)
    for i, j in itertools.combinations(range(d), 2):
        if not pattern[i][j]:
            continue
        coeff = jnp.asarray(2 * tensor[i, j] / (4 * spacing[i] * spacing[j]), u.dtype)
        corners = jnp.zeros_like(u)
        for si, sj in itertools.product((1, -1), repeat=2):
            offsets = tuple(si if k == i else sj if k == j else 0 for k in range(d))
            corners = corners + si * sj * _shifted(padded, offsets)
        out = out + coeff * corners
    return out.astype(u.dtype)


def stable_dt(tensor: np.ndarray, spacing: tuple[float, ...]) -> float:
    """Largest forward-Euler step for `anisotropic_laplacian` [ms].

    dt <= 1 / (2 sum_i D_ii / dx_i^2 + sum_{i<j} |D_ij| / (dx_i dx_j)) bounds the
    operator's spectral radius by Gershgorin's theorem; for a diagonal tensor it
    is the classical 1 / (2 sum_i D_ii / dx_i^2).
    """
    tensor = np.asarray(tensor, dtype=np.float64)
    d = tensor.shape[0]
    rate = 2 * sum(tensor[i, i] / spacing[i] ** 2 for i in range(d))
    rate += sum(abs(tensor[i, j]) / (spacing[i] * spacing[j]) for i, j in itertools.combinations(range(d), 2))
    return float(np.inf) if rate == 0 else 1.0 / rate


# -- spatially varying tensor -------------------------------------------------------


class FieldCoefficients(NamedTuple):
    """Precomputed coefficients of `field_laplacian` (a pytree of arrays).

    Attributes:
        edges: per axis i, kappa_i on the edges along i (n_i - 1 along i, n_k along
            the others) [ms^-1 mm^d]: the weight of (u_{+1} - u)^2 in 2 E.
        plaquettes: per axis pair i < j (`itertools.combinations` order), lambda_ij on
            the ij plaquettes (n_i - 1, n_j - 1, n_k) [ms^-1 mm^d]: the weight of the
            product of the plaquette's mean i and j differences in E.
        inv_weights: per axis, the 1D factor of 1 / W [mm^-1] (W is their product's inverse).
        inv_volume: on a tissue mask, 1 / W at every node [mm^-d] (W the node's share of the
            tissue cells around it; 0 at a node with none), replacing `inv_weights`; else None.
    """

    edges: tuple[jax.Array, ...]
    plaquettes: tuple[jax.Array, ...]
    inv_weights: tuple[jax.Array, ...]
    inv_volume: jax.Array | None = None


def _spread(a: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    """Sum of the (zero-padded) neighbours below and above along each of `axes`:
    cell values to the lower-dimensional entities (faces, edges) they touch."""
    for k in axes:
        pad = [(1, 1) if i == k else (0, 0) for i in range(a.ndim)]
        b = np.pad(a, pad)
        a = np.take(b, range(0, b.shape[k] - 1), axis=k) + np.take(b, range(1, b.shape[k]), axis=k)
    return a


def cell_mean(a: np.ndarray, ndim: int) -> np.ndarray:
    """Mean over the 2^ndim corners of each cell of a node array (leading `ndim` axes)."""
    for k in range(ndim):
        a = 0.5 * (np.take(a, range(0, a.shape[k] - 1), axis=k) + np.take(a, range(1, a.shape[k]), axis=k))
    return a


def tissue_cells(tissue: np.ndarray, ndim: int) -> np.ndarray:
    """1 for a cell whose 2^ndim corner nodes are all tissue, else 0 (float64)."""
    cells = np.asarray(tissue, np.float64)
    for k in range(ndim):
        cells = np.minimum(np.take(cells, range(0, cells.shape[k] - 1), axis=k),
                           np.take(cells, range(1, cells.shape[k]), axis=k))
    return cells


def node_volumes(grid: VertexGrid, tissue: np.ndarray | None = None) -> np.ndarray:
    """Each node's share of the (tissue) cells around it [mm^d]: the trapezoid weights on a full
    box; on a mask, 2^-d |cell| for each tissue cell the node is a corner of (0 outside tissue)."""
    if tissue is None:
        return grid.weights()
    cells = tissue_cells(tissue, grid.ndim) * (float(np.prod(grid.spacing)) / 2 ** grid.ndim)
    return _spread(cells, tuple(range(grid.ndim)))


def field_coefficients(tensor: np.ndarray, grid: VertexGrid, dtype: str = "float64",
                       tissue: np.ndarray | None = None) -> FieldCoefficients:
    """The coefficients of `field_laplacian` for node tensors `tensor` [mm^2 ms^-1].

    Arguments:
        tensor: shape grid.shape + (d, d), symmetric positive semi-definite at every node.
        grid: the nodes.
        dtype: dtype of the coefficient arrays (that of the field they act on).
        tissue: boolean node mask (grid.shape) or None for the whole box. Only cells whose
            corners are all tissue enter the energy, so no flux crosses a tissue/non-tissue
            face, the volume-weighted sum of u over the tissue is conserved, and nodes with
            no tissue cell are left alone (L u = 0 there).
    """
    d = grid.ndim
    tensor = np.asarray(tensor, np.float64)
    if tensor.shape != grid.shape + (d, d):
        raise ValueError(f"tensor shape {tensor.shape} is not the grid's {grid.shape} + ({d}, {d})")
    cells = cell_mean(tensor, d)
    if tissue is not None:
        if np.shape(tissue) != grid.shape:
            raise ValueError(f"tissue mask shape {np.shape(tissue)} is not the grid's {grid.shape}")
        cells = cells * tissue_cells(tissue, d)[..., None, None]
    h = grid.spacing
    volume = float(np.prod(h))
    others = lambda *axes: tuple(k for k in range(d) if k not in axes)  # noqa: E731
    edges = tuple(_spread(cells[..., i, i], others(i)) * (volume / 2 ** (d - 1) / h[i] ** 2) for i in range(d))
    plaquettes = tuple(_spread(cells[..., i, j], others(i, j)) * (volume * 2.0 ** (2 - d) / (h[i] * h[j]))
                       for i, j in itertools.combinations(range(d), 2))
    inv_weights = []
    for n, step in zip(grid.shape, h):
        line = np.full(n, 1.0 / step)
        line[[0, -1]] *= 2.0
        inv_weights.append(line)
    cast = lambda arrays: tuple(jnp.asarray(a, dtype) for a in arrays)  # noqa: E731
    inv_volume = None
    if tissue is not None:
        volume_at = node_volumes(grid, tissue)
        inv_volume = jnp.asarray(np.where(volume_at > 0, 1.0 / np.where(volume_at > 0, volume_at, 1.0), 0.0), dtype)
    return FieldCoefficients(cast(edges), cast(plaquettes), cast(inv_weights), inv_volume)


def _diff(u: jax.Array, axis: int) -> jax.Array:
    """u[k + 1] - u[k] along `axis` (one shorter there)."""
    n = u.shape[axis]
    return jax.lax.slice_in_dim(u, 1, n, axis=axis) - jax.lax.slice_in_dim(u, 0, n - 1, axis=axis)


def _mean(u: jax.Array, axis: int) -> jax.Array:
    """(u[k] + u[k + 1]) / 2 along `axis` (one shorter there)."""
    n = u.shape[axis]
    return 0.5 * (jax.lax.slice_in_dim(u, 1, n, axis=axis) + jax.lax.slice_in_dim(u, 0, n - 1, axis=axis))


def _pad_axis(u: jax.Array, axis: int, low: int, high: int) -> jax.Array:
    config = [(low, high, 0) if k == axis else (0, 0, 0) for k in range(u.ndim)]
    return jax.lax.pad(u, jnp.zeros((), u.dtype), config)


def field_laplacian(u: jax.Array, coeffs: FieldCoefficients) -> jax.Array:
    """div(D grad u) for a tensor D varying in space, with no flux through every face.

    Arguments:
        u: node values, d dimensions.
        coeffs: from `field_coefficients` for the same grid.

    Returns:
        L u at every node [u ms^-1], same shape and dtype as `u`.
    """
    d = u.ndim
    diffs = [_diff(u, i) for i in range(d)]
    # dE/d(difference) on every edge: the edge's own term plus half of each plaquette term
    # of the plaquettes on either side of it.
    flux = [coeffs.edges[i] * diffs[i] for i in range(d)]
    for (i, j), lam in zip(itertools.combinations(range(d), 2), coeffs.plaquettes):
        mean_i, mean_j = _mean(diffs[i], j), _mean(diffs[j], i)
        for a, b, mean_b in ((i, j, mean_j), (j, i, mean_i)):
            term = 0.5 * lam * mean_b
            flux[a] = flux[a] + _pad_axis(term, b, 1, 0) + _pad_axis(term, b, 0, 1)
    out = jnp.zeros_like(u)
    for i in range(d):
        out = out + _pad_axis(flux[i], i, 0, 1) - _pad_axis(flux[i], i, 1, 0)
    if coeffs.inv_volume is not None:
        return (out * coeffs.inv_volume).astype(u.dtype)
    for i in range(d):
        out = out * coeffs.inv_weights[i].reshape([-1 if k == i else 1 for k in range(d)])
    return out.astype(u.dtype)


def field_stable_dt(coeffs: FieldCoefficients, shape: tuple[int, ...]) -> float:
    """Largest forward-Euler step for `field_laplacian` [ms]: 2 / (largest Gershgorin
    row sum of |L|), the row sums found exactly from 3^d probes (each the indicator
    of one residue class of the node indices mod 3, so every row meets each probe
    in at most one stencil entry)."""
    apply = jax.jit(field_laplacian)
    dtype = coeffs.edges[0].dtype
    index = np.indices(shape) % 3
    rows = np.zeros(shape)
    for residue in itertools.product(range(3), repeat=len(shape)):
        probe = np.all(index == np.reshape(residue, (-1,) + (1,) * len(shape)), axis=0)
        rows += np.abs(np.asarray(apply(jnp.asarray(probe, dtype), coeffs), np.float64))
    rate = float(rows.max())
    return float(np.inf) if rate == 0 else 2.0 / rate
