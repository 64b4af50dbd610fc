"""Ensembles: members of one case advanced together as one vmapped batch.

Members differ only in values, never in shapes or in the compiled program: the
models of all members must have the same pytree structure (the same static
fields), and every array leaf the same shape. Leaves equal in every member are
shared (not batched); the others are stacked along a leading member axis, as is
the state. One attempt of the time loop is the vmapped single-member attempt,
with every member taking its own adaptive steps; a member that reaches the
target time first waits there while the others catch up.
"""

from __future__ import annotations

from typing import Any, Sequence

import jax
import jax.numpy as jnp
import numpy as np

from hanami.core.state import State


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, jax.Array) or isinstance(b, jax.Array) or isinstance(a, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        return a.shape == b.shape and a.dtype == b.dtype and bool(np.array_equal(a, b))
    return type(a) is type(b) and a == b


def stack_models(models: Sequence[Any]) -> tuple[Any, Any]:
    """(stacked model, vmap in_axes for it): varying leaves stacked on axis 0, equal ones shared.

    Raises:
        ValueError: the members' models differ in structure or in a leaf's shape.
    """
    leaves0, treedef = jax.tree.flatten(models[0])
    columns = [leaves0]
    for i, model in enumerate(models[1:], start=1):
        leaves, other = jax.tree.flatten(model)
        if other != treedef:
            raise ValueError(f"member {i} builds a model of another structure than member 0 (a varied key "
                             "changes a fixed part of the model such as the grid or the precision)")
        columns.append(leaves)
    stacked, axes = [], []
    for position, first in enumerate(leaves0):
        values = [column[position] for column in columns]
        if all(_same(first, v) for v in values[1:]):
            stacked.append(first)
            axes.append(None)
            continue
        shapes = {np.shape(v) for v in values}
        if len(shapes) > 1:
            raise ValueError(f"a varied key changes the shape of a model array ({sorted(shapes)}); "
                             "members must share the grid")
        stacked.append(jnp.stack([jnp.asarray(v) for v in values]))
        axes.append(0)
    return jax.tree.unflatten(treedef, stacked), jax.tree.unflatten(treedef, axes)


def stack_states(states: Sequence[State]) -> State:
    """One State whose every leaf (fields and clock) has a leading member axis."""
    shapes = [{k: v.shape for k, v in s.fields.items()} for s in states]
    for i, other in enumerate(shapes[1:], start=1):
        if other != shapes[0]:
            raise ValueError(f"member {i} has fields of other shapes than member 0 ({other} vs {shapes[0]}); "
                             "members must share the grid")
    return jax.tree.map(lambda *leaves: jnp.stack(leaves), *states)


class EnsembleModel:
    """The loop's view of all members: host-side output and blow-up reports per member."""

    def __init__(self, members: Sequence[Any]):
        self.members = list(members)

    def output_fields(self, fields: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        per_member = [m.output_fields({k: v[i] for k, v in fields.items()}) for i, m in enumerate(self.members)]
        return {k: np.stack([out[k] for out in per_member]) for k in per_member[0]}

    def bad_field(self, fields: dict[str, np.ndarray]) -> str:
        for i, model in enumerate(self.members):
            member = {k: v[i] for k, v in fields.items()}
            if not all(np.all(np.isfinite(v)) for v in member.values() if np.issubdtype(v.dtype, np.inexact)):
                return f"{model.bad_field(member)}' of member '{i}"
        return f"{self.members[0].bad_field({k: v[0] for k, v in fields.items()})}' of member '0"


def member_history(history: list[dict[str, float]], member: int) -> list[dict[str, float]]:
    """One member's rows from an ensemble's history (keys `name[i]` become `name`)."""
    suffix = f"[{member}]"
    rows = []
    for row in history:
        out = {k: v for k, v in row.items() if "[" not in k}
        out.update({k[: -len(suffix)]: v for k, v in row.items() if k.endswith(suffix)})
        rows.append(out)
    return rows
