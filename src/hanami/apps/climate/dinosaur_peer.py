"""Peer code for the climate suite: dinosaur's spectral shallow-water model on the shipped cases.

dinosaur (google-research/dinosaur, Hoyer et al.; the dynamical core of
NeuralGCM) is a JAX spectral model. Its `shallow_water.ShallowWaterEquations`
solves the same vorticity-divergence equations as `hanami.apps.climate.model`
with prognostic potential g h' (h' = depth - H) and the orography g hs in the
pressure term. The peer run uses, as hanami's shipped case (`williamson-tc5` for the
timings; `williamson-tc6` and `galewsky` too for the cross-code references of
`peer_references`):

* the same Gaussian grid (nlon x nlat of `SphereGrid.T(T)`) and triangular
  truncation T (dinosaur keeps one extra total wavenumber that it clips from the
  state and from every tendency, and from u cos(phi), whose exact degree T + 1
  part hanami keeps: the two models differ at the truncation scale, not only by
  round-off);
* the same initial state: the case's `hanami.apps.climate.build.INITIAL` function
  evaluated on dinosaur's nodes, transformed by dinosaur's own transforms, with the
  same mean depth H (Gaussian-quadrature mean of the depth; 10 km for Galewsky's
  jet, as the paper prescribes) and the same planet;
* the same time scheme: dinosaur's `semi_implicit_leapfrog` (implicit weight
  1/2) at dt = 900 s with, as step filters in dinosaur's filter interface, the
  case's implicit del^4 hyperdiffusion on vorticity and divergence and the
  Robert-Asselin-Williams filter (dinosaur ships the Robert-Asselin filter;
  the RAW variant is three lines here, `raw_leapfrog_filter`), and a first
  semi-implicit forward step of dt, as hanami's first step;
* the same precision: float32 runs are traced with JAX's x64 mode off (dinosaur
  keeps its basis matrices in NumPy float64, which x64 mode, on in hanami,
  would promote the whole model to).

Timing as hanami's throughput records: one compiled `repeated` trajectory of
`steps` steps (dinosaur's `time_integration.repeated` under `jax.jit`), compile
timed apart, a warm-up of `chunk` steps (the forward start included), then
`repeats` timed calls; the median counts. SYPD = dt / (s per step) / 365.
"""

from __future__ import annotations

import importlib.util
import statistics
import time
from pathlib import Path
from typing import Any, Callable

import jax
import numpy as np

from hanami.apps.base import LoadedCase, Peer, PeerSettings
from hanami.apps.climate.build import INITIAL
from hanami.apps.climate.case import ClimateCase
from hanami.config import apply_overrides, read_toml, validate_case

CASES = Path(__file__).parent / "cases"
SHIPPED = CASES / "williamson-tc5.toml"

CODE = "dinosaur"
# dinosaur's faster transforms on this project's 2-core CPU (T63 float32: 2.9 ms per step against
# 3.9 ms with its default `RealSphericalHarmonics`, 2026-11): the peer runs in its best configuration.
HARMONICS = "FastSphericalHarmonics"


def dinosaur_available() -> bool:
    """Whether dinosaur can be imported."""
    return importlib.util.find_spec("dinosaur") is not None


def shipped_case(name: str, overrides: list[str] = ()) -> ClimateCase:
    """A shipped climate case (read from the app's own case file) with `overrides` applied."""
    path = CASES / f"{name}.toml"
    return validate_case(ClimateCase, apply_overrides(read_toml(path), list(overrides)), str(path))


def shipped_tc5(truncation: int) -> ClimateCase:
    """The shipped TC5 case at truncation T."""
    return shipped_case("williamson-tc5", [f"grid.truncation={truncation}"])


