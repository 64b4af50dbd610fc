"""The diffusion half-step of the monodomain equation, dV/dt = div(D grad V).

Units: D [mm^2 ms^-1], lengths [mm], dt [ms]. The monodomain diffusion tensor is
D = sigma / (chi Cm); with sigma [S/m], chi [mm^-1] and Cm [uF/cm^2]:

    1 S/m = 1e-3 S/mm,   1 uF/cm^2 = 1e-2 uF/mm^2,   1 S/uF = 1e6 s^-1 = 1e3 ms^-1,

    D [mm^2/ms] = 1e3 * (1e-3 sigma) / (chi * 1e-2 Cm) = 100 sigma / (chi Cm).

Niederer et al. 2011 (doi:10.1098/rsta.2011.0139): sigma_l = 0.1334 S/m,
chi = 140 mm^-1, Cm = 1 uF/cm^2 give D_l = 0.0953 mm^2/ms (about 1 cm^2/s, the
usual cardiac figure).

The operator is `anisotropic_laplacian` for a constant tensor (a host array)
and `field_laplacian` for a tensor varying in space (`FieldCoefficients`).

* `explicit`: forward Euler, V + dt L V; stable only for dt <= `stable_dt`.
* `implicit`: backward Euler, (I - dt L) V_new = V, solved by conjugate
  gradients on W (I - dt L), which is symmetric positive definite for the
  trapezoid weights W of the vertex grid; stable for any dt.
"""

from __future__ import annotations

from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.scipy.sparse.linalg as jsl
import numpy as np

from hanami.apps.cardiac.stencil import FieldCoefficients, VertexGrid, anisotropic_laplacian, field_laplacian

Tensor = Any  # a host array, a ConstantTensor or FieldCoefficients


def conductivity_to_diffusivity(sigma: float, chi: float, cm: float) -> float:
    """D [mm^2/ms] from sigma [S/m], chi [mm^-1], Cm [uF/cm^2] (see the module docstring)."""
    return 100.0 * sigma / (chi * cm)


def diffusion_tensor(d_long: float, d_trans: float, fibre: tuple[float, ...]) -> np.ndarray:
    """D = d_trans I + (d_long - d_trans) f f^T for a unit fibre direction f [mm^2/ms]."""
    f = np.asarray(fibre, dtype=np.float64)
    norm = np.linalg.norm(f)
    if norm == 0:
        raise ValueError("the fibre direction must not be the zero vector")
    f = f / norm
    return d_trans * np.eye(f.size) + (d_long - d_trans) * np.outer(f, f)


class ConstantTensor(eqx.Module):
    """A diffusion tensor constant in space: its values [mm^2/ms] (a JAX array, so they can be
    differentiated or differ between ensemble members) and which entries are non-zero (static:
    the stencil's couplings)."""

    values: jax.Array
    pattern: tuple[tuple[bool, ...], ...] = eqx.field(static=True)

    @classmethod
    def of(cls, tensor: Any) -> "ConstantTensor":
        host = np.asarray(tensor, np.float64)
        return cls(jnp.asarray(host), tuple(tuple(bool(x) for x in row) for row in host != 0.0))


def laplacian(v: jax.Array, tensor: Tensor, grid: VertexGrid) -> jax.Array:
    """div(D grad V) [mV/ms] for a constant tensor [mm^2/ms] or a tensor field's coefficients."""
    if isinstance(tensor, FieldCoefficients):
        return field_laplacian(v, tensor)
    if isinstance(tensor, ConstantTensor):
        return anisotropic_laplacian(v, tensor.values, grid.spacing, tensor.pattern)
    return anisotropic_laplacian(v, tensor, grid.spacing)


def explicit_step(v: jax.Array, dt: jax.Array, tensor: Tensor, grid: VertexGrid) -> jax.Array:
    """V + dt div(D grad V) (forward Euler)."""
    return v + dt * laplacian(v, tensor, grid)


def implicit_step(v: jax.Array, dt: jax.Array, tensor: Tensor, grid: VertexGrid, tol: float,
                  maxiter: int) -> jax.Array:
    """Backward Euler: solve (I - dt L) V_new = V by conjugate gradients, V as first guess.

    Arguments:
        tol: relative residual tolerance of CG.
        maxiter: most CG iterations.
    """
    if isinstance(tensor, FieldCoefficients) and tensor.inv_volume is not None:
        # On a tissue mask: the node volumes, and 1 where there is no tissue (there L = 0,
        # so the row reads V_new = V and the operator stays symmetric positive definite).
        volume = jnp.where(tensor.inv_volume > 0, 1.0 / jnp.where(tensor.inv_volume > 0, tensor.inv_volume, 1.0),
                           0.0)
        w = jnp.where(tensor.inv_volume > 0, volume / jnp.max(volume), 1.0).astype(v.dtype)
    else:
        w = jnp.asarray(grid.weights() / grid.weights().max(), v.dtype)

    def operator(x: jax.Array) -> jax.Array:
        return w * (x - dt * laplacian(x, tensor, grid))

    solution, _ = jsl.cg(operator, w * v, x0=v, tol=tol, maxiter=maxiter)
    return solution.astype(v.dtype)
