"""Spherical-harmonic operators in JAX on a `SphereGrid` (see `hanami.core.sphere`).

`SphericalHarmonics` holds the Legendre bases cast to the run precision and gives
the transforms (grid <-> spectral), the Laplacian and its inverse, winds from
vorticity and divergence, and the divergence and curl of a vector field given on
the grid as (A, B) = (a_x cos(phi), a_y cos(phi)).

With U = u cos(phi), V = v cos(phi), mu = sin(phi), psi = lap^-1 vorticity and
chi = lap^-1 divergence:

    U = [d chi/d lambda - (1 - mu^2) d psi/d mu] / a,
    V = [d psi/d lambda + (1 - mu^2) d chi/d mu] / a,
    div(A, B)  = [dA/d lambda / (1 - mu^2) + dB/d mu] / a,
    curl(A, B) = [dB/d lambda / (1 - mu^2) - dA/d mu] / a,

and the spectral divergence and curl follow by Gaussian quadrature after an
integration by parts in mu (so no derivative of grid data is ever taken).
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from hanami.core.parallel import local_along, split_along
from hanami.core.sphere import HIGHEST, SphereGrid, complex_dtype


def _split(c: jax.Array) -> jax.Array:
    """Real and imaginary parts stacked on a new leading axis (one real matmul for both)."""
    return jnp.stack([jnp.real(c), jnp.imag(c)])


def _join(x: jax.Array) -> jax.Array:
    return jax.lax.complex(x[0], x[1])


def _batched_by_m(basis: jax.Array, x: jax.Array, contract_basis: int) -> jax.Array:
    """Per zonal wavenumber m, contract basis[m, j, n] with x[..., m, :] over n
    (`contract_basis=2`) or j (`contract_basis=1`).

    In float64 from T85 up the operand is laid out with m first, as the batch
    dimension of one dot_general: XLA's CPU float64 batched dot with the batch
    dimension elsewhere made a whole TC5 step at T127 take 92 ms against 25 ms.
    In float32, and below T85, the plain einsum is faster (T127 float32: 20
    against 26 ms per step), the transposes costing more than they save.
    """
    if basis.shape[0] <= 64 or basis.dtype != jnp.float64:
        spec = "mjn,...mn->...mj" if contract_basis == 2 else "mjn,...mj->...mn"
        return jnp.einsum(spec, basis, x, precision=HIGHEST)
    lead = x.shape[:-2]
    stacked = jnp.moveaxis(x.reshape((-1,) + x.shape[-2:]), 1, 0)  # (m, k, j or n)
    out = jax.lax.dot_general(basis, stacked, (((contract_basis,), (2,)), ((0,), (0,))), precision=HIGHEST)
    # dot_general puts the batch dim first, then basis's free dim, then x's: (m, j or n, k)
    return jnp.moveaxis(out, 2, 0).reshape(lead + out.shape[:2])  # (..., m, j or n)


class SphericalHarmonics(eqx.Module):
    """Transforms and spectral operators for one grid and precision.

    Attributes:
        grid: the Gaussian grid and truncation (static).
        p: Pbar[m, j, n] in the run precision.
        h: (1 - mu^2) dPbar/dmu [m, j, n] in the run precision.
        weights: Gaussian weights [j].
        vector_weights: weights / (a (1 - mu^2)) [j] [1/m].
        m: zonal wavenumbers [m] (as a column for broadcasting on [m, n]).
        eigen: n (n + 1) / a^2 on [m, n] [1/m^2] (minus the Laplacian's eigenvalue).
    """

    grid: SphereGrid = eqx.field(static=True)
    p: jax.Array
    h: jax.Array
    weights: jax.Array
    vector_weights: jax.Array
    m: jax.Array
    eigen: jax.Array

    @classmethod
    def create(cls, grid: SphereGrid, dtype: str = "float64") -> "SphericalHarmonics":
        """Bases computed in float64 with NumPy, then cast to `dtype`."""
        p, h = grid.basis()
        n = grid.degrees()
        a = grid.radius
        return cls(grid=grid, p=jnp.asarray(p, dtype), h=jnp.asarray(h, dtype),
                   weights=jnp.asarray(grid.weights, dtype),
                   vector_weights=jnp.asarray(grid.weights / (a * (1 - grid.mu ** 2)), dtype),
                   m=jnp.asarray(np.arange(grid.truncation + 1, dtype=np.float64)[:, None], dtype),
                   eigen=jnp.asarray(n * (n + 1) / a ** 2, dtype))

    @property
    def real_dtype(self) -> jnp.dtype:
        return self.p.dtype

    @property
    def complex_dtype(self) -> jnp.dtype:
        return complex_dtype(self.p.dtype)

    # -- Fourier in longitude ------------------------------------------------------
    # On several devices the grid is split by latitude and the Fourier and spectral
    # coefficients by zonal wavenumber: the swap of axes below is the transpose
    # (an all-to-all) between the two layouts.
    def grid_to_fourier(self, f: jax.Array) -> jax.Array:
        """(..., nlat, nlon) real -> (..., T+1, nlat) complex Fourier coefficients."""
        keep = self.grid.truncation + 1
        coefficients = local_along(lambda g: jnp.fft.rfft(g, axis=-1, norm="forward")[..., :keep], f, -2)
        return split_along(jnp.swapaxes(coefficients, -1, -2), -2)

    def fourier_to_grid(self, c: jax.Array) -> jax.Array:
        """(..., T+1, nlat) complex -> (..., nlat, nlon) real."""
        c = split_along(jnp.swapaxes(split_along(c, -2), -1, -2), -2)
        pad = self.grid.nlon // 2 + 1 - c.shape[-1]
        nlon = self.grid.nlon

        def synthesis(part: jax.Array) -> jax.Array:
            part = jnp.pad(part, [(0, 0)] * (part.ndim - 1) + [(0, pad)])
            return jnp.fft.irfft(part, n=nlon, axis=-1, norm="forward")

        return local_along(synthesis, c, -2)

    # -- Legendre in latitude --------------------------------------------------------
    def legendre_inverse(self, c: jax.Array, basis: jax.Array) -> jax.Array:
        """(..., m, n) -> (..., m, j): sum over n of c[m, n] basis[m, j, n]."""
        return _join(_batched_by_m(basis, _split(c), contract_basis=2))

    def legendre_forward(self, c: jax.Array, basis: jax.Array, weights: jax.Array) -> jax.Array:
        """(..., m, j) -> (..., m, n): Gaussian quadrature sum over j of w[j] c[m, j] basis[m, j, n]."""
        return _join(_batched_by_m(basis, _split(c * weights), contract_basis=1))

    # -- scalar transforms -------------------------------------------------------------
    def to_grid(self, c: jax.Array) -> jax.Array:
        """Spectral (..., T+1, T+1) complex -> grid (..., nlat, nlon) real."""
        return self.fourier_to_grid(self.legendre_inverse(c, self.p))

    def to_spectral(self, f: jax.Array) -> jax.Array:
        """Grid (..., nlat, nlon) real -> spectral (..., T+1, T+1) complex (projection on degree <= T)."""
        return self.legendre_forward(self.grid_to_fourier(f), self.p, self.weights)

    def laplacian(self, c: jax.Array) -> jax.Array:
        """Spectral Laplacian [1/m^2]: -n (n + 1) / a^2 times c."""
        return -self.eigen * c

    def inverse_laplacian(self, c: jax.Array) -> jax.Array:
        """Spectral inverse Laplacian [m^2], with the n = 0 (mean) coefficient set to 0."""
        safe = jnp.where(self.eigen > 0, self.eigen, 1)
        return jnp.where(self.eigen > 0, -c / safe, 0)

    # -- vectors --------------------------------------------------------------------------
    def uv_cos_fourier(self, vorticity: jax.Array, divergence: jax.Array) -> tuple[jax.Array, jax.Array]:
        """Fourier coefficients (..., m, j) of U = u cos(phi), V = v cos(phi) [m/s]."""
        psi = self.inverse_laplacian(vorticity)
        chi = self.inverse_laplacian(divergence)
        im = 1j * self.m
        a = self.grid.radius
        on_p = self.legendre_inverse(jnp.stack([im * chi, im * psi]), self.p)
        on_h = self.legendre_inverse(jnp.stack([psi, chi]), self.h)
        return (on_p[0] - on_h[0]) / a, (on_p[1] + on_h[1]) / a

    def uv_cos(self, vorticity: jax.Array, divergence: jax.Array) -> tuple[jax.Array, jax.Array]:
        """U = u cos(phi), V = v cos(phi) on the grid [m/s]."""
        u, v = self.uv_cos_fourier(vorticity, divergence)
        return self.fourier_to_grid(u), self.fourier_to_grid(v)

    def winds(self, vorticity: jax.Array, divergence: jax.Array) -> tuple[jax.Array, jax.Array]:
        """Eastward and northward wind u, v on the grid [m/s]."""
        cos = jnp.sqrt(1 - jnp.asarray(self.grid.mu, self.real_dtype) ** 2)[:, None]
        u, v = self.uv_cos(vorticity, divergence)
        return u / cos, v / cos

    def div_curl_fourier(self, a: jax.Array, b: jax.Array) -> tuple[jax.Array, jax.Array]:
        """Spectral div and curl [1/s for winds] of (A, B) = (a_x cos(phi), a_y cos(phi)) given as Fourier
        coefficients (..., m, j)."""
        im = 1j * self.m
        on_p = self.legendre_forward(jnp.stack([im * a, im * b]), self.p, self.vector_weights)
        on_h = self.legendre_forward(jnp.stack([b, a]), self.h, self.vector_weights)
        return on_p[0] - on_h[0], on_p[1] + on_h[1]

    def vorticity_divergence(self, u_cos: jax.Array, v_cos: jax.Array) -> tuple[jax.Array, jax.Array]:
        """Spectral vorticity and divergence [1/s] from U = u cos(phi), V = v cos(phi) on the grid."""
        div, curl = self.div_curl_fourier(self.grid_to_fourier(u_cos), self.grid_to_fourier(v_cos))
        return curl, div

    def total(self, f: jax.Array) -> jax.Array:
        """Integral of a grid field over the sphere [field unit x m^2], accumulated in float64."""
        w = jnp.asarray(self.grid.weights * (2 * np.pi / self.grid.nlon) * self.grid.radius ** 2)
        return jnp.sum(jnp.sum(f.astype(jnp.float64), axis=-1) * w, axis=-1)