def raw_leapfrog_filter(nu: float, alpha: float) -> Callable[[Any, Any], Any]:
    """The Robert-Asselin-Williams filter (Williams 2009) as a dinosaur leapfrog step filter.

    With d = nu/2 (previous - 2 current + future): current += alpha d and
    future -= (1 - alpha) d; alpha = 1 is dinosaur's `robert_asselin_leapfrog_filter(nu / 2)`.
    """

    def _filter(u: Any, u_next: Any) -> Any:
        previous, current = u
        _, future = u_next
        d = jax.tree.map(lambda p, c, f: 0.5 * nu * (p - 2 * c + f), previous, current, future)
        return (jax.tree.map(lambda c, x: c + alpha * x, current, d),
                jax.tree.map(lambda f, x: f - (1 - alpha) * x, future, d))

    return _filter


class TC5:
    """dinosaur's shallow-water model on a hanami case (TC5 unless `case` is given) at truncation T in
    `precision`.

    Build and run it inside `self.x64()` (x64 mode on for float64, off for float32).

    Attributes:
        grid: dinosaur's `spherical_harmonic.Grid`.
        shape: [nlat, nlon] (hanami's order; dinosaur's nodal arrays are [nlon, nlat]).
        start: jitted first step (semi-implicit forward step of dt), state -> state.
        step: the leapfrog step with hyperdiffusion and RAW filter (not jitted).
        initial: the leapfrog state (x0, x0), modal, in the run dtype.
    """

    def __init__(self, truncation: int, precision: str, dt: float | None = None, harmonics: str = HARMONICS,
                 case: ClimateCase | None = None) -> None:
        from dinosaur import coordinate_systems, layer_coordinates, scales, shallow_water, spherical_harmonic
        from dinosaur import time_integration as ti
        from dinosaur import units as dunits

        cfg = case if case is not None else shipped_tc5(truncation)
        self.truncation, self.precision = truncation, precision
        self.dt = float(dt if dt is not None else cfg.time.dt)
        self.dtype = np.dtype(precision)
        m = cfg.model
        planet = m.planet()
        hanami_grid = cfg.grid.build(planet.radius)
        nlat, nlon = hanami_grid.shape
        self.shape = [int(nlat), int(nlon)]
        self.params = {"raw_nu": m.raw_nu, "raw_alpha": m.raw_alpha, "diffusion_order": m.diffusion_order,
                       "diffusion_time_s": m.diffusion_time, "implicit_alpha": 0.5}
        u_ = scales.units
        specs = dunits.SimUnits.from_si(radius_si=planet.radius * u_.m,
                                        angular_velocity_si=planet.omega / u_.s,
                                        gravity_acceleration_si=planet.gravity * u_.m / u_.s ** 2)
        self.specs = specs
        self.grid = grid = spherical_harmonic.Grid(longitude_wavenumbers=truncation + 1,
                                                   total_wavenumbers=truncation + 2, longitude_nodes=nlon,
                                                   latitude_nodes=nlat, radius=specs.radius,
                                                   spherical_harmonics_impl=getattr(spherical_harmonic, harmonics))
        coords = coordinate_systems.CoordinateSystem(grid, layer_coordinates.LayerCoordinates(1))
        velocity = float(specs.nondimensionalize(1.0 * u_.m / u_.s))
        self._potential_scale = float(specs.nondimensionalize(1.0 * u_.m ** 2 / u_.s ** 2))  # per m^2/s^2
        g = planet.gravity

        # Initial state and orography in float64 (x64 on), then cast to the run dtype.
        lon, sin_lat = grid.nodal_mesh
        u, v, h, hs = INITIAL[cfg.initial.kind](cfg, lon, np.arcsin(sin_lat), planet)
        depth = h - hs
        weights = grid.quadrature_weights
        mean = float(np.sum(depth * weights) / np.sum(weights))
        # Galewsky et al. set the constant of the balanced height so that the mean is 10 km (as hanami).
        self.mean_depth = 10000.0 if cfg.initial.kind == "galewsky" else mean
        with jax.enable_x64(True):
            vor, div = spherical_harmonic.uv_nodal_to_vor_div_modal(grid, u * velocity, v * velocity)
            phi = grid.clip_wavenumbers(grid.to_modal(g * (depth - mean) * self._potential_scale))
            orography = grid.clip_wavenumbers(grid.to_modal(g * hs * self._potential_scale))
            self.orography_nodal = np.asarray(grid.to_nodal(orography), np.float64) / (g * self._potential_scale)
            state = [np.asarray(x, np.float64) for x in (vor, div, phi)]
        cast = lambda x: np.asarray(x, self.dtype)  # noqa: E731
        x0 = shallow_water.State(*(cast(x)[np.newaxis] for x in state))
        self.initial = (x0, x0)
        self._g = g
        equation = shallow_water.ShallowWaterEquations(
            coords, specs, cast(orography), np.array([g * self.mean_depth * self._potential_scale], self.dtype))

        # Implicit hyperdiffusion of vorticity and divergence, as hanami: factor 1 / (1 + tau rate_n),
        # rate_n = [n (n+1) / (T (T+1))]^(p/2) / diffusion_time, tau the step span (2 dt leapfrog, dt start).
        _, total = grid.modal_mesh
        ratio = total * (total + 1) / (truncation * (truncation + 1))
        rate = (ratio ** (m.diffusion_order / 2) / m.diffusion_time if m.diffusion_time
                else np.zeros_like(ratio, dtype=np.float64))

        def diffusion(span: float) -> Callable[[Any], Any]:
            factor = cast(1.0 / (1.0 + span * rate))
            return lambda s: shallow_water.State(s.vorticity * factor, s.divergence * factor, s.potential)

        dt_nd = float(specs.nondimensionalize(self.dt * u_.s))
        leapfrog = ti.semi_implicit_leapfrog(equation, dt_nd, alpha=0.5)
        self.step = ti.step_with_filters(leapfrog, [ti.leapfrog_step_filter(diffusion(2 * self.dt)),
                                                    raw_leapfrog_filter(m.raw_nu, m.raw_alpha)])
        # A leapfrog step of dt/2 from (x0, x0) is the semi-implicit forward step of dt.
        forward = ti.semi_implicit_leapfrog(equation, 0.5 * dt_nd, alpha=0.5)
        self.start = jax.jit(ti.step_with_filters(forward, [ti.leapfrog_step_filter(diffusion(self.dt))]))

    def x64(self) -> Any:
        """The x64 mode the run needs (a context manager)."""
        return jax.enable_x64(self.precision == "float64")

    def trajectory(self, steps: int) -> Callable[[Any], Any]:
        """`steps` leapfrog steps, jitted (dinosaur's `repeated`)."""
        from dinosaur import time_integration as ti

        return jax.jit(ti.repeated(self.step, steps))

    def height(self, state: Any) -> np.ndarray:
        """Free-surface height h = H + h' + hs [m] of the current level, [nlat, nlon], latitudes ascending."""
        _, current = state
        with jax.enable_x64(True):
            phi = np.asarray(self.grid.to_nodal(np.asarray(current.potential, np.float64)), np.float64)[0]
        h = self.mean_depth + phi / (self._g * self._potential_scale) + self.orography_nodal
        return h.T

    def vorticity(self, state: Any) -> np.ndarray:
        """Relative vorticity [1/s] of the current level, [nlat, nlon], latitudes ascending."""
        from dinosaur import scales

        _, current = state
        per_second = float(self.specs.nondimensionalize(1.0 / scales.units.s))
        with jax.enable_x64(True):
            zeta = np.asarray(self.grid.to_nodal(np.asarray(current.vorticity, np.float64)), np.float64)[0]
        return zeta.T / per_second


