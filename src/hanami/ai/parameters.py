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


def _model_value(key: str, name: str) -> Callable[[Any, Any, Fields, dict[str, jax.Array]], tuple[Any, Fields]]:
    """Replace the model's attribute `name` (held as a value, not static) by the parameter."""
    def apply(case: Any, model: Any, fields: Fields, values: dict[str, jax.Array]) -> tuple[Any, Fields]:
        return eqx.tree_at(lambda m: getattr(m, name), model, values[key]), fields
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


PARAMETERS: dict[str, dict[str, Parameter]] = {
    "phasefield": {
        "model.kappa": Parameter("model.kappa", "1", lambda c: c.model.kappa, _model_value("model.kappa", "kappa")),
        "model.mobility": Parameter("model.mobility", "1", lambda c: c.model.mobility,
                                    _model_value("model.mobility", "mobility")),
    },
    "climate": {
        "initial.mountain_height": Parameter("initial.mountain_height", "m", lambda c: c.initial.mountain_height,
                                             _climate_tc5, _tc5),
        "initial.u0": Parameter("initial.u0", "m s-1", _u0, _climate_tc5, _tc5),
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
