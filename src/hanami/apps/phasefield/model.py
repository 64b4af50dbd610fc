"""Cahn–Hilliard spinodal decomposition (PFHub benchmark 1).

    dc/dt = div( M grad( f'(c) - kappa lap c ) ),    f(c) = rho_s (c - c_alpha)^2 (c_beta - c)^2,
    F = integral of ( f(c) + kappa/2 |grad c|^2 ) dA.

Nondimensional: lengths, times and energies are in the benchmark's units.

Time stepping is the linearly stabilised semi-implicit Euler scheme (Shen & Yang
2010, doi:10.3934/dcds.2010.28.1669): the fourth-order term and a stabilising
term A c are implicit, the rest of f'(c) explicit,

    (1 + dt M k^2 (A + kappa k^2)) c^{n+1}_k = c^n_k - dt M k^2 [f'(c^n) - A c^n]_k ,

a diagonal solve in Fourier (periodic) or cosine (no-flux) space. With
A >= max|f''|/2 on the range of c the scheme decreases F for any dt. Accuracy
comes from step doubling with Richardson extrapolation (second order), fused
here so that one attempt costs five transforms instead of nine.
"""

from __future__ import annotations

import functools

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from hanami.core.grid import BoxGrid
from hanami.core.spectral import SpectralBox

Fields = dict[str, jax.Array]


def _times(z: jax.Array, r: jax.Array) -> jax.Array:
    """z * r for a real array r, part by part if z is complex.

    Promoting r to complex would spend a complex product on a zero imaginary part
    (and give its derivative complex residuals).
    """
    if not jnp.iscomplexobj(z):
        return z * r
    return jax.lax.complex(jnp.real(z) * r, jnp.imag(z) * r)


def _divide(z: jax.Array, r: jax.Array) -> jax.Array:
    """z / r for a real array r, part by part if z is complex (a complex division costs several times more)."""
    if not jnp.iscomplexobj(z):
        return z / r
    return jax.lax.complex(jnp.real(z) / r, jnp.imag(z) / r)


