"""Ostwald ripening: Cahn–Hilliard composition coupled to Allen–Cahn order parameters (PFHub benchmark 2).

    F = integral of [ f(c, eta) + kappa_c/2 |grad c|^2 + sum_i kappa_eta/2 |grad eta_i|^2 ] dA,
    f = rho^2 (c - c_alpha)^2 (1 - h) + rho^2 (c_beta - c)^2 h + w g,
    h = sum_i eta_i^3 (6 eta_i^2 - 15 eta_i + 10),
    g = sum_i eta_i^2 (1 - eta_i)^2 + alpha sum_i sum_{j != i} eta_i^2 eta_j^2,
    dc/dt = div( M grad( df/dc - kappa_c lap c ) ),   d eta_i/dt = -L ( df/d eta_i - kappa_eta lap eta_i ).

Nondimensional, in the benchmark's units. Time stepping is linearly stabilised
semi-implicit Euler in Fourier (periodic) or cosine (no-flux) space, as for BM1:
the fourth- and second-order terms are implicit; df/dc = 2 rho^2 c - 2 rho^2
(c_alpha + (c_beta - c_alpha) h) is linear in c, so its linear part is implicit
exactly, and each eta_i equation carries a stabilising term A eta_i (Shen & Yang
2010, doi:10.3934/dcds.2010.28.1669). All fields step from the same old state.
Accuracy comes from step doubling (`hanami.core.integrate.step_doubling`).
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from hanami.core.grid import BoxGrid
from hanami.core.spectral import SpectralBox

Fields = dict[str, jax.Array]


def order_parameter_names(count: int) -> tuple[str, ...]:
    """The fields' names of `count` order parameters: eta1, eta2, ..."""
    return tuple(f"eta{i}" for i in range(1, count + 1))


