"""The AI side of an app: differentiable parameters, observables, surrogate settings."""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, Literal, Mapping

import jax

Fields = dict[str, jax.Array]


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
    apply: Callable[[Any, Any, Fields, dict[str, jax.Array]], tuple[Any, Fields]]
    applies: Callable[[Any], str | None] = _always


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
