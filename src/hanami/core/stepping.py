"""The ways a model's attempt is iterated; every loop of hanami is built from these.

* `chunk_function`: attempts until the clock reaches a target time or iteration
  (at most `length` of them), then the diagnostics: the compiled chunk that
  `Simulation` runs between schedule firings.
* `ensemble_chunk`: the same for a batch of members (vmapped attempts inside a
  `lax.while_loop` that ends when no member is short of the targets).
* `fixed_steps`: a fixed number of steps as nested, rematerialised scans, a pure
  function for `jax.grad` (differentiable runs): no host callbacks, no early stop;
  with `dts`, the steps follow that schedule (an adaptive run's accepted steps).

An attempt is `attempt(state, t_target) -> state` (`hanami.core.integrate`).
"""

from __future__ import annotations

import functools
from typing import Any, Callable

import jax
import jax.numpy as jnp

from hanami.core.integrate import Attempt
from hanami.core.model import Model
from hanami.core.state import State


def chunk_function(attempt: Attempt, model: Model, length: int, nan_check: bool = True) -> Callable:
    """`chunk(state, t_target, it_target) -> (state, healthy, diagnostics)`, not yet jitted.

    It makes up to `length` attempts, each only while the clock is short of both
    targets and the state is healthy, so it stops exactly on the nearest firing.
    """

    def advance(carry, t_target, it_target):
        state, ok = carry
        state = attempt(state, t_target)
        if nan_check:
            ok = model.healthy(state.fields)
        return state, ok

    def chunk(state: State, t_target: jax.Array, it_target: jax.Array):
        def body(carry, _):
            state, ok = carry
            active = ok & (state.t < t_target) & (state.iteration < it_target)
            carry = jax.lax.cond(active, advance, lambda c, *_: c, carry, t_target, it_target)
            return carry, None

        (state, ok), _ = jax.lax.scan(body, (state, jnp.asarray(True)), None, length=length)
        return state, ok, model.diagnostics(state.fields)

    return chunk


def ensemble_chunk(attempt_for: Callable[[Any], Attempt], models: Any, axes: Any, length: int,
                   nan_check: bool = True) -> Callable:
    """The chunk `(state, t_target, it_target) -> (state, all healthy, diagnostics per member)`, to jit.

    A `lax.while_loop` over attempts of the whole batch that ends as soon as no
    member is short of the targets (a vmapped `lax.cond` would compute every
    attempt of the chunk for every member); an attempt changes only the
    members still active.
    """

    def attempt(model, state, t_target):
        return attempt_for(model)(state, t_target)

    def healthy(model, state):
        return model.healthy(state.fields) if nan_check else jnp.asarray(True)

    attempts = jax.vmap(attempt, in_axes=(axes, 0, None))
    health = jax.vmap(healthy, in_axes=(axes, 0))
    diagnose = jax.vmap(lambda model, state: model.diagnostics(state.fields), in_axes=(axes, 0))

    def chunk(state: State, t_target: jax.Array, it_target: jax.Array):
        def active(state, ok):
            return ok & (state.t < t_target) & (state.iteration < it_target)

        def more(carry):
            count, state, ok = carry
            return (count < length) & jnp.any(active(state, ok))

        def advance(carry):
            count, state, ok = carry
            moving = active(state, ok)
            new = attempts(models, state, t_target)
            keep = lambda a, b: jnp.where(moving.reshape(moving.shape + (1,) * (a.ndim - 1)), a, b)  # noqa: E731
            state = jax.tree.map(keep, new, state)
            ok = jnp.where(moving, health(models, state), ok)
            return count + 1, state, ok

        ok = jnp.ones(state.t.shape, bool)
        _, state, ok = jax.lax.while_loop(more, advance, (jnp.asarray(0), state, ok))
        return state, jnp.all(ok), diagnose(models, state)

    return chunk


def fixed_steps(attempt: Attempt, state: State, steps: int, chunk: int, dts: jax.Array | None = None) -> State:
    """`steps` fixed steps as nested scans: chunks of `chunk` steps, each rematerialised.

    A pure function of `state` (and of what `attempt` closes over) that `jax.grad` sees
    through; the reverse pass keeps the state at every chunk boundary and recomputes the
    steps inside a chunk. `dts` (length `steps`) gives each step its own size (the clock's
    `dt` before each attempt); without it every step takes `state.dt`.
    """
    never = jnp.asarray(jnp.inf, jnp.float64)

    def one(state: State, dt: Any) -> tuple[State, None]:
        if dt is not None:
            state = State(fields=state.fields, t=state.t, iteration=state.iteration, dt=dt, rejected=state.rejected)
        return attempt(state, never), None

    # No optimisation barriers: under the outer scan XLA cannot merge the recomputation
    # with the forward pass anyway, and the barriers cost the backward pass fusions.
    @functools.partial(jax.checkpoint, prevent_cse=False)
    def block(state: State, block_dts: Any) -> State:
        return jax.lax.scan(one, state, block_dts, length=chunk)[0]

    full, rest = divmod(steps, chunk)
    if dts is None:
        blocks, tail = None, None
    else:
        dts = jnp.asarray(dts, jnp.float64)
        if dts.shape != (steps,):
            raise ValueError(f"dts has shape {dts.shape}; expected ({steps},)")
        blocks, tail = dts[:full * chunk].reshape(full, chunk), dts[full * chunk:]
    state = jax.lax.scan(lambda s, b: (block(s, b), None), state, blocks, length=full)[0]
    if rest:
        state = jax.lax.scan(one, state, tail, length=rest)[0]
    return state
