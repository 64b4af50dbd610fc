"""The time loop: compiled chunks of `lax.scan` between schedule firings.

`Simulation` owns the state and the clock. Each pass of `run` compiles nothing
new: it asks the schedules for the nearest firing (a time or an iteration), runs
one jitted chunk of at most `chunk_attempts` attempts that stops exactly there,
records the diagnostics the chunk returns, and fires the callbacks that are due
(output writers, checkpoints, user callbacks). Stop conditions and the health
check (NaN / blow-up) end the loop.
"""

from __future__ import annotations

import dataclasses
import math
import time
from typing import Any, Callable

import jax
import jax.numpy as jnp
import numpy as np

from hanami.core.distributed import to_host
from hanami.core.integrate import Attempt
from hanami.core.model import Model
from hanami.core.parallel import Layout
from hanami.core.schedules import Schedule
from hanami.core.state import State
from hanami.core.stepping import chunk_function
from hanami.errors import BlowUpError


class StopSimulation(Exception):
    """Raised by a callback to end the run cleanly with a reason."""


@dataclasses.dataclass
class Callback:
    """`fn(simulation)` fired when `schedule` is due; `at_end` also fires it once after the loop."""

    name: str
    schedule: Schedule
    fn: Callable[["Simulation"], None]
    at_start: bool = False
    at_end: bool = False


def compile_chunk(chunk: Callable, layout: Layout | None = None) -> Callable:
    """Jit a chunk function, padding and unpadding the state around it as `layout` says."""
    return jax.jit((layout or Layout()).around(chunk), donate_argnums=0)


@dataclasses.dataclass
class Timings:
    """Wall-clock seconds split as in `summary.json`."""

    compile: float = 0.0
    run: float = 0.0
    output: float = 0.0
    chunks: int = 0


