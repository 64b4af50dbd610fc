"""Cases to runnable parts: one builder per `model.kind` of the phase-field app."""

from __future__ import annotations

from typing import Callable

import jax.numpy as jnp
import numpy as np

from hanami.apps.base import Built
from hanami.apps.phasefield.case import PhaseFieldCase
from hanami.apps.phasefield.dendrite import Dendrite
from hanami.apps.phasefield.model import CahnHilliard
from hanami.core.grid import BoxGrid
from hanami.apps.phasefield.allen_cahn import AllenCahn
from hanami.apps.phasefield.manufactured import Manufactured
from hanami.apps.phasefield.nucleation import Nuclei, critical_radius, draw, seeded_field
from hanami.apps.phasefield.ostwald import OstwaldRipening
from hanami.core.integrate import Attempt, adaptive, fixed_step, step_doubling
from hanami.core.output import FieldLayout
from hanami.core.state import State

AXES = ("x", "y", "z")
SCALAR_ATTRS = {
    "free_energy": {"long_name": "total free energy F", "units": "1"},
    "time": {"units": "1"},
}


def _layout(grid: BoxGrid, attrs: dict[str, dict[str, str]]) -> FieldLayout:
    dims = AXES[: grid.ndim]
    coords = {d: (grid.axis(i), {"long_name": f"{d} coordinate", "units": "1"}) for i, d in enumerate(dims)}
    periods = {d: grid.lengths[i] for i, d in enumerate(dims)} if grid.boundary == "periodic" else {}
    return FieldLayout(dims, coords, {**SCALAR_ATTRS, **attrs}, periods=periods)


def cahn_hilliard(case: PhaseFieldCase) -> CahnHilliard:
    m = case.model
    return CahnHilliard(grid=case.grid.build(), kappa=m.kappa, mobility=m.mobility, rho_s=m.rho_s,
                        c_alpha=m.c_alpha, c_beta=m.c_beta, stabilisation=m.resolved_stabilisation(),
                        dtype=case.precision)


def build_cahn_hilliard(case: PhaseFieldCase) -> Built:
    """BM1: c from the initial table; adaptive step doubling or a fixed first/second-order step."""
    model = cahn_hilliard(case)
    c0 = jnp.asarray(case.initial.build(model.grid), dtype=case.precision)
    attrs = {
        "c": {"long_name": "composition", "units": "1"},
        "mass": {"long_name": "mean composition", "units": "1"},
        "c_min": {"long_name": "minimum of c", "units": "1"},
        "c_max": {"long_name": "maximum of c", "units": "1"},
    }

    def attempt_for(model: CahnHilliard) -> Attempt:
        if case.time.adaptive:
            return adaptive(model.estimate, tolerance=case.time.tolerance, dt_min=case.time.dt_min,
                            dt_max=case.time.dt_max, error_order=1, safety=case.time.safety)
        if case.time.order == 2:
            return fixed_step(lambda fields, dt: model.estimate(fields, dt)[0])
        return fixed_step(model.step)

    return Built(model=model, state=State.start({"c": c0}, dt=case.time.dt), attempt=attempt_for(model),
                 layout=_layout(model.grid, attrs), attempt_for=attempt_for)


def dendrite(case: PhaseFieldCase) -> Dendrite:
    m = case.model
    return Dendrite(grid=case.grid.build(), w0=m.w0, tau0=m.tau0, eps4=m.eps4, diffusivity=m.diffusivity,
                    coupling=m.resolved_coupling(), stencil=m.stencil, u_substeps=m.u_substeps,
                    dtype=case.precision)


def build_dendrite(case: PhaseFieldCase) -> Built:
    """BM3: phi and U from the seed; forward Euler at `time.dt`, refused above the stability limit."""
    model = dendrite(case)
    phi_limit, u_limit = model.stable_limits()
    if case.time.dt > model.stable_dt():
        raise ValueError(f"time.dt = {case.time.dt:g} exceeds the forward-Euler stability limit of grid spacing "
                         f"{model.h:g} with the {model.stencil} stencil: phi needs dt <= {phi_limit:.4g}, U needs "
                         f"dt / model.u_substeps <= {u_limit:.4g} (model.u_substeps = {model.u_substeps}); "
                         f"set time.dt <= {model.stable_dt():.4g}")
    phi0, u0 = case.initial.build(model.grid, case.model.w0)
    fields = {"phi": jnp.asarray(phi0, case.precision), "U": jnp.asarray(u0, case.precision)}
    attrs = {
        "phi": {"long_name": "order parameter phi (+1 solid, -1 liquid)", "units": "1"},
        "U": {"long_name": "dimensionless undercooling U", "units": "1"},
        "solid_fraction": {"long_name": "solid fraction: mean of (1 + phi) / 2", "units": "1"},
        "tip_position": {"long_name": "x of the phi = 0 crossing along y = 0", "units": "1"},
        "tip_velocity": {"long_name": "speed of the tip along x", "units": "1"},
        "enthalpy": {"long_name": "mean of U - phi / 2 (conserved)", "units": "1"},
        "U_min": {"long_name": "minimum of U", "units": "1"},
        "U_max": {"long_name": "maximum of U", "units": "1"},
    }

    def attempt_for(model: Dendrite) -> Attempt:
        return fixed_step(model.step)

    return Built(model=model, state=State.start(fields, dt=case.time.dt), attempt=attempt_for(model),
                 layout=_layout(model.grid, attrs), attempt_for=attempt_for)


