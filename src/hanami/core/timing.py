"""Timing: a `Simulation` for a fixed number of steps (compile, warm up, repeat), and
compiled functions against each other (`median_times`)."""

from __future__ import annotations

import statistics
import time
from typing import Any, Callable, Sequence

import jax
import numpy as np

from hanami.core.integrate import Attempt
from hanami.core.simulation import Model, Simulation
from hanami.core.state import State


def timed_repeats(model: Model, attempt: Attempt, state: State, *, steps: int, repeats: int,
                  chunk: int) -> tuple[Simulation, dict[str, Any]]:
    """Compile and warm up (one chunk), then time `repeats` runs of `steps` steps.

    Arguments:
        model, attempt, state: a built case's (the state's buffers are donated:
            do not reuse `state`).
        steps: steps per timed repeat (a multiple of `chunk` keeps chunks full).
        repeats: timed repeats (>= 1); the median counts.
        chunk: attempts per compiled chunk; diagnostics are recorded after each.

    Returns:
        The simulation (advanced past all repeats) and the figures:
        compile_s, warmup_steps, steps, repeats, per_repeat_s, time_per_step_s
        (median), spread {min, max, relative} [s per step].
    """
    sim = Simulation(model, attempt, state, stop_iteration=chunk, diagnostics_every=chunk,
                     chunk_attempts=chunk, nan_check=True)
    sim.run()
    per_step = []
    for _ in range(repeats):
        start_iteration = sim.iteration
        sim.stop_iteration = start_iteration + steps
        start = time.perf_counter()
        sim.run()
        per_step.append((time.perf_counter() - start) / (sim.iteration - start_iteration))
    median = statistics.median(per_step)
    return sim, {"compile_s": sim.timings.compile, "warmup_steps": chunk, "steps": steps, "repeats": repeats,
                 "per_repeat_s": per_step, "time_per_step_s": median,
                 "spread": {"min": min(per_step), "max": max(per_step),
                            "relative": (max(per_step) - min(per_step)) / median}}


def median_times(functions: Sequence[Callable[..., Any]], *args: Any, repeats: int) -> list[float]:
    """Median wall seconds of each function, after one warm-up call each.

    The functions take turns, repeat by repeat, so that load on the machine that
    comes and goes weighs on all of them alike rather than on whichever was timed
    during it (their ratio is the figure of interest).
    """
    for fn in functions:
        jax.block_until_ready(fn(*args))
    times: list[list[float]] = [[] for _ in functions]
    for _ in range(repeats):
        for fn, kept in zip(functions, times):
            start = time.perf_counter()
            jax.block_until_ready(fn(*args))
            kept.append(time.perf_counter() - start)
    return [float(np.median(kept)) for kept in times]
