"""Step factories on closed-form ODEs: landing on targets, rejection, error control, order."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from hanami.core.integrate import adaptive, fixed_step, step_doubling
from hanami.core.state import State


def euler_decay(fields, dt):
    """Explicit Euler for dy/dt = -y (first order)."""
    return {"y": fields["y"] - dt * fields["y"]}


def run_to(attempt, state, t_target, max_attempts=100000):
    target = jnp.asarray(t_target, jnp.float64)
    step = jax.jit(attempt)
    for _ in range(max_attempts):
        if float(state.t) >= t_target:
            return state
        state = step(state, target)
    raise AssertionError("did not reach the target")


def test_fixed_step_lands_exactly_on_target():
    state = State.start({"y": jnp.ones(3)}, dt=0.3)
    state = run_to(fixed_step(euler_decay), state, 1.0)
    assert float(state.t) == 1.0
    assert int(state.iteration) == 4  # 0.3, 0.6, 0.9, then 0.1 to land


@pytest.mark.parametrize("order,expected", [(1, 1.0), (2, 2.0)])
def test_step_doubling_fixed_dt_order(order, expected):
    estimate = step_doubling(euler_decay, order=order)
    errors = []
    for dt in (0.1, 0.05, 0.025):
        state = State.start({"y": jnp.ones(1)}, dt=dt)
        state = run_to(fixed_step(lambda f, h: estimate(f, h)[0]), state, 1.0)
        errors.append(abs(float(state.fields["y"][0]) - np.exp(-1.0)))
    observed = np.log2(np.array(errors[:-1]) / np.array(errors[1:]))
    print(f"order {order}: errors {errors}, observed order {observed}")
    assert np.all(np.abs(observed - expected) < 0.15)


def test_adaptive_error_follows_tolerance_and_lands():
    errors = []
    for tol in (1e-4, 1e-6):
        attempt = adaptive(step_doubling(euler_decay, order=2), tolerance=tol, dt_min=1e-9, dt_max=1.0)
        state = run_to(attempt, State.start({"y": jnp.ones(1)}, dt=0.5), 2.0)
        assert float(state.t) == 2.0
        errors.append(abs(float(state.fields["y"][0]) - np.exp(-2.0)))
    assert errors[1] < errors[0] / 10


def test_rejected_attempt_keeps_state_and_shrinks_dt():
    attempt = adaptive(step_doubling(euler_decay, order=1), tolerance=1e-6, dt_min=1e-9, dt_max=10.0)
    start = State.start({"y": jnp.ones(1)}, dt=1.0)
    after = jax.jit(attempt)(start, jnp.asarray(5.0))
    assert int(after.rejected) == 1 and int(after.iteration) == 0
    assert float(after.t) == 0.0 and float(after.fields["y"][0]) == 1.0
    assert float(after.dt) < 1.0


def test_non_finite_error_is_accepted_so_the_run_stops():
    def explode(fields, dt):
        return {"y": fields["y"] / 0.0}

    attempt = adaptive(step_doubling(explode, order=1), tolerance=1e-6, dt_min=1e-9, dt_max=10.0)
    after = jax.jit(attempt)(State.start({"y": jnp.ones(1)}, dt=1.0), jnp.asarray(5.0))
    assert int(after.iteration) == 1 and not np.isfinite(float(after.fields["y"][0]))


def test_fixed_step_makes_no_sliver_steps_before_output_times():
    """0.01 summed 100 times is not exactly 1.0; the clock must still land with 100 steps."""
    state = State.start({"y": jnp.ones(2)}, dt=0.01)
    step = jax.jit(fixed_step(euler_decay))
    for k in range(1, 11):
        target = jnp.asarray(0.1 * k, jnp.float64)
        while float(state.t) < float(target):
            state = step(state, target)
    assert int(state.iteration) == 100 and float(state.t) == pytest.approx(1.0, abs=1e-15)


def test_step_gets_dt_in_the_fields_precision_whatever_their_order():
    seen = []

    def step(fields, dt):
        seen.append(dt.dtype)
        return fields

    state = State.start({"a_index": jnp.zeros(2, jnp.int32), "b": jnp.ones(2, jnp.float32)}, dt=0.1)
    jax.jit(fixed_step(step))(state, jnp.asarray(1.0))
    assert seen == [jnp.float32]
