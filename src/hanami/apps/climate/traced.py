"""Test 5's model and initial state as JAX functions of u0 and the mountain height.

`build_model` makes them once with NumPy; differentiating a run with respect to
u0 [m/s] or the mountain height [m] needs the same construction traced by JAX:
the analytic fields on the grid, their spherical-harmonic projection, the
orography forcing and the mean depth of the semi-implicit terms.
"""

from __future__ import annotations

from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from hanami.apps.climate import initial as ic
from hanami.core.harmonics import SphericalHarmonics

Fields = dict[str, jax.Array]


def tc5_model_and_fields(case: Any, model: Any, u0: jax.Array, mountain: jax.Array) -> tuple[Any, Fields]:
    """The model (orography, its forcing, mean depth) and initial fields of TC5 for u0 [m/s], mountain [m]."""
    grid = model.grid
    planet = case.model.planet()
    lon, lat = grid.mesh()
    u, v, h, hs = ic.williamson5(lon, lat, planet, u0=u0, mountain=mountain)
    sh64 = SphericalHarmonics.create(grid, "float64")
    hs_spectral = sh64.to_spectral(jnp.asarray(hs, jnp.float64))
    depth = h - hs
    weights = grid.area_weights()
    mean_depth = jnp.sum(depth * weights) / np.sum(weights)
    cos = np.sqrt(1 - grid.mu ** 2)[:, None]
    vor, div = sh64.vorticity_divergence(jnp.asarray(u * cos), jnp.asarray(v * cos))
    height = sh64.to_spectral(jnp.asarray(depth)).at[0, 0].add(-mean_depth * np.sqrt(2.0))
    real, complex_ = model.sh.real_dtype, model.sh.complex_dtype
    model = eqx.tree_at(lambda m: (m.mean_depth, m.orography, m.orography_forcing), model,
                        (mean_depth.astype(real), sh64.to_grid(hs_spectral).astype(real),
                         (planet.gravity * sh64.eigen * hs_spectral).astype(complex_)))
    return model, model.initial_fields({"vor": vor, "div": div, "h": height})