def run_tc5(loaded: LoadedCase, settings: PeerSettings) -> dict[str, Any]:
    """Time dinosaur on the loaded TC5 case (its truncation) in `settings.precision`, as bench times hanami.

    Runs `settings.chunk` steps of warm-up (the forward start among them) and
    `settings.repeats` x `settings.steps` timed steps: the final state is at the
    same time as hanami's throughput run with the same settings.

    Returns:
        The `peer` record's figures (code "dinosaur"): compile_s (the timed trajectory's
        compile), per_repeat_s, time_per_step_s (median), sypd, run_s (all
        timed repeats) and `final` (time, rms_h, h_min, h_max, finite).
    """
    import dinosaur

    truncation, precision = loaded.case.grid.truncation, settings.precision
    steps, repeats, chunk = settings.steps, settings.repeats, settings.chunk
    model = TC5(truncation, precision, case=loaded.case)
    with model.x64():
        state = jax.block_until_ready(model.start(model.initial))
        if chunk > 1:
            state = jax.block_until_ready(model.trajectory(chunk - 1)(state))
        run = model.trajectory(steps)
        start = time.perf_counter()
        compiled = run.lower(state).compile()
        compile_s = time.perf_counter() - start
        per_step = []
        for _ in range(repeats):
            start = time.perf_counter()
            state = jax.block_until_ready(compiled(state))
            per_step.append((time.perf_counter() - start) / steps)
        leaves = jax.tree.leaves(state)
        assert all(leaf.dtype == model.dtype for leaf in leaves), [leaf.dtype for leaf in leaves]
    h = model.height(state)
    median = statistics.median(per_step)
    points = model.shape[0] * model.shape[1]
    p = model.params
    return {
        "code_version": dinosaur.__version__, "case": loaded.case.name, "resolution": model.shape, "truncation": truncation,
        "grid_points": points, "precision": precision, "devices": 1, "processes": 1, "bytes_per_update": None,
        "method": {"summary": (f"spectral T{truncation} ({type(model.grid.spherical_harmonics).__name__}), "
                               f"semi-implicit leapfrog dt={model.dt:g} s, RAW nu={p['raw_nu']:g} "
                               f"alpha={p['raw_alpha']:g}, del^{p['diffusion_order']} diffusion "
                               f"{(p['diffusion_time_s'] or 0) / 3600:g} h"),
                   "equations": "shallow_water.ShallowWaterEquations", "stepper": "semi_implicit_leapfrog",
                   "filters": ["hyperdiffusion (implicit, vorticity and divergence)", "robert-asselin-williams"],
                   "spherical_harmonics": type(model.grid.spherical_harmonics).__name__,
                   "nodal_shape": list(model.grid.nodal_shape), "dt_s": model.dt, **p},
        "stop_time": None,
        "compile_s": compile_s,
        "warmup_steps": chunk, "steps": steps, "repeats": repeats, "per_repeat_s": per_step,
        "time_per_step_s": median,
        "spread": {"min": min(per_step), "max": max(per_step), "relative": (max(per_step) - min(per_step)) / median},
        "run_s": sum(per_step) * steps,
        "updates_per_s": points / median,
        "sypd": model.dt / median / 365.0,
        "final": {"time": (chunk + repeats * steps) * model.dt, "rms_h": float(np.sqrt(np.mean(h ** 2))),
                  "h_min": float(h.min()), "h_max": float(h.max()), "finite": bool(np.all(np.isfinite(h)))},
    }


