"""The case parameters each app can be differentiated with respect to.

A parameter maps a dotted case key to a differentiable change of the built
model and initial fields: `apply(case, model, fields, value)` returns them as
JAX functions of `value`, so gradients flow from the final state back to it.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from hanami.apps.cardiac.tp06 import TP06
from hanami.errors import CaseError

Fields = dict[str, jax.Array]


@dataclasses.dataclass(frozen=True)
class Parameter:
    """One differentiable case key.

    Attributes:
        key: the dotted case key.
        units: its unit.
        value: the key's value in a case.
        apply: `(case, model, fields, values) -> (model, fields)`, differentiable in
            `values[key]`; `values` holds every parameter of the run (keys that build
            the same fields read each other's values there).
        applies: None when the key applies to this case, else why not.
    """

    key: str
    units: str
    value: Callable[[Any], float]
    apply: Callable[[Any, Any, Fields, dict[str, jax.Array]], tuple[Any, Fields]]
    applies: Callable[[Any], str | None] = lambda case: None


def _value_at(key: str, *path: str) -> Callable[[Any, Any, Fields, dict[str, jax.Array]], tuple[Any, Fields]]:
    """Replace the model's attribute at `path` (held as a value, not static) by the parameter `key`."""
    def where(model: Any) -> Any:
        for name in path:
            model = getattr(model, name)
        return model

    def apply(case: Any, model: Any, fields: Fields, values: dict[str, jax.Array]) -> tuple[Any, Fields]:
        return eqx.tree_at(where, model, values[key]), fields
    return apply


def _tc5(case: Any) -> str | None:
    return None if case.initial.kind == "williamson-5" else \
        f"applies to initial.kind = 'williamson-5' (TC5) only, not {case.initial.kind!r}"


def _climate_tc5(case: Any, model: Any, fields: Fields, values: dict[str, jax.Array]) -> tuple[Any, Fields]:
    """TC5's model and fields rebuilt from u0 and the mountain height (the case's, unless a parameter)."""
    from hanami.apps.climate.traced import tc5_model_and_fields

    u0 = values.get("initial.u0", jnp.asarray(_u0(case), jnp.float64))
    mountain = values.get("initial.mountain_height", jnp.asarray(case.initial.mountain_height, jnp.float64))
    return tc5_model_and_fields(case, model, u0, mountain)


def _u0(case: Any) -> float:
    return 20.0 if case.initial.u0 is None else case.initial.u0


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
    d_long, d_trans = (100.0 * s / (m.chi * m.cm) for s in (sigma_l, sigma_t))
    f = np.asarray(m.fibre, np.float64)
    f = f / np.linalg.norm(f)
    tensor = d_trans * jnp.eye(f.size) + (d_long - d_trans) * jnp.asarray(np.outer(f, f))
    return eqx.tree_at(lambda mod: mod.tensor.values, model, tensor), fields


PARAMETERS: dict[str, dict[str, Parameter]] = {
    "phasefield": {
        "model.kappa": Parameter("model.kappa", "1", lambda c: c.model.kappa, _value_at("model.kappa", "kappa")),
        "model.mobility": Parameter("model.mobility", "1", lambda c: c.model.mobility,
                                    _value_at("model.mobility", "mobility")),
    },
    "climate": {
        "initial.mountain_height": Parameter("initial.mountain_height", "m", lambda c: c.initial.mountain_height,
                                             _climate_tc5, _tc5),
        "initial.u0": Parameter("initial.u0", "m s-1", _u0, _climate_tc5, _tc5),
    },
    "cardiac": {
        "model.sigma_l": Parameter("model.sigma_l", "S m-1", lambda c: c.model.sigma_l, _conductivities,
                                   _uniform_tissue),
        "model.sigma_t": Parameter("model.sigma_t", "S m-1", lambda c: c.model.sigma_t, _conductivities,
                                   _uniform_tissue),
        "ionic.g_Na": Parameter("ionic.g_Na", "nS pF-1", lambda c: TP06.g_Na,
                                _value_at("ionic.g_Na", "ionic", "g_Na"),
                                _tissue),
    },
}


def setters_for(app: str, case: Any, keys: list[str], source: str) -> dict[str, Parameter]:
    """The parameters `keys` of `app`, checked against the case; one CaseError for any problem."""
    known = PARAMETERS.get(app, {})
    unknown = [k for k in keys if k not in known]
    if unknown:
        allowed = ", ".join(known) or "none yet"
        raise CaseError(f"{source}: cannot differentiate with respect to {', '.join(unknown)}; "
                        f"the {app} app's differentiable parameters are: {allowed}")
    if len(set(keys)) != len(keys):
        raise CaseError(f"{source}: a parameter is named twice in {keys}")
    for key in keys:
        reason = known[key].applies(case)
        if reason:
            raise CaseError(f"{source}: parameter {key} {reason}")
    return {k: known[k] for k in keys}


def _climate_observables(model: Any, fields: Fields) -> Fields:
    return {k: v for k, v in model.physical(fields).items() if k in ("h", "u", "v", "vorticity")}


# The output fields of each app as JAX functions of the model and its state (what observations observe).
OBSERVABLES: dict[str, Callable[[Any, Fields], Fields]] = {
    "phasefield": lambda model, fields: {"c": fields["c"]},
    "climate": _climate_observables,
    # activation_time: the 0 mV crossing interpolated linearly between steps, so it is
    # differentiable in the state wherever a node has activated.
    "cardiac": lambda model, fields: {"V": fields["V"], "activation_time": fields["activation"]},
}
