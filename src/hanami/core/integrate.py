"""Step factories: turn a model's pure `step(fields, dt) -> fields` into an
*attempt* `attempt(state, t_target) -> state` that advances the clock.

An attempt never steps past `t_target` (outputs and stops land exactly on their
times) and has no Python branch on array values, so it runs inside `lax.scan`.

* `fixed_step`: constant dt.
* `adaptive`: adaptive dt from an error estimator; an attempt whose estimate
  exceeds the tolerance is rejected (the clock does not move) and retried with
  a smaller step.
* `step_doubling`: the estimator for any first-order step. One step of h and
  two of h/2 give the local error; with ``order=2`` the candidate is their
  Richardson extrapolation, which raises a first-order method to second order
  (Hairer, Norsett & Wanner, Solving ODEs I, sec. II.4,
  doi:10.1007/978-3-540-78862-1).
"""

from __future__ import annotations

from typing import Callable, Protocol

import jax
import jax.numpy as jnp

from hanami.core.state import State

Fields = dict[str, jax.Array]
StepFn = Callable[[Fields, jax.Array], Fields]
Estimator = Callable[[Fields, jax.Array], tuple[Fields, jax.Array]]


class Attempt(Protocol):
    def __call__(self, state: State, t_target: jax.Array) -> State: ...


def _landing(t: jax.Array, dt: jax.Array, t_target: jax.Array, smooth: bool) -> tuple[jax.Array, jax.Array]:
    """Step size h and whether it lands on `t_target`.

    With `smooth`, a remainder between dt and 2 dt is split in two equal steps
    rather than leaving a sliver of a step at the end. Without it (fixed steps),
    a remainder within a millionth of dt of a whole step is taken as that step:
    the clock sums many steps and drifts from the exact multiples by round-off,
    which must not cost a sliver step before every output time.
    """
    remaining = t_target - t
    lands = remaining <= dt * (1 + (1e-12 if smooth else 1e-6))
    h = jnp.where(lands, remaining, dt)
    if smooth:
        split = (~lands) & (remaining < 2 * dt)
        h = jnp.where(split, 0.5 * remaining, h)
    return h, lands


def run_dtype(fields: Fields) -> jnp.dtype:
    """The real dtype the step is given dt in: the widest of the fields' (complex64 counts as float32).

    (Not the first field's: jit hands the fields back with their keys sorted.)
    """
    real = [jnp.finfo(f.dtype).dtype for f in fields.values() if jnp.issubdtype(f.dtype, jnp.inexact)]
    return jnp.result_type(*real) if real else jnp.dtype(jnp.float64)


def _rms(a: Fields, b: Fields) -> jax.Array:
    """Root-mean-square difference over every field, computed in float64."""
    total = jnp.zeros((), jnp.float64)
    count = 0
    for name in a:
        diff = (a[name] - b[name]).astype(jnp.float64)
        total = total + jnp.sum(diff * diff)
        count += diff.size
    return jnp.sqrt(total / count)


def fixed_step(step: StepFn, *, timed: bool = False) -> Attempt:
    """Attempt with the constant step `state.dt` (shortened only to land on a target).

    With `timed`, the step is called as `step(fields, dt, t)` with the time `t` at
    the start of the step (float64), for models with time-dependent forcing.
    """

    def attempt(state: State, t_target: jax.Array) -> State:
        h, lands = _landing(state.t, state.dt, t_target, smooth=False)
        dtype = run_dtype(state.fields)
        if timed:
            fields = step(state.fields, h.astype(dtype), state.t)
        else:
            fields = step(state.fields, h.astype(dtype))
        return State(fields=fields, t=jnp.where(lands, t_target, state.t + h),
                     iteration=state.iteration + 1, dt=state.dt, rejected=state.rejected)

    return attempt


def step_doubling(step: StepFn, order: int) -> Estimator:
    """Error estimator from any first-order pure `step` by step doubling.

    One step of h and two of h/2; the estimate is their RMS difference (the
    local error of the first-order step). With ``order=2`` the candidate is the
    Richardson extrapolation ``2 * half - full`` (second order).
    """
    if order not in (1, 2):
        raise ValueError(f"order must be 1 or 2, got {order}")

    def estimate(fields: Fields, h: jax.Array) -> tuple[Fields, jax.Array]:
        full = step(fields, h)
        half = step(step(fields, h / 2), h / 2)
        error = _rms(full, half)
        if order == 2:
            half = {k: 2 * half[k] - full[k] for k in half}
        return half, error

    return estimate


def adaptive(estimate: Estimator, *, tolerance: float, dt_min: float, dt_max: float, error_order: int = 1,
             safety: float = 0.9, max_growth: float = 2.0, max_shrink: float = 0.2) -> Attempt:
    """Adaptive attempt from an error estimator.

    Arguments:
        estimate: `(fields, h) -> (candidate, error)`, e.g. from `step_doubling`
            or a model's own fused version of it.
        tolerance: the largest accepted error estimate (field units, RMS).
        dt_min, dt_max: bounds on the step. A step at dt_min is always accepted.
        error_order: p where the estimated local error scales as h^(p+1).
        safety: factor < 1 on the optimal step, to limit rejections.
        max_growth, max_shrink: bounds on the change of dt from one attempt to the next.
    """
    if not 0 < dt_min <= dt_max:
        raise ValueError(f"need 0 < dt_min <= dt_max, got {dt_min}, {dt_max}")
    exponent = 1.0 / (error_order + 1)

    def attempt(state: State, t_target: jax.Array) -> State:
        h, lands = _landing(state.t, state.dt, t_target, smooth=True)
        dtype = run_dtype(state.fields)
        candidate, error = estimate(state.fields, h.astype(dtype))
        error = error.astype(jnp.float64)
        finite = jnp.isfinite(error)
        # A non-finite error is accepted so that the health check stops the run.
        accept = (error <= tolerance) | (h <= dt_min) | ~finite
        factor = safety * (tolerance / jnp.maximum(error, 1e-300)) ** exponent
        factor = jnp.clip(jnp.where(finite, factor, max_shrink), max_shrink, max_growth)
        proposal = h * factor
        # A step shortened to land on a target says nothing against the old dt.
        proposal = jnp.where(lands & accept, jnp.maximum(proposal, state.dt), proposal)
        proposal = jnp.clip(proposal, dt_min, dt_max)
        fields = jax.tree.map(lambda new, old: jnp.where(accept, new, old), candidate, state.fields)
        return State(fields=fields,
                     t=jnp.where(accept, jnp.where(lands, t_target, state.t + h), state.t),
                     iteration=state.iteration + accept.astype(state.iteration.dtype),
                     dt=proposal,
                     rejected=state.rejected + (~accept).astype(state.rejected.dtype))

    return attempt