class CahnHilliard(eqx.Module):
    """The BM1 free energy with constant mobility on a periodic or no-flux box.

    Attributes:
        grid: the box (static).
        kappa: gradient energy coefficient.
        mobility: M.
        rho_s: height of the double well.
        c_alpha, c_beta: the two well minima.
        stabilisation: A, the linear stabilisation constant.
        blowup: |c| above this counts as a blow-up.
    """

    grid: BoxGrid = eqx.field(static=True)
    kappa: float
    mobility: float
    rho_s: float
    c_alpha: float
    c_beta: float
    stabilisation: float
    dtype: str = eqx.field(static=True, default="float64")
    blowup: float = eqx.field(static=True, default=1e3)

    @property
    def spectral(self) -> SpectralBox:
        return SpectralBox(self.grid)

    # -- physics ---------------------------------------------------------------
    def bulk_energy(self, c: jax.Array) -> jax.Array:
        """f(c), energy density of the double well."""
        return self.rho_s * (c - self.c_alpha) ** 2 * (self.c_beta - c) ** 2

    def bulk_potential(self, c: jax.Array) -> jax.Array:
        """f'(c)."""
        return 2 * self.rho_s * (c - self.c_alpha) * (self.c_beta - c) * (self.c_alpha + self.c_beta - 2 * c)

    def free_energy(self, c: jax.Array) -> jax.Array:
        """Total free energy F; the gradient term as -kappa/2 c lap(c), exact for both boundaries."""
        density = self.bulk_energy(c) - 0.5 * self.kappa * c * self.spectral.laplacian(c)
        return jnp.sum(density.astype(jnp.float64)) * self.grid.cell_volume

    # -- time stepping -----------------------------------------------------------
    # The checkpointed helpers below are rematerialised under differentiation: their
    # backward pass recomputes a few elementwise operations from the inputs instead of
    # keeping (and, in a scan, stacking per step) every intermediate array.
    @functools.partial(jax.checkpoint, prevent_cse=False)
    def _explicit(self, c: jax.Array) -> jax.Array:
        """The explicit part of the chemical potential, f'(c) - A c."""
        return self.bulk_potential(c) - self.stabilisation * c

    def _stiffness(self, k2: jax.Array) -> jax.Array:
        """A + kappa k^2 per mode (k2 in 1/length^2): the implicit part of the chemical potential's symbol."""
        return self.stabilisation + self.kappa * k2

    def _solve(self, c_hat: jax.Array, explicit_hat: jax.Array, m_dt_k2: jax.Array, stiffness: jax.Array) -> jax.Array:
        """One semi-implicit Euler step in spectral space; m_dt_k2 = dt M k^2 per mode (dimensionless)."""
        return _divide(c_hat - _times(explicit_hat, m_dt_k2), 1 + m_dt_k2 * stiffness)

    @functools.partial(jax.checkpoint, prevent_cse=False)
    def _single(self, c_hat: jax.Array, explicit_hat: jax.Array, k2: jax.Array, dt: jax.Array) -> jax.Array:
        """One step of dt [time] in spectral space."""
        return self._solve(c_hat, explicit_hat, dt * self.mobility * k2, self._stiffness(k2))

    @functools.partial(jax.checkpoint, prevent_cse=False)
    def _doubled(self, c_hat: jax.Array, explicit_hat: jax.Array, half_explicit_hat: jax.Array, k2: jax.Array,
                 dt: jax.Array) -> tuple[jax.Array, jax.Array]:
        """One step of dt and two of dt/2 in spectral space, given the explicit term's transforms at c and at the half step."""
        # Symbols computed once, so that a parameter's cotangent is one sum per symbol, not one per solve.
        stiffness, m_dt_k2, m_half_k2 = self._stiffness(k2), dt * self.mobility * k2, dt / 2 * self.mobility * k2
        full_hat = self._solve(c_hat, explicit_hat, m_dt_k2, stiffness)
        # The first half step again (fused with the caller's in the forward pass): a gradient
        # then keeps only the transforms for its backward pass.
        half_hat = self._solve(c_hat, explicit_hat, m_half_k2, stiffness)
        return full_hat, self._solve(half_hat, half_explicit_hat, m_half_k2, stiffness)

    def step(self, fields: Fields, dt: jax.Array) -> Fields:
        """One first-order stabilised semi-implicit step of size dt."""
        sp = self.spectral
        c = fields["c"]
        return {"c": sp.inverse(self._single(sp.forward(c), sp.forward(self._explicit(c)), sp.k2(c.dtype), dt))}

    def estimate(self, fields: Fields, dt: jax.Array) -> tuple[Fields, jax.Array]:
        """Step doubling with Richardson extrapolation, sharing transforms.

        Returns the second-order candidate and the RMS difference between one
        step of dt and two of dt/2 (the first-order local error).
        """
        sp = self.spectral
        c = fields["c"]
        k2 = sp.k2(c.dtype)
        c_hat = sp.forward(c)
        explicit_hat = sp.forward(self._explicit(c))
        half = sp.inverse(self._single(c_hat, explicit_hat, k2, dt / 2))
        full_hat, two_halves_hat = self._doubled(c_hat, explicit_hat, sp.forward(self._explicit(half)), k2, dt)
        difference = two_halves_hat - full_hat
        error = jnp.sqrt(sp.sum_of_squares(difference) / self.grid.size)
        return {"c": sp.inverse(two_halves_hat + difference)}, error

    # -- what the loop reads -------------------------------------------------------
    def diagnostics(self, fields: Fields) -> dict[str, jax.Array]:
        c = fields["c"]
        return {"free_energy": self.free_energy(c), "mass": jnp.mean(c.astype(jnp.float64)),
                "c_min": jnp.min(c), "c_max": jnp.max(c)}

    def healthy(self, fields: Fields) -> jax.Array:
        c = fields["c"]
        return jnp.all(jnp.isfinite(c)) & (jnp.max(jnp.abs(c)) < self.blowup)

    def bad_field(self, fields: dict[str, np.ndarray]) -> str:
        return "c"

    def output_fields(self, fields: Fields) -> dict[str, np.ndarray]:
        return {"c": np.asarray(fields["c"])}