def compare_with_hanami(peer: dict[str, Any], records: list[dict[str, Any]]) -> None:
    """Add to `peer` hanami's figures on the same truncation and precision and the speed ratio.

    `ratio_to_hanami` {precision: hanami SYPD / dinosaur SYPD} (= dinosaur s per
    step over hanami's; above 1 hanami is faster, the meaning the py-pde ratio has);
    `hanami` {precision: {sypd, time_per_step_s, compile_s, rms_h, time}} from the
    climate throughput record of the same truncation, grid and precision.
    """
    peer["ratio_to_hanami"], peer["hanami"] = {}, {}
    for r in records:
        if (r.get("app") == "climate" and r.get("kind") == "throughput" and r.get("case") == peer["case"]
                and r.get("truncation") == peer["truncation"] and r["resolution"] == peer["resolution"]
                and r["precision"] == peer["precision"] and r.get("devices", 1) == 1):
            peer["ratio_to_hanami"][r["precision"]] = r["sypd"] / peer["sypd"]
            peer["hanami"][r["precision"]] = {
                "sypd": r["sypd"], "time_per_step_s": r["time_per_step_s"], "compile_s": r["compile_s"],
                "rms_h": r["final"]["rms_h"], "time": r["final"]["time"]}


DINOSAUR = Peer(code=CODE, requirement="dinosaur", available=lambda: dinosaur_available(), run=run_tc5,
                compare=compare_with_hanami)
