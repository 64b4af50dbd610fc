"""The step sizes a differentiable run takes: those an adaptive run of the case accepts.

Differentiating through the adaptive controller's accept/reject loop is neither
possible in reverse mode (a `while_loop`) nor wanted (the step sizes are a
numerical choice, not a function of the physics to fit). Replaying the steps an
adaptive run accepted, as a fixed schedule, gives the gradient of the same
discrete solution the forward run computes: with `time.order = 2` (the default)
a fixed step is the very candidate the adaptive step accepts (the step-doubling
extrapolation), so the replay reproduces the adaptive run to round-off. A fixed
`time.dt` from the start instead would take thousands of steps of the first
(small) step, or be inaccurate at a larger one.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Sequence

import numpy as np

from hanami.runner import load_case, run_case


def is_adaptive(case: str | Path, overrides: Sequence[str] = ()) -> bool:
    """Whether the case (with overrides) chooses its steps adaptively."""
    config = load_case(case, list(overrides)).case
    return bool(getattr(getattr(config, "time", None), "adaptive", False))


def adaptive_schedule(case: str | Path, times: Sequence[float], overrides: Sequence[str] = ()) -> np.ndarray:
    """The steps [the app's time unit] an adaptive run of `case` accepts from 0 to max(times),
    landing on every one of `times` (the run is made in a temporary directory, no plots)."""
    times = sorted({float(t) for t in times if t > 0})
    if not times:
        raise ValueError("no positive time to run to")
    extra = [f"output.times={times!r}", "output.plots=false", "diagnostics.every_iterations=1",
             "checkpoint.wall_interval=0"]
    with tempfile.TemporaryDirectory() as tmp:
        result = run_case(case, out=Path(tmp) / "schedule", overrides=[*overrides, *extra], stop_time=times[-1],
                          progress=False)
    clock = {int(row["iteration"]): float(row["time"]) for row in result.history}
    steps = np.array([clock[i] for i in sorted(clock)])
    return np.diff(steps)
