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

All operators are plain `jax.numpy` code (pad + slices) that XLA fuses; one
implementation runs on every backend.
"""

from __future__ import annotations

import dataclasses
import itertools

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


def anisotropic_laplacian(u: jax.Array, tensor: np.ndarray, spacing: tuple[float, ...]) -> jax.Array:
    """div(D grad u) with mirror (no-flux) faces.

    Arguments:
        u: node values, any dimension d.
        tensor: constant symmetric d x d diffusion tensor D [mm^2 ms^-1] (host array).
        spacing: node spacing per axis [mm].

    Returns:
        div(D grad u) at every node [u ms^-1], same shape and dtype as `u`.
    """
    tensor = np.asarray(tensor, dtype=np.float64)
    d = u.ndim
    padded = mirror_pad(u)
    centre = _shifted(padded, (0,) * d)
    out = jnp.zeros_like(u)
    for i in range(d):
        coeff = tensor[i, i] / spacing[i] ** 2
        if coeff == 0.0:
            continue
        plus = tuple(1 if k == i else 0 for k in range(d))
        minus = tuple(-1 if k == i else 0 for k in range(d))
        out = out + coeff * (_shifted(padded, plus) + _shifted(padded, minus) - 2 * centre)
    for i, j in itertools.combinations(range(d), 2):
        coeff = 2 * tensor[i, j] / (4 * spacing[i] * spacing[j])
        if coeff == 0.0:
            continue
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