class OstwaldRipening(eqx.Module):
    """The BM2 free energy with constant mobilities on a periodic or no-flux box.

    Attributes:
        grid: the box (static).
        count: number of order parameters (static; 4 in the benchmark).
        kappa_c, kappa_eta: gradient energy coefficients of c and of each eta_i.
        mobility: M, of c.
        relaxation: L, of each eta_i.
        rho2: rho^2, curvature of the two parabolic wells.
        w: height of the double well in eta.
        alpha: cross term between order parameters (keeps grains apart).
        c_alpha, c_beta: equilibrium compositions of the matrix and the particles.
        stabilisation: A of the eta equations.
    """

    grid: BoxGrid = eqx.field(static=True)
    count: int = eqx.field(static=True)
    kappa_c: float
    kappa_eta: float
    mobility: float
    relaxation: float
    rho2: float
    w: float
    alpha: float
    c_alpha: float
    c_beta: float
    stabilisation: float
    dtype: str = eqx.field(static=True, default="float64")
    blowup: float = eqx.field(static=True, default=1e3)

    @property
    def spectral(self) -> SpectralBox:
        return SpectralBox(self.grid)

    @property
    def names(self) -> tuple[str, ...]:
        return order_parameter_names(self.count)

    # -- physics ---------------------------------------------------------------
    def _etas(self, fields: Fields) -> list[jax.Array]:
        return [fields[name] for name in self.names]

    @staticmethod
    def interpolation(etas: list[jax.Array]) -> jax.Array:
        """h = sum_i eta_i^3 (6 eta_i^2 - 15 eta_i + 10), the particle fraction's weight."""
        return sum(e**3 * (6 * e**2 - 15 * e + 10) for e in etas)

    def bulk_energy(self, c: jax.Array, etas: list[jax.Array]) -> jax.Array:
        """f(c, eta), the chemical energy density."""
        h = self.interpolation(etas)
        squares = [e * e for e in etas]
        total_square = sum(squares)
        # sum_i sum_{j != i} eta_i^2 eta_j^2 = (sum eta^2)^2 - sum eta^4
        cross = total_square**2 - sum(s * s for s in squares)
        g = sum(s * (1 - e) ** 2 for s, e in zip(squares, etas)) + self.alpha * cross
        return (self.rho2 * (c - self.c_alpha) ** 2 * (1 - h) + self.rho2 * (self.c_beta - c) ** 2 * h
                + self.w * g)

    def _explicit_potentials(self, c: jax.Array, etas: list[jax.Array]) -> tuple[jax.Array, list[jax.Array]]:
        """The explicit parts: df/dc - 2 rho^2 c, and df/d eta_i - A eta_i."""
        h = self.interpolation(etas)
        mu_c = -2 * self.rho2 * (self.c_alpha + (self.c_beta - self.c_alpha) * h)
        wells = self.rho2 * ((self.c_beta - c) ** 2 - (c - self.c_alpha) ** 2)
        total_square = sum(e * e for e in etas)
        mu_eta = [wells * 30 * e**2 * (1 - e) ** 2
                  + self.w * (2 * e * (1 - e) * (1 - 2 * e) + 4 * self.alpha * e * (total_square - e * e))
                  - self.stabilisation * e
                  for e in etas]
        return mu_c, mu_eta

    def energies(self, fields: Fields) -> tuple[jax.Array, jax.Array]:
        """(bulk, gradient) parts of F; the gradient part as -kappa/2 u lap(u), exact for both boundaries."""
        c, etas = fields["c"], self._etas(fields)
        sp = self.spectral
        gradient = -0.5 * self.kappa_c * c * sp.laplacian(c)
        for e in etas:
            gradient = gradient - 0.5 * self.kappa_eta * e * sp.laplacian(e)
        area = self.grid.cell_volume
        bulk = jnp.sum(self.bulk_energy(c, etas).astype(jnp.float64)) * area
        return bulk, jnp.sum(gradient.astype(jnp.float64)) * area

    # -- time stepping -----------------------------------------------------------
    def step(self, fields: Fields, dt: jax.Array) -> Fields:
        """One first-order semi-implicit step of size dt."""
        sp = self.spectral
        c, etas = fields["c"], self._etas(fields)
        k2 = sp.k2(c.dtype)
        mu_c, mu_eta = self._explicit_potentials(c, etas)
        m_dt_k2 = dt * self.mobility * k2
        c_hat = (sp.forward(c) - m_dt_k2 * sp.forward(mu_c)) / (1 + m_dt_k2 * (2 * self.rho2 + self.kappa_c * k2))
        l_dt = dt * self.relaxation
        denominator = 1 + l_dt * (self.stabilisation + self.kappa_eta * k2)
        new = {"c": sp.inverse(c_hat)}
        for name, e, mu in zip(self.names, etas, mu_eta):
            new[name] = sp.inverse((sp.forward(e) - l_dt * sp.forward(mu)) / denominator)
        return new

    # -- what the loop reads -------------------------------------------------------
    def diagnostics(self, fields: Fields) -> dict[str, jax.Array]:
        c = fields["c"]
        bulk, gradient = self.energies(fields)
        return {"free_energy": bulk + gradient, "bulk_energy": bulk, "gradient_energy": gradient,
                "mass": jnp.mean(c.astype(jnp.float64)), "c_min": jnp.min(c), "c_max": jnp.max(c)}

    def healthy(self, fields: Fields) -> jax.Array:
        ok = jnp.asarray(True)
        for value in fields.values():
            ok = ok & jnp.all(jnp.isfinite(value)) & (jnp.max(jnp.abs(value)) < self.blowup)
        return ok

    def bad_field(self, fields: dict[str, np.ndarray]) -> str:
        for name, value in fields.items():
            if not np.all(np.isfinite(value)) or np.max(np.abs(value)) >= self.blowup:
                return name
        return "c"

    def output_fields(self, fields: Fields) -> dict[str, np.ndarray]:
        return {name: np.asarray(fields[name]) for name in ("c", *self.names)}
