"""The climate app's differentiable parameters and observables (`hanami.ai`, `hanami calibrate`).

The parameters are those of Williamson's test case 5 (flow over a mountain):
changing one rebuilds TC5's model and initial fields as JAX functions of it.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from hanami.apps.base import Differentiation, Parameter
from hanami.apps.base.ai import Fields
from hanami.apps.climate.traced import tc5_model_and_fields


def _tc5(case: Any) -> str | None:
    return None if case.initial.kind == "williamson-5" else \
        f"applies to initial.kind = 'williamson-5' (TC5) only, not {case.initial.kind!r}"


def _climate_tc5(case: Any, model: Any, fields: Fields, values: dict[str, jax.Array]) -> tuple[Any, Fields]:
    """TC5's model and fields rebuilt from u0 and the mountain height (the case's, unless a parameter)."""
    u0 = values.get("initial.u0", jnp.asarray(_u0(case), jnp.float64))
    mountain = values.get("initial.mountain_height", jnp.asarray(case.initial.mountain_height, jnp.float64))
    return tc5_model_and_fields(case, model, u0, mountain)


def _u0(case: Any) -> float:
    return 20.0 if case.initial.u0 is None else case.initial.u0


def _observables(model: Any, fields: Fields) -> Fields:
    return {k: v for k, v in model.physical(fields).items() if k in ("h", "u", "v", "vorticity")}


DIFFERENTIATION = Differentiation(
    parameters={
        "initial.mountain_height": Parameter("initial.mountain_height", "m", lambda c: c.initial.mountain_height,
                                             _climate_tc5, _tc5),
        "initial.u0": Parameter("initial.u0", "m s-1", _u0, _climate_tc5, _tc5),
    },
    observables=_observables,
)
