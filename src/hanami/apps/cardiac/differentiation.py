"""The cardiac app's differentiable parameters and observables (`hanami.ai`, `hanami calibrate`)."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from hanami.apps.base import Differentiation, Parameter, replace_at, value_at
from hanami.apps.base.ai import Fields
from hanami.apps.cardiac.diffusion import conductivity_to_diffusivity
from hanami.apps.cardiac.tp06 import TP06


def _uniform_tissue(case: Any) -> str | None:
    if getattr(case.grid, "lengths", None) is None:
        return "applies to tissue cases (with a grid), not to a single cell"
    if case.model.fibre_field != "uniform":
        return f"applies to uniform fibres only, not model.fibre_field = {case.model.fibre_field!r}"
    return None


def _tissue(case: Any) -> str | None:
    return None if getattr(case.grid, "lengths", None) is not None else "applies to tissue cases only"


def _conductivities(case: Any, model: Any, fields: Fields, values: dict[str, jax.Array]) -> tuple[Any, Fields]:
    """The constant diffusion tensor from sigma_l, sigma_t [S/m] (the case's, unless parameters)."""
    m = case.model
    sigma_l = values.get("model.sigma_l", jnp.asarray(m.sigma_l, jnp.float64))
    sigma_t = values.get("model.sigma_t", jnp.asarray(m.sigma_t, jnp.float64))
    d_long, d_trans = (conductivity_to_diffusivity(s, m.chi, m.cm) for s in (sigma_l, sigma_t))
    f = np.asarray(m.fibre, np.float64)
    f = f / np.linalg.norm(f)
    tensor = d_trans * jnp.eye(f.size) + (d_long - d_trans) * jnp.asarray(np.outer(f, f))
    return replace_at(model, ("tensor", "values"), tensor), fields


DIFFERENTIATION = Differentiation(
    parameters={
        "model.sigma_l": Parameter("model.sigma_l", "S m-1", lambda c: c.model.sigma_l, _conductivities,
                                   _uniform_tissue),
        "model.sigma_t": Parameter("model.sigma_t", "S m-1", lambda c: c.model.sigma_t, _conductivities,
                                   _uniform_tissue),
        # TP06's fast sodium conductance: a parameter of the model, not a case key.
        "ionic.g_Na": Parameter("ionic.g_Na", "nS pF-1", lambda c: TP06.g_Na, value_at("ionic.g_Na", "ionic", "g_Na"),
                                _tissue),
    },
    # activation_time: the 0 mV crossing interpolated linearly between steps, so it is
    # differentiable in the state wherever a node has activated.
    observables=lambda model, fields: {"V": fields["V"], "activation_time": fields["activation"]},
)
