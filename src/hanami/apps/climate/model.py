"""Global shallow water on the rotating sphere, spectral, vorticity-divergence form.

    d zeta/dt = -div[(zeta + f) v],
    d delta/dt = curl[(zeta + f) v] - lap[E + g (h' + hs)],        E = |v|^2 / 2,
    d h'/dt   = -div(h' v) - H delta,

with zeta the relative vorticity [1/s], delta the divergence [1/s], h' = depth - H
the deviation of the fluid depth from its global mean H [m], hs the orography [m]
and f = 2 Omega sin(phi). The free-surface height is H + h' + hs.

The prognostic state is spectral (complex coefficients on the [m, n] layout of
`hanami.core.sphere`); products are formed on the Gaussian grid. The default scheme
is the semi-implicit leapfrog of Hoskins & Simmons (1975), Q. J. R. Meteorol.
Soc. 101, 637-655, doi:10.1002/qj.49710142918: the gravity-wave terms g lap h'
and H delta are averaged between the old and new levels (a 2x2 solve per
degree n), the rest is explicit. The computational mode is damped by the
Robert-Asselin-Williams filter (Williams 2009, Mon. Wea. Rev. 137, 2538-2546,
doi:10.1175/2009MWR2724.1) with parameters nu and alpha (alpha = 1 is the
classical Robert-Asselin filter). Optional hyperdiffusion of order p on
vorticity and divergence, implicit: the coefficient at degree n is
(1/tau) [n (n+1) / (T (T+1))]^(p/2), tau the e-folding time at the truncation.

The state holds both leapfrog levels (`vor`, `div`, `h` and `*_prev`) and the
flag `started`; the first step (started = 0) is a semi-implicit forward step of
dt instead of a leapfrog step of 2 dt.

The IMEX Runge-Kutta schemes (`hanami.core.imex`) hold one level
(`vor`, `div`, `h`). Their implicit part is the same gravity-wave pair plus the
hyperdiffusion (linear and diagonal per degree n, so each stage solve is the
leapfrog's 2x2 solve per n with the damping on its diagonal); the hyperdiffusion
so keeps the order of the pair instead of being split off after the step.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from hanami.core.imex import TABLEAUX, imex_step
from hanami.apps.climate.initial import Planet
from hanami.core.harmonics import SphericalHarmonics
from hanami.core.sphere import SphereGrid

Fields = dict[str, jax.Array]
PROGNOSTIC = ("vor", "div", "h")


def coriolis(grid: SphereGrid, omega: float, tilt: float = 0.0) -> np.ndarray:
    """f [1/s] on the grid for a rotation axis tilted by `tilt` [rad] towards longitude 180 degrees."""
    lon, lat = grid.mesh()
    return 2 * omega * (-np.cos(lon) * np.cos(lat) * np.sin(tilt) + np.sin(lat) * np.cos(tilt))


class ShallowWater(eqx.Module):
    """The spectral shallow-water model on one grid and precision.

    Attributes:
        sh: spherical-harmonic operators (arrays in the run precision).
        planet: a, Omega, g (static).
        mean_depth: H, the reference depth of the semi-implicit terms [m]. It and the
            fields below are values (not static), so ensemble members may differ in them.
        dt: the time step [s] (static; used for the CFL diagnostic).
        raw_nu, raw_alpha: Robert-Asselin-Williams filter strength and split.
        diffusion: hyperdiffusion rate per degree on [m, n] [1/s] (zeros when off).
        coriolis: f on the grid, shape (nlat, nlon) [1/s].
        orography: hs on the grid [m].
        orography_forcing: g n(n+1)/a^2 hs_n^m, the spectral -lap(g hs) [1/s^2].
        reference: mass, energy, potential enstrophy at t = 0 (for relative drifts).
        scheme: "leapfrog-raw" or an IMEX Runge-Kutta tableau name of `imex.TABLEAUX` (static).
    """

    sh: SphericalHarmonics
    planet: Planet = eqx.field(static=True)
    mean_depth: float
    dt: float = eqx.field(static=True)
    raw_nu: float
    raw_alpha: float
    diffusion: jax.Array
    coriolis: jax.Array
    orography: jax.Array
    orography_forcing: jax.Array
    reference: tuple[float, float, float] = (1.0, 1.0, 1.0)
    scheme: str = eqx.field(static=True, default="leapfrog-raw")

    @classmethod
    def create(cls, grid: SphereGrid, planet: Planet, mean_depth: float, dt: float, *, dtype: str = "float64",
               raw_nu: float = 0.2, raw_alpha: float = 0.53, diffusion_order: int = 4,
               diffusion_time: float | None = None, orography: np.ndarray | None = None,
               axis_tilt: float = 0.0, scheme: str = "leapfrog-raw") -> "ShallowWater":
        """Build the model.

        Args:
            orography: hs [m] on the grid; projected on degree <= T in float64.
            axis_tilt: angle [rad] between the rotation axis and the grid's polar axis (Williamson's
                alpha for test 2): f = 2 Omega (-cos(lambda) cos(phi) sin(alpha) + sin(phi) cos(alpha)).
            scheme: "leapfrog-raw" or a key of `imex.TABLEAUX`.
        """
        if scheme != "leapfrog-raw" and scheme not in TABLEAUX:
            raise ValueError(f"unknown scheme {scheme!r}: leapfrog-raw, {', '.join(TABLEAUX)}")
        sh = SphericalHarmonics.create(grid, dtype)
        t = grid.truncation
        n = grid.degrees()
        rate = np.zeros_like(n) if not diffusion_time else (n * (n + 1) / (t * (t + 1))) ** (diffusion_order / 2) / diffusion_time
        hs = np.zeros(grid.shape) if orography is None else np.asarray(orography, np.float64)
        sh64 = SphericalHarmonics.create(grid, "float64")
        hs_spectral = sh64.to_spectral(jnp.asarray(hs))
        hs_grid = np.asarray(sh64.to_grid(hs_spectral))
        forcing = planet.gravity * sh64.eigen * hs_spectral
        cdtype = sh.complex_dtype
        return cls(sh=sh, planet=planet, mean_depth=float(mean_depth), dt=float(dt), raw_nu=raw_nu,
                   raw_alpha=raw_alpha, diffusion=jnp.asarray(rate, dtype),
                   coriolis=jnp.asarray(coriolis(grid, planet.omega, axis_tilt), dtype),
                   orography=jnp.asarray(hs_grid, dtype), orography_forcing=jnp.asarray(forcing, cdtype),
                   scheme=scheme)

    @property
    def grid(self) -> SphereGrid:
        return self.sh.grid

    # -- initial state -------------------------------------------------------------
    def spectral_state(self, u: np.ndarray, v: np.ndarray, depth: np.ndarray) -> dict[str, np.ndarray]:
        """Spectral vor, div [1/s] and h' [m] (float64) from grid winds and fluid depth."""
        sh = SphericalHarmonics.create(self.grid, "float64")
        cos = np.sqrt(1 - self.grid.mu ** 2)[:, None]
        vor, div = sh.vorticity_divergence(jnp.asarray(u * cos), jnp.asarray(v * cos))
        h = sh.to_spectral(jnp.asarray(depth)).at[0, 0].add(-self.mean_depth * np.sqrt(2.0))
        return {"vor": np.array(vor), "div": np.array(div), "h": np.array(h)}

    def initial_fields(self, spectral: dict[str, np.ndarray]) -> Fields:
        """The state from `spectral`; for the leapfrog both levels equal to it, not yet started."""
        cdtype = self.sh.complex_dtype
        fields = {k: jnp.asarray(spectral[k], cdtype) for k in PROGNOSTIC}
        if self.scheme != "leapfrog-raw":
            return fields
        fields.update({f"{k}_prev": jnp.asarray(spectral[k], cdtype) for k in PROGNOSTIC})
        fields["started"] = jnp.zeros((), self.sh.real_dtype)
        return fields

    # -- tendencies ------------------------------------------------------------------
    def grid_state(self, vor: jax.Array, div: jax.Array, h: jax.Array) -> tuple[jax.Array, ...]:
        """zeta [1/s], h' [m], U = u cos(phi), V = v cos(phi) [m/s] on the grid."""
        sh = self.sh
        a = self.grid.radius
        psi, chi = sh.inverse_laplacian(vor), sh.inverse_laplacian(div)
        im = 1j * sh.m
        on_p = sh.legendre_inverse(jnp.stack([vor, h, im * chi, im * psi]), sh.p)
        on_h = sh.legendre_inverse(jnp.stack([psi, chi]), sh.h)
        fourier = jnp.stack([on_p[0], on_p[1], (on_p[2] - on_h[0]) / a, (on_p[3] + on_h[1]) / a])
        grid = sh.fourier_to_grid(fourier)
        return grid[0], grid[1], grid[2], grid[3]

    def explicit_terms(self, vor: jax.Array, div: jax.Array, h: jax.Array) -> tuple[jax.Array, ...]:
        """Tendencies of (vor, div, h') without the implicit gravity-wave terms."""
        sh = self.sh
        zeta, hdev, u_cos, v_cos = self.grid_state(vor, div, h)
        absolute = zeta + self.coriolis
        cos2 = 1 - jnp.asarray(self.grid.mu ** 2, sh.real_dtype)[:, None]
        energy = 0.5 * (u_cos ** 2 + v_cos ** 2) / cos2
        f = sh.grid_to_fourier(jnp.stack([absolute * u_cos, hdev * u_cos, absolute * v_cos, hdev * v_cos, energy]))
        divergence, curl = sh.div_curl_fourier(f[0:2], f[2:4])
        energy_s = sh.legendre_forward(f[4], sh.p, sh.weights)
        return -divergence[0], curl[0] + sh.eigen * energy_s + self.orography_forcing, -divergence[1]

    def implicit_terms(self, vor: jax.Array, div: jax.Array, h: jax.Array) -> tuple[jax.Array, ...]:
        """The IMEX schemes' implicit tendencies: -lap(g h') and -H delta, and the hyperdiffusion."""
        nu = self.diffusion
        return -nu * vor, -nu * div + self.planet.gravity * self.sh.eigen * h, -self.mean_depth * div

    def gravity_solve(self, r_div: jax.Array, r_h: jax.Array, k: jax.Array,
                      damping: jax.Array | float = 0.0) -> tuple[jax.Array, jax.Array]:
        """(div, h') with div (1 + damping) - k lap(g h') = r_div and h' + k H div = r_h, per degree n.

        k [s] is the implicit weight times the step; `damping` is k times the diffusion rate.
        """
        lam = self.planet.gravity * self.sh.eigen
        div = (r_div + k * lam * r_h) / (1 + damping + k * k * self.mean_depth * lam)
        return div, r_h - k * self.mean_depth * div

    def implicit_solve(self, rhs: tuple[jax.Array, ...], k: jax.Array) -> tuple[jax.Array, ...]:
        """Y with Y - k implicit_terms(Y) = rhs, k [s]."""
        damping = k * self.diffusion
        div, h = self.gravity_solve(rhs[1], rhs[2], k, damping)
        return rhs[0] / (1 + damping), div, h

    # -- time step --------------------------------------------------------------------
    def step(self, fields: Fields, dt: jax.Array) -> Fields:
        """One step of dt [s] with the model's scheme."""
        dt = jnp.real(dt).astype(self.sh.real_dtype)
        if self.scheme == "leapfrog-raw":
            return self.leapfrog_step(fields, dt)
        explicit = jax.named_call(lambda y: self.explicit_terms(*y), name="explicit_terms")
        new = imex_step(tuple(fields[k] for k in PROGNOSTIC), dt, TABLEAUX[self.scheme], explicit,
                        lambda y: self.implicit_terms(*y), self.implicit_solve)
        return dict(zip(PROGNOSTIC, new))

    def leapfrog_step(self, fields: Fields, dt: jax.Array) -> Fields:
        """One semi-implicit leapfrog step with the RAW filter (a forward step when not started)."""
        sh, depth = self.sh, self.mean_depth
        started = fields["started"] > 0.5
        tau = jnp.where(started, 2 * dt, dt)
        cur = [fields[k] for k in PROGNOSTIC]
        old = [jnp.where(started, fields[f"{k}_prev"], fields[k]) for k in PROGNOSTIC]
        t_vor, t_div, t_h = jax.named_call(self.explicit_terms, name="explicit_terms")(*cur)
        half = 0.5 * tau
        lam = self.planet.gravity * sh.eigen
        r_div = old[1] + tau * t_div + half * lam * old[2]
        r_h = old[2] + tau * t_h - half * depth * old[1]
        new_div, new_h = self.gravity_solve(r_div, r_h, half)
        new_vor = old[0] + tau * t_vor
        damp = 1 / (1 + tau * self.diffusion)
        new = [new_vor * damp, new_div * damp, new_h]
        out = {}
        for k, o, c, n in zip(PROGNOSTIC, old, cur, new):
            d = jnp.where(started, 0.5 * self.raw_nu * (o - 2 * c + n), 0)
            out[f"{k}_prev"] = c + self.raw_alpha * d
            out[k] = n - (1 - self.raw_alpha) * d
        out["started"] = jnp.ones_like(fields["started"])
        return out

    # -- what the loop reads ------------------------------------------------------------
    def physical(self, fields: Fields) -> dict[str, jax.Array]:
        """Grid fields: zeta [1/s], depth [m], u, v [m/s], free-surface height h [m]."""
        zeta, hdev, u_cos, v_cos = self.grid_state(*(fields[k] for k in PROGNOSTIC))
        cos = jnp.sqrt(1 - jnp.asarray(self.grid.mu ** 2, self.sh.real_dtype))[:, None]
        depth = hdev + self.mean_depth
        return {"vorticity": zeta, "depth": depth, "u": u_cos / cos, "v": v_cos / cos,
                "h": depth + self.orography}

    def invariants(self, fields: Fields) -> tuple[jax.Array, jax.Array, jax.Array]:
        """Total mass [m^3] (volume), total energy [m^5/s^2] (per unit density), potential enstrophy [m^2/s^2]."""
        p = {k: v.astype(jnp.float64) for k, v in self.physical(fields).items()}
        g = self.planet.gravity
        hs = self.orography.astype(jnp.float64)
        mass = self.sh.total(p["depth"])
        energy = self.sh.total(0.5 * p["depth"] * (p["u"] ** 2 + p["v"] ** 2) + g * p["depth"] * (hs + 0.5 * p["depth"]))
        absolute = p["vorticity"] + self.coriolis.astype(jnp.float64)
        enstrophy = self.sh.total(0.5 * absolute ** 2 / p["depth"])
        return mass, energy, enstrophy

    def diagnostics(self, fields: Fields) -> dict[str, jax.Array]:
        p = self.physical(fields)
        mass, energy, enstrophy = self.invariants(fields)
        speed = jnp.sqrt(p["u"] ** 2 + p["v"] ** 2)
        cos = jnp.sqrt(1 - jnp.asarray(self.grid.mu ** 2, self.sh.real_dtype))[:, None]
        dlon, dlat = 2 * np.pi / self.grid.nlon, np.pi / self.grid.nlat
        a = self.grid.radius
        cfl = self.dt * jnp.maximum(jnp.max(jnp.abs(p["u"]) / (a * cos * dlon)), jnp.max(jnp.abs(p["v"])) / (a * dlat))
        m0, e0, z0 = self.reference
        return {"mass": mass, "mass_drift": (mass - m0) / abs(m0), "energy": energy,
                "energy_drift": (energy - e0) / abs(e0), "enstrophy": enstrophy,
                "enstrophy_drift": (enstrophy - z0) / abs(z0), "max_wind": jnp.max(speed).astype(jnp.float64),
                "cfl": cfl.astype(jnp.float64), "h_min": jnp.min(p["h"]).astype(jnp.float64),
                "h_max": jnp.max(p["h"]).astype(jnp.float64)}

    def healthy(self, fields: Fields) -> jax.Array:
        total = sum(jnp.sum(jnp.abs(fields[k])) for k in PROGNOSTIC)
        return jnp.isfinite(total) & (jnp.max(jnp.abs(fields["h"])) < 1e3 * self.mean_depth)

    def bad_field(self, fields: dict[str, np.ndarray]) -> str:
        for k in PROGNOSTIC:
            if not np.all(np.isfinite(fields[k])):
                return {"vor": "vorticity", "div": "divergence"}.get(k, k)
        return "h"

    def output_fields(self, fields: Fields) -> dict[str, np.ndarray]:
        """h [m] (free surface), u, v [m/s], vorticity and divergence [1/s] on the (lat, lon) grid."""
        return {k: np.asarray(v) for k, v in _output(self, fields).items()}


@eqx.filter_jit
def _output(model: ShallowWater, fields: Fields) -> dict[str, jax.Array]:
    p = model.physical(fields)
    out = {k: p[k] for k in ("h", "u", "v", "vorticity")}
    out["divergence"] = model.sh.to_grid(fields["div"])
    return out
