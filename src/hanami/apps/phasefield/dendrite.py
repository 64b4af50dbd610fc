"""Dendritic solidification of a pure substance (PFHub benchmark 3).

The Karma–Rappel thin-interface model (Karma & Rappel 1998, Phys. Rev. E 57, 4323)
with four-fold anisotropy, in the units of the benchmark (W0 = tau0 = 1):

    tau(n) dphi/dt = div(W^2 grad phi) + d_x(-W W_theta d_y phi) + d_y(W W_theta d_x phi)
                     + phi - phi^3 - lambda U (1 - phi^2)^2,
    dU/dt = D lap U + 1/2 dphi/dt,

W(n) = W0 (1 + eps4 cos 4 theta), tau(n) = tau0 (W(n)/W0)^2, theta the angle of
grad phi. phi = +1 is solid, -1 liquid; U is the dimensionless undercooling.
The free energy is F = integral of [W(n)^2 |grad phi|^2 / 2 + f(phi, U)] dA with
f = -phi^2/2 + phi^4/4 + lambda U phi (1 - 2 phi^2/3 + phi^4/5).

Space: second-order finite differences on the cell-centred no-flux box
(`stencils`): the anisotropic term as the divergence of its flux, and the Laplacian
of U, both "isotropic" (nine-point in the isotropic limit; default) or "compact"
(five-point). Time: forward Euler on both fields (the scheme of the GPU
finite-difference codes), stable for dt below `stable_dt`; the U update uses the
new phi, so that U - phi/2 (the enthalpy) is conserved to round-off with no-flux walls.
U's stability limit is about five times phi's: with `u_substeps` = m > 1, one step of
phi is followed by m steps of U of dt/m, each taking 1/m of phi's latent heat, so the
costly phi operator runs m times less often (the enthalpy is still conserved exactly).
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from hanami.apps.phasefield.stencils import (anisotropic_divergence, anisotropy, face_terms, laplacian,
                                             spectral_radius)
from hanami.core.grid import BoxGrid

Fields = dict[str, jax.Array]


def _tip_cell(row: jax.Array) -> tuple[jax.Array, jax.Array, jax.Array]:
    """Along a row of phi: (i, the crossing lies between cells i and i + 1; no solid; solid to the end)."""
    last = jnp.max(jnp.where(row > 0, jnp.arange(row.shape[0]), -1))
    return jnp.clip(last, 0, row.shape[0] - 2), last < 0, last == row.shape[0] - 1


class Dendrite(eqx.Module):
    """Karma–Rappel solidification on a 2D no-flux box.

    Attributes:
        grid: the box (static); cell-centred, uniform spacing.
        w0: interface width W0 [length].
        tau0: relaxation time tau0 [time].
        eps4: strength of the four-fold anisotropy.
        diffusivity: D, thermal diffusivity [length^2/time].
        coupling: lambda = D tau0 / (a2 W0^2).
        stencil: "isotropic" or "compact" (see `stencils`).
        u_substeps: steps of U per step of phi (1: plain forward Euler on both).
        blowup: |phi| or |U| above this counts as a blow-up.
    """

    grid: BoxGrid = eqx.field(static=True)
    w0: float
    tau0: float
    eps4: float
    diffusivity: float
    coupling: float
    stencil: str = eqx.field(static=True, default="isotropic")
    u_substeps: int = eqx.field(static=True, default=1)
    dtype: str = eqx.field(static=True, default="float64")
    blowup: float = eqx.field(static=True, default=10.0)

    @property
    def h(self) -> float:
        return self.grid.spacing[0]

    def stable_limits(self) -> tuple[float, float]:
        """The largest stable forward-Euler steps of phi and of U [time].

        With r the Laplacian's spectral radius times h^2 (8 five-point, 16/3 nine-point):
        U needs dt <= 2 h^2 / (r D); phi needs dt <= 2 tau_min h^2 / (r W0^2 (1 + eps4)(1 + 15 eps4)),
        with tau_min = tau0 (1 - eps4)^2 and W0^2 (1 + eps4)(1 + 15 eps4) bounding the stiffness
        W (W + W_theta_theta) of the anisotropic operator. For the benchmark U's is about five times smaller.
        """
        base = 2 * self.h**2 / spectral_radius(self.stencil)
        phi_limit = base * self.tau0 * (1 - self.eps4) ** 2 / (self.w0**2 * (1 + self.eps4) * (1 + 15 * self.eps4))
        return phi_limit, base / self.diffusivity

    def stable_dt(self) -> float:
        """The largest stable step dt of phi, with U taking `u_substeps` steps of dt / u_substeps [time]."""
        phi_limit, u_limit = self.stable_limits()
        return min(phi_limit, self.u_substeps * u_limit)

    def _tau(self, phi: jax.Array) -> jax.Array:
        """tau(n) = tau0 a(n)^2 at the cells, n from central differences."""
        m = phi.__array_namespace__().pad(phi, 1, mode="edge")
        a, _ = anisotropy(m[2:, 1:-1] - m[:-2, 1:-1], m[1:-1, 2:] - m[1:-1, :-2], self.eps4)
        return self.tau0 * a * a

    def phi_rate(self, phi: jax.Array, u: jax.Array) -> jax.Array:
        """dphi/dt [1/time]."""
        one_minus = 1 - phi * phi
        force = (anisotropic_divergence(phi, self.h, self.w0, self.eps4, self.stencil) + phi * one_minus
                 - self.coupling * u * one_minus * one_minus)
        return force / self._tau(phi)

    # -- time stepping -------------------------------------------------------------
    def step(self, fields: Fields, dt: jax.Array) -> Fields:
        """One forward-Euler step of dt [time] for phi, `u_substeps` for U (JAX or NumPy arrays: the
        NumPy peer runs it too)."""
        phi, u = fields["phi"], fields["U"]
        dphi = dt * self.phi_rate(phi, u)
        sub = dt / self.u_substeps
        for _ in range(self.u_substeps):
            u = u + sub * self.diffusivity * laplacian(u, self.h, self.stencil) + (0.5 / self.u_substeps) * dphi
        return {"phi": phi + dphi, "U": u}

    # -- diagnostics -----------------------------------------------------------------
    def free_energy(self, phi: jax.Array, u: jax.Array) -> jax.Array:
        """F = integral of [W^2 |grad phi|^2 / 2 + f(phi, U)] dA.

        The gradient part is the mean of its x-face and y-face sums, each a trapezoid rule over
        the cells (wall faces weigh 1/2): second order, and the density the fluxes derive from.
        """
        _, _, energy_x, energy_y = face_terms(phi, self.h, self.w0, self.eps4)
        p2 = phi * phi
        bulk = -0.5 * p2 + 0.25 * p2 * p2 + self.coupling * u * phi * (1 - 2 * p2 / 3 + p2 * p2 / 5)

        def trapezoid(energy: jax.Array, axis: int) -> jax.Array:
            energy = energy.astype(jnp.float64)
            walls = jnp.take(energy, 0, axis=axis).sum() + jnp.take(energy, -1, axis=axis).sum()
            return energy.sum() - 0.5 * walls

        gradient = 0.5 * (trapezoid(energy_x, 0) + trapezoid(energy_y, 1))
        return (jnp.sum(bulk.astype(jnp.float64)) + gradient) * self.grid.cell_volume

    def tip_position(self, phi: jax.Array) -> jax.Array:
        """x where phi crosses zero along the wall y = 0 [length], -inf without solid there.

        Along the first row (y = h/2; the wall is a mirror line, so phi there equals its
        value on y = 0 to second order) the last sign change is found and phi interpolated
        linearly between its two cells.
        """
        row = phi[:, 0]
        x = jnp.asarray(self.grid.axis(0), row.dtype)
        i, no_solid, all_solid = _tip_cell(row)
        left, right = row[i], row[i + 1]
        crossing = x[i] + (x[i + 1] - x[i]) * left / (left - right)
        return jnp.where(no_solid, -jnp.inf, jnp.where(all_solid, x[-1], crossing))

    def tip_velocity(self, phi: jax.Array, u: jax.Array) -> jax.Array:
        """Speed of the tip along x [length/time]: -(dphi/dt) / (dphi/dx) at the crossing.

        Both derivatives are interpolated linearly to the tip from its two cells, so the
        figure needs no earlier state.
        """
        row, rate = phi[:, 0], self.phi_rate(phi, u)[:, 0]
        i, no_solid, all_solid = _tip_cell(row)
        weight = row[i] / (row[i] - row[i + 1])
        rate_tip = (1 - weight) * rate[i] + weight * rate[i + 1]
        slope = (row[i + 1] - row[i]) / self.h
        return jnp.where(no_solid | all_solid, 0.0, -rate_tip / slope)

    def diagnostics(self, fields: Fields) -> dict[str, jax.Array]:
        phi, u = fields["phi"], fields["U"]
        return {"free_energy": self.free_energy(phi, u),
                "solid_fraction": jnp.mean(0.5 * (1 + phi.astype(jnp.float64))),
                "tip_position": self.tip_position(phi),
                "tip_velocity": self.tip_velocity(phi, u),
                "enthalpy": jnp.mean(u.astype(jnp.float64) - 0.5 * phi.astype(jnp.float64)),
                "U_min": jnp.min(u), "U_max": jnp.max(u)}

    def healthy(self, fields: Fields) -> jax.Array:
        phi, u = fields["phi"], fields["U"]
        return (jnp.all(jnp.isfinite(phi)) & jnp.all(jnp.isfinite(u))
                & (jnp.max(jnp.abs(phi)) < self.blowup) & (jnp.max(jnp.abs(u)) < self.blowup))

    def bad_field(self, fields: dict[str, np.ndarray]) -> str:
        for name in ("phi", "U"):
            values = np.asarray(fields[name])
            if not np.all(np.isfinite(values)) or np.max(np.abs(values)) >= self.blowup:
                return name
        return "phi"

    def output_fields(self, fields: Fields) -> dict[str, np.ndarray]:
        return {"phi": np.asarray(fields["phi"]), "U": np.asarray(fields["U"])}
