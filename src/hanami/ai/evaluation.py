"""How good and how fast a trained surrogate is, on the held-out members.

Errors are root mean squares over the grid (area-weighted on the sphere), per
variable, in the variable's units, next to persistence (predicting no change),
the baseline a learned step has to beat. The solver's cost per learned step is
its measured time per step on this machine times the steps it took per learned
step in the dataset.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from hanami.ai.samples import EnsembleSamples
from hanami.ai.surrogate import Surrogate, area_weights, predict, rollout
from hanami.core.timing import median_times


def rms(error: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Per-variable RMS of (B, C, *grid) errors over batch and grid, grid points weighted by `weights`."""
    axes = (0,) + tuple(range(2, error.ndim))
    return np.sqrt(np.sum(error.astype(np.float64) ** 2 * weights, axis=axes) / (error.shape[0] * weights.sum()))


def evenly_spaced(items: list, most: int) -> list:
    """At most `most` items, evenly spaced."""
    if len(items) <= most:
        return items
    return [items[j] for j in np.linspace(0, len(items) - 1, most).round().astype(int)]


def one_step_errors(surrogate: Surrogate, samples: EnsembleSamples, batch_size: int, most: int = 512
                    ) -> dict[str, Any]:
    """RMS one-step error of the surrogate and of persistence on held-out pairs, and the truth's spread."""
    weights = area_weights(surrogate.spec)
    pairs = evenly_spaced(samples.pairs(samples.test), most)
    sums = {"surrogate": 0.0, "persistence": 0.0, "truth": 0.0}
    for s in range(0, len(pairs), batch_size):
        x, y, c = samples.read(pairs[s: s + batch_size])
        y_hat = np.asarray(predict(surrogate, x, c))
        n = len(x)
        sums["surrogate"] += n * rms(y_hat - y, weights) ** 2
        sums["persistence"] += n * rms(x - y, weights) ** 2
        sums["truth"] += n * rms(y - y.mean(axis=tuple(range(2, y.ndim)), keepdims=True), weights) ** 2
    return {k: np.sqrt(v / len(pairs)).tolist() for k, v in sums.items()} | {"pairs": len(pairs)}


def rollout_errors(surrogate: Surrogate, samples: EnsembleSamples, steps: int, starts_per_member: int = 4
                   ) -> dict[str, Any]:
    """RMS error after 1..`steps` learned steps fed their own output, against the solver's snapshots."""
    weights = area_weights(surrogate.spec)
    starts = evenly_spaced(samples.starts(steps), starts_per_member)
    if not starts:
        return {}
    pairs = [(m, i) for m in samples.test for i in starts]
    x, _, c = samples.read(pairs)
    predicted = np.asarray(rollout(surrogate, x, c, steps))
    surrogate_rms, persistence_rms = [], []
    for n in range(1, steps + 1):
        truth = np.stack([samples.state(m, samples.later(i, n)) for m, i in pairs])
        surrogate_rms.append(rms(predicted[n - 1] - truth, weights).tolist())
        persistence_rms.append(rms(x - truth, weights).tolist())
    return {"steps": steps, "starts": len(pairs), "surrogate": surrogate_rms, "persistence": persistence_rms,
            "example": {"member": pairs[0][0], "time": float(samples.ds["time"].values[pairs[0][1]]),
                        "truth": truth[:1],
                        "predicted": predicted[-1][:1]}}


def surrogate_speed(surrogate: Surrogate, samples: EnsembleSamples, batch: int) -> dict[str, float]:
    """Seconds per learned step for one state and per state in a batch of `batch`."""
    x, _, c = samples.read([samples.pairs(samples.test)[0]])
    xb, cb = np.repeat(x, batch, axis=0), np.repeat(c, batch, axis=0)
    one, many = median_times([lambda: predict(surrogate, x, c), lambda: predict(surrogate, xb, cb)], repeats=5)
    return {"seconds_per_step": one, "batch": batch, "seconds_per_state_batched": many / batch}


def solver_speed(samples: EnsembleSamples, steps: int = 50) -> dict[str, Any]:
    """The solver's time per learned step for one member: measured time per solver step on this machine
    (the dataset's case and precision, one held-out member) x solver steps per learned step in the dataset."""
    from hanami.core.timing import timed_repeats
    from hanami.ensembles import member_cases
    from hanami.runner import load_case

    ds = samples.ds
    ks = sorted(samples.steps)
    first, last = samples.steps[ks[0]], samples.steps[ks[-1]]
    iterations = ds["iteration"].values
    per_learned_step = float(iterations[last] - iterations[first]) * samples.stride / (ks[-1] - ks[0])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "case.toml"
        path.write_text(ds.attrs["case_toml"])
        loaded = load_case(path)
        member = member_cases(loaded.app.schema, loaded.case, str(path))[samples.test[0]]
    built = loaded.app.build(member)
    chunk = 10
    _, timing = timed_repeats(built.model, built.attempt, built.state, steps=chunk * max(1, steps // chunk), repeats=3, chunk=chunk)
    return {"solver_steps_per_learned_step": per_learned_step, "seconds_per_solver_step": timing["time_per_step_s"],
            "seconds_per_step": timing["time_per_step_s"] * per_learned_step, "precision": member.precision}
