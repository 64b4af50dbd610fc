"""The phase field's differentiable parameters and observables (`hanami.ai`, `hanami calibrate`)."""

from __future__ import annotations

from hanami.apps.base import Differentiation, Parameter, value_at

DIFFERENTIATION = Differentiation(
    parameters={
        "model.kappa": Parameter("model.kappa", "1", lambda c: c.model.kappa, value_at("model.kappa", "kappa")),
        "model.mobility": Parameter("model.mobility", "1", lambda c: c.model.mobility,
                                    value_at("model.mobility", "mobility")),
    },
    observables=lambda model, fields: {"c": fields["c"]},
)
