"""A run as a differentiable function of named case parameters.

`DifferentiableRun(case, params=[...])` builds the case once and gives
`run(values) -> final fields`, a pure JAX function of the parameter values
(and, optionally, of the initial fields) that `jax.grad`, `jax.vjp` and
`jax.jacfwd` see through: the whole time loop is a `lax.scan` of fixed steps,
including the semi-implicit and Rush-Larsen updates.

Memory stays bounded on long runs by rematerialisation: the steps are grouped
in chunks of `chunk` steps, each wrapped in `jax.checkpoint`, so the reverse
pass keeps the state at every chunk boundary and recomputes the steps inside a
chunk when it gets there. N steps in chunks of about sqrt(N) keep O(sqrt(N))
states instead of N (`chunk = 0` picks that; `chunk = steps` turns it off).
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any, Sequence

import jax
import jax.numpy as jnp
import numpy as np

from hanami.ai.parameters import setters_for
from hanami.core.state import State
from hanami.core.stepping import fixed_steps
from hanami.errors import CaseError
from hanami.runner import load_case

Fields = dict[str, jax.Array]


@dataclasses.dataclass
class DifferentiableRun:
    """`steps` fixed steps of a case as a differentiable function of `params`.

    Arguments:
        case: shipped case name or case file.
        params: dotted case keys to differentiate with respect to (those the app's `differentiation` declares).
        steps: time steps to take (of the case's `time.dt`).
        overrides: `--set` style overrides applied first.
        chunk: steps per rematerialised chunk (0: the case's `differentiation.remat_chunk`, whose
            default 0 means about sqrt(steps); steps or more: no rematerialisation).
        schedule: the size of every step from the start [the app's time unit], e.g. the steps an
            adaptive run of the case accepted (`adaptive_schedule`); None: every step is `time.dt`.
    """

    case: str | Path
    params: Sequence[str]
    steps: int
    overrides: Sequence[str] = ()
    chunk: int = 0
    schedule: Sequence[float] | None = None

    def __post_init__(self) -> None:
        # Fixed steps whatever the case says (every app's time table has `adaptive`).
        loaded = load_case(self.case, [*self.overrides, "time.adaptive=false"])
        self.app, self.config = loaded.app, loaded.case
        built = loaded.app.build(loaded.case)
        if built.attempt_for is None:
            raise CaseError(f"{loaded.source}: the {loaded.app.name} app gives no differentiable step")
        self._attempt_for = built.attempt_for
        self.model = built.model
        self.layout = built.layout
        self.fields = dict(built.state.fields)
        self.dt = float(built.state.dt)
        self._setters = setters_for(loaded.app, loaded.case, list(self.params), loaded.source)
        self.resize(self.steps, self.chunk or loaded.case.differentiation.remat_chunk)

    def resize(self, steps: int, chunk: int | None = None) -> None:
        """Take `steps` steps from now on, without building the case again (chunk None: the case's
        `differentiation.remat_chunk`; 0: about sqrt(steps))."""
        if chunk is None:
            chunk = self.config.differentiation.remat_chunk
        if steps < 1:
            raise CaseError(f"steps = {steps}: give at least one step")
        if self.schedule is not None and steps > len(self.schedule):
            raise CaseError(f"steps = {steps}: the step schedule has only {len(self.schedule)} steps")
        self.steps = steps
        self.chunk = min(chunk or max(1, round(math.sqrt(steps))), steps)

    def values(self) -> dict[str, jax.Array]:
        """The parameters' values in the case (the point to differentiate at)."""
        return {key: jnp.asarray(self._setters[key].value(self.config), jnp.float64) for key in self.params}

    def setup(self, values: dict[str, jax.Array]) -> tuple[Any, Fields]:
        """The model and initial fields for these parameter values (differentiable)."""
        model, fields = self.model, dict(self.fields)
        for key in self.params:
            model, fields = self._setters[key].apply(self.config, model, fields, values)
        return model, fields

    def trajectory(self, values: dict[str, jax.Array], at_steps: Sequence[int]) -> tuple[Any, list[Fields]]:
        """(model, the fields after each of `at_steps` steps), increasing step counts from the start."""
        model, initial = self.setup(values)
        state, done, out = State.start(initial, dt=self.dt), 0, []
        for n in at_steps:
            if n < done:
                raise ValueError(f"steps {list(at_steps)} must increase")
            if n > done:
                state = fixed_steps(self._attempt_for(model), state, n - done, min(self.chunk, n - done),
                                    self._dts(done, n))
            done = n
            out.append(state.fields)
        return model, out

    def run(self, values: dict[str, jax.Array], fields: Fields | None = None) -> Fields:
        """The fields after `steps` steps, from `fields` (default: the case's initial fields)."""
        model, initial = self.setup(values)
        if fields is not None:
            initial = {**initial, **fields}
        return fixed_steps(self._attempt_for(model), State.start(initial, dt=self.dt), self.steps,
                           self.chunk, self._dts(0, self.steps)).fields

    def _dts(self, first: int, last: int) -> np.ndarray | None:
        return None if self.schedule is None else np.asarray(self.schedule[first:last], np.float64)

    def clock(self) -> np.ndarray:
        """The time after 0, 1, ..., `len(schedule)` steps (a uniform step: up to `steps`)."""
        if self.schedule is None:
            return self.dt * np.arange(self.steps + 1)
        return np.concatenate([[0.0], np.cumsum(np.asarray(self.schedule, np.float64))])

    def steps_at(self, times: np.ndarray, source: str) -> list[int]:
        """The step count at which the clock reaches each of `times` (one `CaseError` if it never does)."""
        times = np.asarray(times, np.float64)
        if self.schedule is None:
            steps = times / self.dt
            whole = np.round(steps)
            off = (np.abs(steps - whole) > 1e-6 * np.maximum(1.0, whole)) | (whole < 0)
            if np.any(off):
                raise CaseError(f"{source}: observation time {times[off][0]:g} is not a whole number of the "
                                f"case's steps (time.dt = {self.dt:g}); observe at multiples of dt")
            return [int(n) for n in whole]
        clock = self.clock()
        index = np.clip(np.searchsorted(clock, times - 1e-9 * np.maximum(1.0, np.abs(times))), 0, len(clock) - 1)
        off = np.abs(clock[index] - times) > 1e-9 * np.maximum(1.0, np.abs(times))
        if np.any(off):
            raise CaseError(f"{source}: observation time {times[off][0]:g} is not on the step schedule "
                            f"(it ends at {clock[-1]:g})")
        return [int(i) for i in index]
