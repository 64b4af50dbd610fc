"""Second-order finite differences on a box with its own boundary per axis, and the exact solve
of (1 + k (-Laplacian_h)) u = r for the five-point (in 3D seven-point) Laplacian.

Boundaries per axis: "periodic"; "no-flux" (cell-centred points, mirror ghost u_{-1} = u_0);
"dirichlet" (cell-centred points, ghost u_{-1} = 2 g - u_0 for the wall value g). The discrete
Laplacian with a homogeneous boundary is diagonalised exactly by a transform per axis: the
FFT (periodic), the DCT-II (no-flux) and the DST-II (Dirichlet; computed from the DCT-II,
DST-II(x)_k = DCT-II((-1)^n x_n)_{N-1-k}). Its eigenvalues are -(4/h^2) sin^2(theta_k / 2)
with theta_k = 2 pi k / N, pi k / N and pi (k + 1) / N. A wall value g enters as the constant
`boundary_term` (2 g / h^2 on the cells along that wall), outside the solve.
"""

from __future__ import annotations

from typing import Sequence

import jax
import jax.numpy as jnp
import numpy as np

BOUNDARIES = ("periodic", "no-flux", "dirichlet")
WallValues = tuple[float, float] | None


def _padded(u: jax.Array, axis: int, kind: str, walls: WallValues) -> jax.Array:
    """u with one ghost layer on each side of `axis` (homogeneous when `walls` is None)."""
    first = jax.lax.slice_in_dim(u, 0, 1, axis=axis)
    last = jax.lax.slice_in_dim(u, u.shape[axis] - 1, u.shape[axis], axis=axis)
    if kind == "periodic":
        low, high = last, first
    elif kind == "no-flux":
        low, high = first, last
    else:
        g_low, g_high = walls if walls is not None else (0.0, 0.0)
        low, high = 2 * g_low - first, 2 * g_high - last
    return jnp.concatenate([low, u, high], axis=axis)


def laplacian(u: jax.Array, spacing: Sequence[float], boundaries: Sequence[str],
              walls: Sequence[WallValues] | None = None) -> jax.Array:
    """Second-order Laplacian [1/length^2 times u]; `walls` holds (low, high) wall values per
    Dirichlet axis (None: homogeneous)."""
    total = jnp.zeros_like(u)
    for axis, (h, kind) in enumerate(zip(spacing, boundaries)):
        m = _padded(u, axis, kind, walls[axis] if walls else None)
        n = u.shape[axis]
        upper = jax.lax.slice_in_dim(m, 2, n + 2, axis=axis)
        lower = jax.lax.slice_in_dim(m, 0, n, axis=axis)
        total = total + (upper + lower - 2 * u) / h**2
    return total


def boundary_term(shape: Sequence[int], spacing: Sequence[float], boundaries: Sequence[str],
                  walls: Sequence[WallValues]) -> np.ndarray:
    """Laplacian_h(u) - Laplacian_h(u with homogeneous walls): 2 g / h^2 on the cells along each
    Dirichlet wall, zero elsewhere."""
    term = np.zeros(tuple(shape))
    for axis, (h, kind, values) in enumerate(zip(spacing, boundaries, walls)):
        if kind != "dirichlet" or values is None:
            continue
        index = [slice(None)] * len(shape)
        for position, g in ((0, values[0]), (shape[axis] - 1, values[1])):
            index[axis] = position
            term[tuple(index)] += 2 * g / h**2
    return term


def eigenvalues(shape: Sequence[int], spacing: Sequence[float], boundaries: Sequence[str]) -> np.ndarray:
    """-Laplacian_h's eigenvalues (>= 0) [1/length^2] in the layout of `forward`."""
    total = np.zeros(tuple(shape))
    for axis, (n, h, kind) in enumerate(zip(shape, spacing, boundaries)):
        k = np.arange(n)
        theta = {"periodic": 2 * np.pi * k / n, "no-flux": np.pi * k / n, "dirichlet": np.pi * (k + 1) / n}[kind]
        along = [1] * len(shape)
        along[axis] = n
        total = total + (4 / h**2 * np.sin(theta / 2) ** 2).reshape(along)
    return total


def _sign(n: int, axis: int, ndim: int, dtype: jnp.dtype) -> jax.Array:
    along = [1] * ndim
    along[axis] = n
    return jnp.asarray((-1.0) ** np.arange(n), dtype).reshape(along)


def forward(u: jax.Array, boundaries: Sequence[str]) -> jax.Array:
    """The transform that diagonalises the homogeneous Laplacian_h (complex where an axis is periodic)."""
    for axis, kind in enumerate(boundaries):
        if kind == "no-flux":
            u = jax.scipy.fft.dct(u, type=2, norm="ortho", axis=axis)
        elif kind == "dirichlet":
            signed = u * _sign(u.shape[axis], axis, u.ndim, u.dtype)
            u = jnp.flip(jax.scipy.fft.dct(signed, type=2, norm="ortho", axis=axis), axis=axis)
    periodic = tuple(axis for axis, kind in enumerate(boundaries) if kind == "periodic")
    return jnp.fft.fftn(u, axes=periodic) if periodic else u


def inverse(u_hat: jax.Array, boundaries: Sequence[str]) -> jax.Array:
    periodic = tuple(axis for axis, kind in enumerate(boundaries) if kind == "periodic")
    u = jnp.real(jnp.fft.ifftn(u_hat, axes=periodic)) if periodic else u_hat
    for axis, kind in reversed(list(enumerate(boundaries))):
        if kind == "no-flux":
            u = jax.scipy.fft.idct(u, type=2, norm="ortho", axis=axis)
        elif kind == "dirichlet":
            u = jax.scipy.fft.idct(jnp.flip(u, axis=axis), type=2, norm="ortho", axis=axis)
            u = u * _sign(u.shape[axis], axis, u.ndim, u.dtype)
    return u


def solve_helmholtz(rhs: jax.Array, k: jax.Array, symbol: jax.Array, boundaries: Sequence[str]) -> jax.Array:
    """u with u - k Laplacian_h(u) = rhs (homogeneous walls); `symbol` = `eigenvalues(...)`, k >= 0."""
    return inverse(forward(rhs, boundaries) / (1 + k * symbol), boundaries)