def ostwald(case: PhaseFieldCase) -> OstwaldRipening:
    m = case.model
    return OstwaldRipening(grid=case.grid.build(), count=m.order_parameters, kappa_c=m.kappa_c,
                           kappa_eta=m.kappa_eta, mobility=m.mobility, relaxation=m.relaxation, rho2=m.rho2, w=m.w,
                           alpha=m.alpha, c_alpha=m.c_alpha, c_beta=m.c_beta,
                           stabilisation=m.resolved_stabilisation(), dtype=case.precision)


def build_ostwald(case: PhaseFieldCase) -> Built:
    """BM2: c and eta_i from the initial table; adaptive step doubling or a fixed first/second-order step."""
    model = ostwald(case)
    c0, etas = case.initial.build(model.grid, model.count)
    fields = {"c": jnp.asarray(c0, case.precision)}
    fields.update({name: jnp.asarray(e, case.precision) for name, e in zip(model.names, etas)})
    attrs = {
        "c": {"long_name": "composition", "units": "1"},
        **{name: {"long_name": f"order parameter {name}", "units": "1"} for name in model.names},
        "bulk_energy": {"long_name": "chemical (bulk) part of F", "units": "1"},
        "gradient_energy": {"long_name": "gradient part of F", "units": "1"},
        "mass": {"long_name": "mean composition", "units": "1"},
        "c_min": {"long_name": "minimum of c", "units": "1"},
        "c_max": {"long_name": "maximum of c", "units": "1"},
    }

    def attempt_for(model: OstwaldRipening) -> Attempt:
        if case.time.adaptive:
            return adaptive(step_doubling(model.step, case.time.order), tolerance=case.time.tolerance,
                            dt_min=case.time.dt_min, dt_max=case.time.dt_max, error_order=1,
                            safety=case.time.safety)
        if case.time.order == 2:
            return fixed_step(lambda fields, dt: step_doubling(model.step, 2)(fields, dt)[0])
        return fixed_step(model.step)

    return Built(model=model, state=State.start(fields, dt=case.time.dt), attempt=attempt_for(model),
                 layout=_layout(model.grid, attrs), attempt_for=attempt_for)


def allen_cahn(case: PhaseFieldCase) -> AllenCahn:
    m, grid = case.model, case.grid
    boundaries = grid.axis_boundaries()
    walls = tuple(tuple(grid.wall_values) if kind == "dirichlet" else None for kind in boundaries)
    manufactured, nuclei = None, None
    if case.initial.kind == "nuclei" and case.initial.until > 0:
        centres, times = draw(case.initial.count, tuple(grid.lengths), case.initial.seed, case.initial.until)
        nuclei = Nuclei(grid=grid.build(), centres=jnp.asarray(centres), times=jnp.asarray(times),
                        radius=seed_radius(case), width=seed_width(case))
    if case.initial.kind == "pfhub-bm7":
        i = case.initial
        manufactured = Manufactured(a1=i.a1, b1=i.b1_over_pi * np.pi, a2=i.a2, b2=i.b2_over_pi * np.pi,
                                    c2=i.c2_over_pi * np.pi, kappa=m.kappa, mobility=m.mobility, w=m.w,
                                    driving_force=m.driving_force)
    return AllenCahn(grid=grid.build(), boundaries=boundaries, walls=walls, kappa=m.kappa, w=m.w,
                     driving_force=m.driving_force, mobility=m.mobility, scheme=m.scheme,
                     manufactured=manufactured, nuclei=nuclei, dtype=case.precision)


def seed_radius(case: PhaseFieldCase) -> float:
    """r0 = initial.radius_over_critical r* [length]."""
    m = case.model
    return case.initial.radius_over_critical * critical_radius(m.kappa, m.w, m.driving_force)


def seed_width(case: PhaseFieldCase) -> float:
    """sqrt(2) l, l = sqrt(kappa / w): the tanh width of a seed's profile [length]."""
    return float(np.sqrt(2 * case.model.kappa / case.model.w))


def _initial_phi(case: PhaseFieldCase, model: AllenCahn) -> np.ndarray:
    if case.initial.kind == "pfhub-bm7":
        x, y = model.grid.mesh()
        return np.asarray(model.manufactured.exact(x, y, 0.0))
    seeds = case.initial
    if seeds.until > 0:  # every seed comes later
        return np.zeros(model.grid.shape)
    if seeds.placement == "centre":
        centres = np.asarray([[length / 2 for length in case.grid.lengths]])
    else:
        centres = draw(seeds.count, tuple(case.grid.lengths), seeds.seed, 0.0)[0]
    return seeded_field(model.grid, centres, seed_radius(case), seed_width(case))


def build_allen_cahn(case: PhaseFieldCase) -> Built:
    """BM7 (phi from the manufactured solution) or BM8 (seeds); IMEX steps of time.dt."""
    model = allen_cahn(case)
    phi0 = _initial_phi(case, model)
    attrs = {
        "phi": {"long_name": "order parameter phi (1 solid, 0 liquid)", "units": "1"},
        "solid_fraction": {"long_name": "solid fraction: mean of phi", "units": "1"},
        "phi_min": {"long_name": "minimum of phi", "units": "1"},
        "phi_max": {"long_name": "maximum of phi", "units": "1"},
    }

    def attempt_for(model: AllenCahn) -> Attempt:
        return fixed_step(model.step, timed=True)

    return Built(model=model, state=State.start({"phi": jnp.asarray(phi0, case.precision)}, dt=case.time.dt),
                 attempt=attempt_for(model), layout=_layout(model.grid, attrs), attempt_for=attempt_for)


# The builder of each `model.kind` (the schema's `model` table is a union tagged by `kind`).
BUILDERS: dict[str, Callable[[PhaseFieldCase], Built]] = {
    "cahn-hilliard": build_cahn_hilliard,
    "dendrite": build_dendrite,
    "ostwald-ripening": build_ostwald,
    "allen-cahn": build_allen_cahn,
}
