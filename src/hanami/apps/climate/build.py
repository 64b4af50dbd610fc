"""A shallow-water model and its initial fields from a case (float64 on the host, then the run's precision)."""

from __future__ import annotations

import dataclasses

import equinox as eqx
import jax
import numpy as np

from hanami.apps.climate import initial as ic
from hanami.apps.climate.case import ClimateCase
from hanami.apps.climate.model import ShallowWater
from hanami.core.sphere import SphereGrid


def initial_grid_fields(case: ClimateCase, grid: SphereGrid) -> tuple[np.ndarray, ...]:
    """u, v [m/s], free-surface height h [m] and orography hs [m] on the grid, float64."""
    lon, lat = grid.mesh()
    planet = case.model.planet()
    return INITIAL[case.initial.kind](case, lon, lat, planet)


def _williamson5(case: ClimateCase, lon: np.ndarray, lat: np.ndarray, planet: ic.Planet) -> tuple[np.ndarray, ...]:
    u0 = 20.0 if case.initial.u0 is None else case.initial.u0
    return ic.williamson5(lon, lat, planet, u0=u0, mountain=case.initial.mountain_height)


# The initial fields of each `initial.kind`: (case, lon, lat, planet) -> u, v, h, hs.
INITIAL = {
    "williamson-2": lambda case, lon, lat, planet: ic.williamson2(lon, lat, planet, alpha=case.initial.alpha,
                                                                  u0=case.initial.u0),
    "williamson-5": _williamson5,
    "williamson-6": lambda case, lon, lat, planet: ic.williamson6(lon, lat, planet),
    "galewsky": lambda case, lon, lat, planet: ic.galewsky(lon, lat, planet, perturbation=case.initial.perturbation),
}


def build_model(case: ClimateCase) -> tuple[ShallowWater, dict[str, jax.Array]]:
    """The model (with its t = 0 invariants as reference) and the initial fields."""
    planet = case.model.planet()
    grid = case.grid.build(planet.radius)
    u, v, h, hs = initial_grid_fields(case, grid)
    depth = h - hs
    weights = grid.area_weights()
    mean_depth = float(np.sum(depth * weights) / np.sum(weights))
    m = case.model
    model = ShallowWater.create(grid, planet, mean_depth, case.time.dt, dtype=case.precision, raw_nu=m.raw_nu,
                                raw_alpha=m.raw_alpha, diffusion_order=m.diffusion_order,
                                diffusion_time=m.diffusion_time, orography=hs,
                                axis_tilt=case.initial.alpha, scheme=m.scheme)
    spectral = model.spectral_state(u, v, depth)
    if case.initial.kind == "galewsky":
        # Galewsky et al. set the constant so that the global mean height is 10 km.
        spectral["h"][0, 0] = 0.0
        model = dataclasses.replace(model, mean_depth=10000.0)
    fields = model.initial_fields(spectral)
    reference = tuple(float(x) for x in _invariants(model, fields))
    return dataclasses.replace(model, reference=reference), fields


@eqx.filter_jit
def _invariants(model: ShallowWater, fields: dict[str, jax.Array]) -> tuple[jax.Array, ...]:
    return model.invariants(fields)
