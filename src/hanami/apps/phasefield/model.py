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

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from hanami.core.grid import BoxGrid
from hanami.core.spectral import SpectralBox

Fields = dict[str, jax.Array]


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
    def _solve(self, c_hat: jax.Array, explicit_hat: jax.Array, k2: jax.Array, dt: jax.Array) -> jax.Array:
        """One semi-implicit Euler step in spectral space."""
        m_dt_k2 = dt * self.mobility * k2
        return (c_hat - m_dt_k2 * explicit_hat) / (1 + m_dt_k2 * (self.stabilisation + self.kappa * k2))

    def _explicit(self, c: jax.Array) -> jax.Array:
        return self.bulk_potential(c) - self.stabilisation * c

    def step(self, fields: Fields, dt: jax.Array) -> Fields:
        """One first-order stabilised semi-implicit step of size dt."""
        sp = self.spectral
        c = fields["c"]
        c_hat = self._solve(sp.forward(c), sp.forward(self._explicit(c)), sp.k2(c.dtype), dt)
        return {"c": sp.inverse(c_hat)}

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
        full_hat = self._solve(c_hat, explicit_hat, k2, dt)
        half_hat = self._solve(c_hat, explicit_hat, k2, dt / 2)
        half = sp.inverse(half_hat)
        two_halves_hat = self._solve(half_hat, sp.forward(self._explicit(half)), k2, dt / 2)
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
