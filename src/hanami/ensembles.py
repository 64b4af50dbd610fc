"""Building an ensemble run from a case with an `[ensemble]` table.

Each member is the case with one value of every varied key; the app builds it
as a normal run, and `hanami.core.ensemble` stacks the members into one batch.
"""

from __future__ import annotations

import json
import tomllib
from typing import Any

import numpy as np

from hanami.apps.base import App, Built
from hanami.config import apply_overrides, validate_case
from hanami.core.ensemble import EnsembleModel, stack_models, stack_states
from hanami.core.stepping import ensemble_chunk
from hanami.core.output import FieldLayout
from hanami.errors import CaseError


def parse_vary(options: list[str], members: int | None) -> dict[str, list[Any]]:
    """`--vary KEY=V1,V2,...` (one value per member) or `--vary KEY=LO:HI` (evenly spaced, needs --members)."""
    vary: dict[str, list[Any]] = {}
    for text in options:
        key, sep, raw = text.partition("=")
        key, raw = key.strip(), raw.strip()
        if not sep or not key or not raw:
            raise CaseError(f"--vary {text!r}: expected KEY=V1,V2,... or KEY=LO:HI, e.g. --vary model.kappa=1.5,2,2.5")
        if ":" in raw and "," not in raw:
            lo, _, hi = raw.partition(":")
            if members is None:
                raise CaseError(f"--vary {text!r}: a range LO:HI needs --members N")
            try:
                vary[key] = [float(v) for v in np.linspace(float(lo), float(hi), members)]
            except ValueError:
                raise CaseError(f"--vary {text!r}: LO and HI must be numbers") from None
        else:
            vary[key] = _values(raw)
    return vary


def _values(raw: str) -> list[Any]:
    """Comma-separated TOML values (`1.5,2`, `[100,100],[200,200]`); bare words are strings."""
    try:
        return tomllib.loads(f"v = [{raw}]")["v"]
    except tomllib.TOMLDecodeError:
        return [v.strip() for v in raw.split(",")]


def ensemble_overrides(members: int | None, vary: dict[str, list[Any]]) -> dict[str, Any]:
    """The `[ensemble]` table for the command line's --members/--vary."""
    lengths = {len(v) for v in vary.values()}
    if members is None:
        if len(lengths) > 1:
            raise CaseError(f"--vary lists have different lengths {sorted(lengths)}; give one value per member")
        members = lengths.pop() if lengths else 1
    return {"members": members, "vary": vary}


def member_cases(schema: type, case: Any, source: str) -> list[Any]:
    """The validated case of every member (with no ensemble table of its own)."""
    base = case.model_dump(mode="json", exclude_none=True)
    base["ensemble"] = {"members": 1, "vary": {}}
    cases = []
    for i in range(case.ensemble.members):
        overrides = [f"{key}={json.dumps(values[i])}" for key, values in case.ensemble.vary.items()]
        try:
            data = apply_overrides(base, overrides)
        except CaseError as err:
            raise CaseError(f"{source}: ensemble.vary: {err}") from None
        cases.append(validate_case(schema, data, f"{source} (ensemble member {i})"))
    return cases


def build_ensemble(app: App, case: Any, source: str, chunk_attempts: int) -> Built:
    """All members as one Built: stacked state, vmapped chunk, a layout with a member dimension."""
    cases = member_cases(app.schema, case, source)
    builts = []
    for i, member in enumerate(cases):
        try:
            builts.append(app.build(member))
        except ValueError as err:
            raise CaseError(f"{source} (ensemble member {i}): {err}") from None
    if builts[0].attempt_for is None:
        raise CaseError(f"{source}: the {app.name} app does not run ensembles (its models take no varied values)")
    try:
        state = stack_states([b.state for b in builts])
        models, axes = stack_models([b.model for b in builts])
    except ValueError as err:
        keys = ", ".join(case.ensemble.vary)
        raise CaseError(f"{source}: ensemble.vary ({keys}): {err}") from None
    chunk = ensemble_chunk(builts[0].attempt_for, models, axes, chunk_attempts, case.diagnostics.nan_check)
    layout = builts[0].layout
    members = np.arange(case.ensemble.members)
    aux = {key.replace(".", "_"): ("member", np.asarray(values), {"long_name": f"case key {key}"})
           for key, values in case.ensemble.vary.items()}
    statics = {name: (("member",) + dims, np.stack([b.layout.statics[name][1] for b in builts]), attrs)
               for name, (dims, _, attrs) in layout.statics.items()}
    layout = FieldLayout(("member",) + layout.dims,
                         {"member": (members, {"long_name": "ensemble member"}), **layout.coords},
                         layout.attrs, aux, layout.periods, statics)
    return Built(model=EnsembleModel([b.model for b in builts]), state=state, attempt=None, layout=layout,
                 chunk=chunk)
