"""The AI side of an app: differentiable parameters, observables, surrogate settings."""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, Literal, Mapping

import equinox as eqx
import jax

Fields = dict[str, jax.Array]
Apply = Callable[[Any, Any, Fields, dict[str, jax.Array]], tuple[Any, Fields]]


def _always(case: Any) -> str | None:
    return None


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
    apply: Apply
    applies: Callable[[Any], str | None] = _always


def replace_at(model: Any, path: tuple[str, ...], value: Any) -> Any:
    """`model` with the attribute at `path` (held as a value, not static) replaced by `value`.

    A copy made with `eqx.tree_at`, so a traced `value` carries gradients into the model.

    Arguments:
        model: an Equinox module (or another pytree with attributes).
        path: attribute names from `model` down, e.g. `("ionic", "g_Na")`.
        value: the new value (a JAX scalar or array).
    """
    def where(node: Any) -> Any:
        for name in path:
            node = getattr(node, name)
        return node

    return eqx.tree_at(where, model, value)


def value_at(key: str, *path: str) -> Apply:
    """A `Parameter.apply` that puts the parameter `key` in the model's attribute at `path`.

    For a parameter that is one attribute of the model, e.g.
    `Parameter("model.kappa", "1", lambda c: c.model.kappa, value_at("model.kappa", "kappa"))`.
    """
    def apply(case: Any, model: Any, fields: Fields, values: dict[str, jax.Array]) -> tuple[Any, Fields]:
        return replace_at(model, path, values[key]), fields

    return apply


@dataclasses.dataclass(frozen=True)
class Differentiation:
    """What `DifferentiableRun` and `hanami calibrate` may use of an app.

    Attributes:
        parameters: the differentiable case keys.
        observables: `(model, fields) -> fields`: the output fields as JAX functions of the
            prognostic state (what observations observe), differentiable.
    """

    parameters: Mapping[str, Parameter]
    observables: Callable[[Any, Fields], Fields]


@dataclasses.dataclass(frozen=True)
class SurrogateSettings:
    """How `hanami train-surrogate` learns this app's step.

    Attributes:
        domain: "box" (Fourier neural operator) or "sphere" (spherical, on the app's transforms).
        mirror_symmetric: the dynamics are unchanged by mirroring the grid, so mirrored
            training pairs are valid (`--augment`, on by default then).
    """

    domain: Literal["box", "sphere"]
    mirror_symmetric: bool = False
