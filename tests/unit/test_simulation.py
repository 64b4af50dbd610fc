"""The time loop on a closed-form model: stops, schedules, diagnostics, health check."""

import jax.numpy as jnp
import numpy as np
import pytest

from hanami.core.integrate import adaptive, fixed_step, step_doubling
from hanami.core.schedules import IterationInterval, SpecifiedTimes, TimeInterval
from hanami.core.simulation import Callback, Simulation, StopSimulation
from hanami.core.state import State
from hanami.errors import BlowUpError


class Decay:
    """dy/dt = -rate y, with explicit Euler."""

    def __init__(self, rate=1.0):
        self.rate = rate

    def step(self, fields, dt):
        return {"y": fields["y"] * (1 - self.rate * dt)}

    def diagnostics(self, fields):
        return {"y_mean": jnp.mean(fields["y"])}

    def healthy(self, fields):
        return jnp.all(jnp.isfinite(fields["y"])) & (jnp.max(jnp.abs(fields["y"])) < 1e6)

    def bad_field(self, fields):
        return "y"


def simulation(model=None, dt=0.1, **kwargs):
    model = model or Decay()
    return Simulation(model, fixed_step(model.step), State.start({"y": jnp.ones(4)}, dt=dt), **kwargs)


def test_stops_exactly_at_stop_time_and_fires_on_schedule():
    sim = simulation(dt=0.3, stop_time=2.0, chunk_attempts=5)
    fired = []
    sim.add_callback(Callback("out", SpecifiedTimes([0.5, 1.0]), lambda s: fired.append(s.time), at_end=True))
    sim.add_callback(Callback("every", IterationInterval(3), lambda s: fired.append(("it", s.iteration))))
    reason = sim.run()
    assert sim.time == 2.0 and "stop time" in reason
    assert 0.5 in fired and 1.0 in fired and fired[-1] == 2.0
    assert ("it", 3) in fired and ("it", 6) in fired


def test_diagnostics_recorded_at_least_every_n_iterations():
    sim = simulation(dt=0.01, stop_time=1.0, diagnostics_every=7)
    sim.run()
    iterations = [row["iteration"] for row in sim.history]
    assert iterations[0] == 0 and max(np.diff(iterations)) <= 7
    y = np.array([row["y_mean"] for row in sim.history])
    t = np.array([row["time"] for row in sim.history])
    np.testing.assert_allclose(y, (1 - 0.01) ** np.array(iterations))
    assert np.all(np.diff(t) > 0)


def test_stop_iteration_and_wall_time_limit():
    sim = simulation(stop_iteration=25)
    assert "iteration 25" in sim.run() and sim.iteration == 25
    slow = simulation(dt=1e-6, stop_time=1e9, wall_time_limit=0.5)
    assert "wall-time limit" in slow.run()


def test_callback_may_stop_the_run():
    sim = simulation(stop_time=100.0)

    def stop(s):
        raise StopSimulation("enough")

    sim.add_callback(Callback("stop", TimeInterval(1.0), stop))
    assert sim.run() == "enough" and sim.time == pytest.approx(1.0)


def test_blow_up_reports_time_iteration_and_field():
    model = Decay(rate=-50.0)  # growth: y multiplies by 1 + 50 dt each step
    sim = simulation(model, dt=1.0, stop_time=100.0)
    with pytest.raises(BlowUpError) as info:
        sim.run()
    # 51^4 < 1e6 < 51^4: unhealthy after the fourth step
    assert info.value.iteration == 4 and info.value.time == pytest.approx(4.0) and info.value.field == "y"


def test_adaptive_run_lands_on_every_output_time():
    model = Decay()
    attempt = adaptive(step_doubling(model.step, order=2), tolerance=1e-6, dt_min=1e-9, dt_max=10.0)
    sim = Simulation(model, attempt, State.start({"y": jnp.ones(2)}, dt=0.01), stop_time=5.0)
    seen = []
    sim.add_callback(Callback("out", SpecifiedTimes([0.1, 1.0, 3.3]), lambda s: seen.append(s.time)))
    sim.run()
    assert seen == [0.1, 1.0, 3.3] and sim.time == 5.0
    assert sim.history[-1]["y_mean"] == pytest.approx(np.exp(-5.0), rel=1e-3)
