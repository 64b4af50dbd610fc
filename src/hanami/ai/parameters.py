"""The differentiable parameters and observables of a case, as its app declares them.

Each app declares them in its `differentiation` class attribute (a
`hanami.apps.base.Differentiation`, in the app's own `differentiation.py`): a
parameter maps a dotted case key to a differentiable change of the built model
and initial fields, `apply(case, model, fields, values)`, so gradients flow from
the final state back to it. This module only looks them up and checks them.
"""

from __future__ import annotations

from typing import Any, Callable

from hanami.apps.base import App, Parameter
from hanami.apps.base.ai import Fields
from hanami.errors import CaseError


def setters_for(app: App, case: Any, keys: list[str], source: str) -> dict[str, Parameter]:
    """The parameters `keys` of `app`, checked against the case; one CaseError for any problem."""
    known = app.differentiation.parameters if app.differentiation is not None else {}
    unknown = [k for k in keys if k not in known]
    if unknown:
        allowed = ", ".join(known) or "none yet"
        raise CaseError(f"{source}: cannot differentiate with respect to {', '.join(unknown)}; "
                        f"the {app.name} app's differentiable parameters are: {allowed}")
    if len(set(keys)) != len(keys):
        raise CaseError(f"{source}: a parameter is named twice in {keys}")
    for key in keys:
        reason = known[key].applies(case)
        if reason:
            raise CaseError(f"{source}: parameter {key} {reason}")
    return {k: known[k] for k in keys}


def observables(app: App) -> Callable[[Any, Fields], Fields]:
    """`(model, fields) -> fields`: the app's output fields as JAX functions of its state."""
    if app.differentiation is None:
        raise CaseError(f"the {app.name} app declares no observables (it has no `differentiation`)")
    return app.differentiation.observables
