"""The phase field's differentiable parameters and observables (`hanami.ai`, `hanami calibrate`)."""

from __future__ import annotations

from typing import Any, Callable

from hanami.apps.base import Differentiation, Parameter, value_at


def _for(kind: str) -> Callable[[Any], str | None]:
    """`Parameter.applies`: the key belongs to the `model.kind` named."""
    return lambda case: None if case.model.kind == kind else f"it is a key of model.kind = {kind!r}"


DIFFERENTIATION = Differentiation(
    parameters={
        "model.kappa": Parameter("model.kappa", "1", lambda c: c.model.kappa, value_at("model.kappa", "kappa"),
                                _for("cahn-hilliard")),
        "model.mobility": Parameter("model.mobility", "1", lambda c: c.model.mobility,
                                    value_at("model.mobility", "mobility"), _for("cahn-hilliard")),
        # the dendrite model (model.kind = "dendrite")
        "model.eps4": Parameter("model.eps4", "1", lambda c: c.model.eps4, value_at("model.eps4", "eps4"),
                                _for("dendrite")),
        "model.diffusivity": Parameter("model.diffusivity", "W0^2/tau0", lambda c: c.model.diffusivity,
                                       value_at("model.diffusivity", "diffusivity"), _for("dendrite")),
    },
    # every prognostic field: c (Cahn–Hilliard), or phi and U (dendrite)
    observables=lambda model, fields: dict(fields),
)