class Simulation:
    """Run a model's attempts from `state` until a stop condition holds.

    Arguments:
        model: provides `diagnostics`, `healthy` and `bad_field`.
        attempt: from `hanami.core.integrate` (fixed or adaptive step).
        state: the initial (or restored) state.
        stop_time: simulated time to stop at (exactly), or None.
        stop_iteration: accepted steps to stop after, or None.
        wall_time_limit: seconds of wall time after which the run stops, or None.
        diagnostics_every: record diagnostics at least every this many steps.
        chunk_attempts: attempts per compiled chunk (more means fewer host syncs).
        nan_check: stop with `BlowUpError` when the state becomes unhealthy.
        chunk: a chunk function (not jitted) to use instead of one made from
            `attempt` (ensembles bring their vmapped one).
        layout: how the state lies on the devices (`hanami.core.parallel`). With a batch of members the
            clock reads the member least advanced in time (and most in steps) and the diagnostics are recorded per
            member as `name[i]`.
    """

    def __init__(self, model: Model, attempt: Attempt, state: State, *, stop_time: float | None = None,
                 stop_iteration: int | None = None, wall_time_limit: float | None = None,
                 diagnostics_every: int = 10, chunk_attempts: int = 64, nan_check: bool = True,
                 chunk: Callable | None = None, layout: Layout | None = None):
        self.model = model
        self.state = state
        self.stop_time = math.inf if stop_time is None else float(stop_time)
        self.stop_iteration = math.inf if stop_iteration is None else int(stop_iteration)
        self.wall_time_limit = math.inf if wall_time_limit is None else float(wall_time_limit)
        self.diagnostics_every = diagnostics_every
        self.callbacks: list[Callback] = []
        self.on_chunk: list[Callable[["Simulation"], None]] = []
        self.history: list[dict[str, float]] = []
        self.timings = Timings()
        self.stop_reason: str | None = None
        if chunk is None:
            chunk = chunk_function(attempt, model, chunk_attempts, nan_check)
        self.layout = layout or Layout()
        self._chunk = compile_chunk(chunk, self.layout)
        self._compiled: Any = None
        self._wall_start = time.perf_counter()

    # -- clock -----------------------------------------------------------------
    @property
    def time(self) -> float:
        return float(np.min(self.state.t))

    @property
    def iteration(self) -> int:
        # An ensemble counts the most-stepped member: targets computed from the
        # least-stepped one could stall a member that is behind in time but
        # ahead in steps.
        return int(np.max(self.state.iteration))

    @property
    def dt(self) -> float:
        """The step the next attempt tries (the smallest over ensemble members)."""
        return float(np.min(self.state.dt))

    @property
    def wall_time(self) -> float:
        return time.perf_counter() - self._wall_start

    def clock(self, name: str) -> np.ndarray:
        """A clock leaf on the host without layout padding (one value per member for an ensemble)."""
        value = to_host(getattr(self.state, name))
        size = self.layout.sizes.get(name)
        return value[:size] if size is not None else value

    def add_callback(self, callback: Callback) -> None:
        self.callbacks.append(callback)

    # -- loop ------------------------------------------------------------------
    def compile(self) -> None:
        """Compile the chunk ahead of time (timed apart from the run)."""
        if self._compiled is None:
            start = time.perf_counter()
            self._compiled = self._chunk.lower(self.state, jnp.asarray(0.0), jnp.asarray(0)).compile()
            self.timings.compile += time.perf_counter() - start

    def record(self, diagnostics: dict[str, Any]) -> None:
        row = {"time": self.time, "iteration": float(self.iteration)}
        values = {k: self.clock(k) for k in ("dt", "rejected")}
        values.update(diagnostics)
        for name, value in values.items():
            value = np.asarray(value)
            if value.ndim == 0:
                row[name] = float(value)
            else:
                row.update({f"{name}[{i}]": float(v) for i, v in enumerate(value)})
        if self.history and self.history[-1]["iteration"] == row["iteration"] and self.history[-1]["time"] == row["time"]:
            self.history[-1] = row
        else:
            self.history.append(row)

    def _stop_reason(self) -> str | None:
        if self.time >= self.stop_time:
            return f"reached stop time {self.stop_time:g}"
        if self.iteration >= self.stop_iteration:
            return f"reached stop iteration {self.stop_iteration}"
        if self.wall_time >= self.wall_time_limit:
            return f"reached wall-time limit {self.wall_time_limit:g} s"
        return None

    def _fire(self, callbacks: list[Callback]) -> None:
        start = time.perf_counter()
        try:
            for callback in callbacks:
                callback.fn(self)
        finally:
            self.timings.output += time.perf_counter() - start

    def _targets(self) -> tuple[float, float]:
        t, it = self.time, self.iteration
        t_target = min([self.stop_time] + [c.schedule.next_time(t) for c in self.callbacks])
        it_target = min([self.stop_iteration, (it // self.diagnostics_every + 1) * self.diagnostics_every]
                        + [c.schedule.next_iteration(it) for c in self.callbacks])
        return t_target, it_target

    def _blow_up(self) -> BlowUpError:
        host = self.layout.unpad_fields({k: to_host(v) for k, v in self.state.fields.items()})
        field = self.model.bad_field(host)
        return BlowUpError(
            f"the solution blew up at t = {self.time:.6g}, iteration {self.iteration}: field '{field}' "
            f"is not finite or out of bounds (last step dt = {self.dt:.3g}). "
            "Hint: the time step is probably too large; lower time.dt, or set time.adaptive = true.",
            time=self.time, iteration=self.iteration, field=field)

    def run(self) -> str:
        """Advance until a stop condition; return the stop reason.

        Raises:
            BlowUpError: the state became NaN/Inf or left its bounds.
        """
        self.compile()
        self._wall_start = time.perf_counter()
        if not self.history:
            # A chunk whose targets are the current clock makes no attempt and
            # returns the diagnostics, compiled, of the state as it is.
            self.state, _, diagnostics = self._compiled(
                self.state, jnp.asarray(self.time, jnp.float64), jnp.asarray(self.iteration, jnp.int64))
            self.record(jax.device_get(diagnostics))
        self._fire([c for c in self.callbacks if c.at_start])
        try:
            while (reason := self._stop_reason()) is None:
                t_before, it_before = self.time, self.iteration
                t_target, it_target = self._targets()
                start = time.perf_counter()
                state, ok, diagnostics = self._compiled(
                    self.state, jnp.asarray(t_target, jnp.float64),
                    jnp.asarray(min(it_target, np.iinfo(np.int64).max), jnp.int64))
                self.state = state
                diagnostics = jax.device_get(diagnostics)
                ok = bool(ok)
                self.timings.run += time.perf_counter() - start
                self.timings.chunks += 1
                if not ok:
                    raise self._blow_up()
                self.record(diagnostics)
                for hook in self.on_chunk:
                    hook(self)
                self._fire([c for c in self.callbacks
                            if c.schedule.due(self.time, self.iteration, t_before, it_before)])
        except StopSimulation as stop:
            reason = str(stop)
        self.stop_reason = reason
        self._fire([c for c in self.callbacks if c.at_end])
        return reason
