"""Allen–Cahn relaxation of a non-conserved order parameter phi (PFHub benchmarks 7 and 8).

    F = integral of [ kappa/2 |grad phi|^2 + w g(phi) - df p(phi) ] dA,
    g = phi^2 (1 - phi)^2,   p = phi^3 (10 - 15 phi + 6 phi^2),
    d phi/dt = -L [ w g'(phi) - df p'(phi) - kappa lap(phi) ] + S(x, t),

phi = 1 solid, 0 liquid; df > 0 favours the solid. S is an optional manufactured source
(`manufactured.Manufactured`, BM7); seeds may be planted during the run (`nucleation`, BM8c). Nondimensional, in the benchmark's units.

Space: the second-order five-point Laplacian with a boundary per axis (`fd_operators`).
Time: an IMEX Runge–Kutta pair (`hanami.core.imex`), L kappa lap_h implicit (solved exactly by
the axis transforms), the rest explicit; the time of each stage rides along as a second state
component with derivative 1, so S is evaluated at each stage's own time and the pair keeps its
order for the forced problem. Schemes: "imex-euler" (order 1), "imex-sil3" (2), "imex-ark3" (3).
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from hanami.apps.phasefield import fd_operators as fd
from hanami.apps.phasefield.manufactured import Manufactured
from hanami.apps.phasefield.nucleation import Nuclei
from hanami.core.grid import BoxGrid
from hanami.core.imex import TABLEAUX, imex_step

Fields = dict[str, jax.Array]


class AllenCahn(eqx.Module):
    """Attributes:
        grid: the box (static); its points are the cell centres (nodes when every axis is periodic).
        boundaries: per axis, "periodic", "no-flux" or "dirichlet" (static).
        walls: per axis, (low, high) values of a Dirichlet wall, else None (static).
        kappa: gradient energy coefficient [energy length^2 ... in benchmark units].
        w: double-well height. driving_force: df. mobility: L.
        scheme: the IMEX pair (static).
        manufactured: the BM7 solution whose source is added, or None.
        nuclei: seeds planted during the run (BM8c), or None.
    """

    grid: BoxGrid = eqx.field(static=True)
    boundaries: tuple[str, ...] = eqx.field(static=True)
    walls: tuple[tuple[float, float] | None, ...] = eqx.field(static=True)
    kappa: float
    w: float
    driving_force: float
    mobility: float
    scheme: str = eqx.field(static=True, default="imex-ark3")
    manufactured: Manufactured | None = None
    nuclei: Nuclei | None = None
    dtype: str = eqx.field(static=True, default="float64")
    blowup: float = eqx.field(static=True, default=1e3)

    # -- physics ---------------------------------------------------------------
    def bulk_energy(self, phi: jax.Array) -> jax.Array:
        return self.w * phi**2 * (1 - phi) ** 2 - self.driving_force * phi**3 * (10 - 15 * phi + 6 * phi**2)

    def bulk_potential(self, phi: jax.Array) -> jax.Array:
        """w g'(phi) - df p'(phi)."""
        return (2 * self.w * phi * (1 - phi) * (1 - 2 * phi)
                - 30 * self.driving_force * phi**2 * (1 - phi) ** 2)

    def gradient_energy_density(self, phi: jax.Array) -> jax.Array:
        """kappa/2 |grad phi|^2 from the face differences (half of each face to each side), walls included."""
        total = jnp.zeros_like(phi)
        for axis, (h, kind) in enumerate(zip(self.grid.spacing, self.boundaries)):
            padded = fd._padded(phi, axis, kind, self.walls[axis])
            faces = jnp.diff(padded, axis=axis) / h
            squares = faces**2
            if kind == "no-flux":
                squares = squares * jnp.asarray(_inner_faces(phi.shape[axis] + 1), phi.dtype).reshape(
                    [-1 if a == axis else 1 for a in range(phi.ndim)])
            n = phi.shape[axis]
            total = total + 0.5 * (jax.lax.slice_in_dim(squares, 0, n, axis=axis)
                                   + jax.lax.slice_in_dim(squares, 1, n + 1, axis=axis))
        return 0.5 * self.kappa * total

    def free_energy(self, phi: jax.Array) -> jax.Array:
        density = self.bulk_energy(phi) + self.gradient_energy_density(phi)
        return jnp.sum(density.astype(jnp.float64)) * self.grid.cell_volume

    def source(self, t: jax.Array) -> jax.Array:
        """S on the grid at time t (zero without a manufactured solution)."""
        if self.manufactured is None:
            return jnp.zeros(self.grid.shape, self.dtype)
        x, y = (jnp.asarray(a, self.dtype) for a in self.grid.mesh())
        return self.manufactured.source(x, y, t.astype(self.dtype))

    # -- time stepping -----------------------------------------------------------
    def step(self, fields: Fields, dt: jax.Array, t: jax.Array) -> Fields:
        """One IMEX step of dt from time t (after planting the seeds due in [t, t + dt))."""
        phi = fields["phi"]
        if self.nuclei is not None:
            phi = self.nuclei.plant(phi, t, dt)
        spacing = self.grid.spacing
        rate = self.mobility * self.kappa
        walls = rate * jnp.asarray(fd.boundary_term(phi.shape, spacing, self.boundaries, self.walls), phi.dtype)
        symbol = jnp.asarray(fd.eigenvalues(phi.shape, spacing, self.boundaries), phi.dtype)

        def explicit(y: tuple[jax.Array, jax.Array]) -> tuple[jax.Array, jax.Array]:
            value, time = y
            return -self.mobility * self.bulk_potential(value) + walls + self.source(time), jnp.ones_like(time)

        def implicit(y: tuple[jax.Array, jax.Array]) -> tuple[jax.Array, jax.Array]:
            return rate * fd.laplacian(y[0], spacing, self.boundaries), jnp.zeros_like(y[1])

        def solve(rhs: tuple[jax.Array, jax.Array], k: float) -> tuple[jax.Array, jax.Array]:
            return fd.solve_helmholtz(rhs[0], k * rate, symbol, self.boundaries).astype(phi.dtype), rhs[1]

        start = (phi, jnp.asarray(t, jnp.float64))
        new, _ = imex_step(start, dt, TABLEAUX[self.scheme], explicit, implicit, solve)
        return {"phi": new.astype(phi.dtype)}

    # -- what the loop reads -------------------------------------------------------
    def diagnostics(self, fields: Fields) -> dict[str, jax.Array]:
        phi = fields["phi"]
        return {"free_energy": self.free_energy(phi), "solid_fraction": jnp.mean(phi.astype(jnp.float64)),
                "phi_min": jnp.min(phi), "phi_max": jnp.max(phi)}

    def healthy(self, fields: Fields) -> jax.Array:
        phi = fields["phi"]
        return jnp.all(jnp.isfinite(phi)) & (jnp.max(jnp.abs(phi)) < self.blowup)

    def bad_field(self, fields: dict[str, np.ndarray]) -> str:
        return "phi"

    def output_fields(self, fields: Fields) -> dict[str, np.ndarray]:
        return {"phi": np.asarray(fields["phi"])}


def _inner_faces(count: int) -> np.ndarray:
    """1 on the interior faces, 0 on the two wall faces (no flux: no gradient there)."""
    weights = np.ones(count)
    weights[[0, -1]] = 0.0
    return weights
