"""`hanami calibrate`: fit case parameters to observations by gradients through the solver.

The loss is the mean squared misfit between the model and the observations at
the observed times and places, over the observations' variance (so it is
dimensionless and 1 for a model that knows nothing), computed by a
`DifferentiableRun`. Each parameter p is optimised as theta = log(p / p0)
(positive, and of order one whatever its unit), clipped to its bounds, with
optax's Adam or L-BFGS.
"""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path
from typing import Sequence

import jax
import jax.numpy as jnp
import numpy as np
import xarray as xr
from rich.console import Console

from hanami.ai.differentiable import DifferentiableRun
from hanami.ai.observations import Observations, read_observations
from hanami.ai.parameters import observables
from hanami.ai.schedule import adaptive_schedule, is_adaptive
from hanami.config import apply_overrides, override_key, to_toml, validate_case
from hanami.core.files import atomic_path, write_text
from hanami.core.output import provenance, write_netcdf
from hanami.errors import CaseError


@dataclasses.dataclass
class Calibration:
    """What `calibrate` found."""

    fitted: dict[str, float]
    initial: dict[str, float]
    loss: list[float]
    out: Path


def parse_bounds(options: Sequence[str]) -> dict[str, tuple[float, float]]:
    """`KEY=LO:HI` options as {key: (lo, hi)}."""
    bounds = {}
    for text in options:
        key, sep, raw = text.partition("=")
        lo, colon, hi = raw.partition(":")
        try:
            bounds[key.strip()] = (float(lo), float(hi))
        except ValueError:
            raise CaseError(f"--bounds {text!r}: expected KEY=LO:HI, e.g. --bounds model.kappa=0.5:5") from None
        if not sep or not colon or bounds[key.strip()][0] >= bounds[key.strip()][1]:
            raise CaseError(f"--bounds {text!r}: expected KEY=LO:HI with LO < HI")
    return bounds


def _is_case_key(run: DifferentiableRun, key: str) -> bool:
    """A parameter a case file holds (model.kappa), not one of a model's own (ionic.g_Na)."""
    return key.split(".")[0] in type(run.config).model_fields


def misfit(run: DifferentiableRun, observations: Observations, noisy: dict[str, np.ndarray]):
    """The loss as a function of the parameter values."""
    steps = run.steps_at(observations.times, observations.source)
    observe = observables(run.app)
    # A NaN observation is missing (a node not yet activated): it does not count.
    present = {k: np.isfinite(v) for k, v in noisy.items()}
    scale = {k: float(np.var(v[present[k]])) or 1.0 for k, v in noisy.items()}
    filled = {k: np.where(present[k], v, 0.0) for k, v in noisy.items()}

    def loss(values: dict[str, jax.Array]) -> jax.Array:
        model, snapshots = run.trajectory(values, steps)
        total = jnp.zeros((), jnp.float64)
        for name, observed in filled.items():
            modelled = jnp.stack([_at(observe(model, fields)[name], observations) for fields in snapshots])
            misfit = jnp.where(present[name], modelled.astype(jnp.float64) - observed, 0.0)
            total = total + jnp.sum(misfit ** 2) / max(int(present[name].sum()), 1) / scale[name]
        return total / len(filled)

    return loss


def _at(field: jax.Array, observations: Observations) -> jax.Array:
    return field if observations.probes is None else observations.probes(field)


def calibrate(case: str | Path, observations: Path, params: Sequence[str], *, out: Path,
              bounds: dict[str, tuple[float, float]] | None = None, steps: int = 60, optimizer: str = "lbfgs",
              learning_rate: float = 0.1, noise: float | None = None, seed: int = 0,
              overrides: Sequence[str] = (), progress: bool = True, console: Console | None = None,
              variables: Sequence[str] = (), tolerance: float = 1e-4) -> Calibration:
    """Fit `params` of `case` to `observations`; write the fitted case, history and a plot to `out`.

    At most `steps` optimiser iterations; it stops earlier when an iteration changes no parameter
    by more than `tolerance` (relative) or the gradient vanishes.
    """
    console = console or Console()
    if optimizer not in ("adam", "lbfgs"):
        raise CaseError(f"--optimizer {optimizer!r}: allowed values are adam, lbfgs")
    if not params:
        raise CaseError("give the parameters to fit: --params KEY[,KEY...]")
    if steps < 1:
        raise CaseError(f"--steps {steps}: give at least 1")
    if not tolerance >= 0:
        raise CaseError(f"--tolerance {tolerance}: give a fraction >= 0 (0: run all --steps)")
    out = Path(out)
    if (out / "calibration.json").exists():
        raise CaseError(f"{out}: already holds a calibration; choose another --out")
    run = DifferentiableRun(case, list(params), steps=1, overrides=overrides)
    observed = read_observations(observations, run.layout,
                                 tuple(observables(run.app)(run.model, run.fields)))
    if is_adaptive(case, overrides) and "time.dt" not in map(override_key, overrides):
        # Replay the steps an adaptive run accepts (ai/schedule.py); --set time.dt=X asks for uniform steps.
        run.schedule = adaptive_schedule(case, observed.times, overrides)
        if progress:
            console.print(f"steps: the {len(run.schedule)} an adaptive run accepts to t = {run.clock()[-1]:g} "
                          f"(dt {min(run.schedule):.3g} to {max(run.schedule):.3g})", highlight=False)
    run.resize(max(1, run.steps_at(observed.times, observed.source)[-1]))
    start = {k: float(v) for k, v in run.values().items()}
    bounds = dict(bounds or {})
    for key, (lo, hi) in bounds.items():
        if key not in params:
            raise CaseError(f"--bounds {key}: not one of --params {', '.join(params)}")
        if not lo <= start[key] <= hi:
            raise CaseError(f"--bounds {key}={lo:g}:{hi:g} exclude the start value {start[key]:g} of the case")
    for key, value in start.items():
        if value <= 0:
            raise CaseError(f"parameter {key} = {value:g}: calibration fits positive parameters (log scale)")
    noisy = dict(observed.values)
    if variables:
        missing = [v for v in variables if v not in noisy]
        if missing:
            raise CaseError(f"{observed.source}: no observed variable {', '.join(missing)}; "
                            f"the file holds {', '.join(noisy)}")
        noisy = {v: noisy[v] for v in variables}
    if noise:
        rng = np.random.default_rng(seed)
        noisy = {k: v + rng.normal(0.0, noise, v.shape) for k, v in noisy.items()}

    def to_values(theta: dict[str, jax.Array]) -> dict[str, jax.Array]:
        values = {k: start[k] * jnp.exp(theta[k]) for k in params}
        return {k: jnp.clip(v, *bounds[k]) if k in bounds else v for k, v in values.items()}

    def fit_from(theta: dict[str, jax.Array], iterations: int) -> list:
        loss_of_values = misfit(run, observed, noisy)
        return _optimise(lambda t: loss_of_values(to_values(t)), theta, iterations, optimizer, learning_rate,
                         to_values, progress, console, tolerance)

    history = fit_from({k: jnp.zeros((), jnp.float64) for k in params}, steps)
    if run.schedule is not None and len(history) - 1 < steps and all(_is_case_key(run, k) for k in params):
        # The adaptive steps depend on the parameters: refit once on the schedule of the fitted model,
        # so the fit does not carry the start's discretisation error.
        fitted = history[-1][1]
        run.schedule = adaptive_schedule(case, observed.times,
                                         [*overrides, *(f"{k}={v!r}" for k, v in fitted.items())])
        run.resize(max(1, run.steps_at(observed.times, observed.source)[-1]))
        if progress:
            console.print(f"refit on the {len(run.schedule)} steps an adaptive run accepts at the fitted values",
                          highlight=False)
        theta = {k: jnp.asarray(math.log(fitted[k] / start[k]), jnp.float64) for k in params}
        history += fit_from(theta, steps - (len(history) - 1))[1:]
    fitted = history[-1][1]
    _write(out, run, observed, noisy, history, fitted, start, params, bounds, noise, optimizer)
    console.print("fitted " + ", ".join(f"{k} = {v:.6g} (start {start[k]:.6g})" for k, v in fitted.items())
                  + f"; loss {history[0][0]:.3e} -> {history[-1][0]:.3e}", highlight=False)
    return Calibration(fitted, start, [h[0] for h in history], out)


def _optimise(loss, theta, steps, optimizer, learning_rate, to_values, progress, console, tolerance):
    """Run the optimiser; [(loss, {key: value}, |gradient|)] per iteration, the start first.

    It stops after `steps` iterations, or when an iteration changed every parameter by less than
    `tolerance` (relative), or when the gradient (with respect to log p) is zero to round-off.
    """
    import optax

    value_and_grad = jax.value_and_grad(loss)
    opt = optax.adam(learning_rate) if optimizer == "adam" else optax.lbfgs()

    @jax.jit
    def iterate(theta, state):
        value, grad = value_and_grad(theta)
        if optimizer == "adam":
            updates, state = opt.update(grad, state, theta)
        else:  # the line search evaluates the loss again, inside the same compiled step
            updates, state = opt.update(grad, state, theta, value=value, grad=grad, value_fn=loss)
        norm = jnp.max(jnp.stack([jnp.abs(g) for g in jax.tree.leaves(grad)]))
        return optax.apply_updates(theta, updates), state, value, norm

    state = opt.init(theta)
    history = []
    for iteration in range(steps):
        values = {k: float(v) for k, v in to_values(theta).items()}
        theta, state, value, norm = iterate(theta, state)
        history.append((float(value), values, float(norm)))
        if progress:
            console.print(f"iteration {iteration:3d}  loss {float(value):.4e}  |grad| {float(norm):.2e}  "
                          + "  ".join(f"{k} = {v:.6g}" for k, v in values.items()), highlight=False)
        if not math.isfinite(float(value)):
            raise CaseError("the loss became non-finite; lower --learning-rate or give --bounds")
        moved = max(abs(float(v) / values[k] - 1.0) for k, v in to_values(theta).items())
        if float(norm) <= 1e-14 or (tolerance > 0 and moved < tolerance):
            if progress:
                console.print(f"converged: the last iteration changed the parameters by {moved:.1e} "
                              f"(--tolerance {tolerance:g})", highlight=False)
            break
    value, grad = jax.jit(value_and_grad)(theta)
    norm = max(abs(float(g)) for g in jax.tree.leaves(grad))
    history.append((float(value), {k: float(v) for k, v in to_values(theta).items()}, norm))
    return history


def _write(out: Path, run: DifferentiableRun, observed: Observations, noisy, history, fitted, start, params,
           bounds, noise, optimizer) -> None:
    """calibration.json, the fitted case.toml, history.nc and fit.png."""
    out.mkdir(parents=True, exist_ok=True)
    data = run.config.model_dump(mode="json", exclude_none=True)
    # Parameters of the model that are not case keys (ionic.g_Na) are reported, not written to the case.
    case_keys = {k: v for k, v in fitted.items() if _is_case_key(run, k)}
    fitted_case = validate_case(type(run.config), apply_overrides(data, [f"{k}={v!r}" for k, v in case_keys.items()]),
                                "fitted case")
    write_text(out / "case.toml", to_toml(fitted_case))
    iterations = np.arange(len(history))
    ds = xr.Dataset({"loss": ("iteration", [h[0] for h in history],
                              {"long_name": "misfit / variance of the data", "units": "1"}),
                     "gradient": ("iteration", [h[2] for h in history],
                                  {"long_name": "largest |d loss / d log p| over the parameters", "units": "1"}),
                     **{k.replace(".", "_"): ("iteration", [h[1][k] for h in history],
                                              {"long_name": f"case key {k}", "case_key": k}) for k in params}},
                    coords={"iteration": ("iteration", iterations, {"long_name": "optimiser iteration",
                                                                     "units": "1"})},
                    attrs={"title": f"calibration of {run.config.name}", "case_name": run.config.name,
                           **provenance(run.config.precision)})
    write_netcdf(ds, out / "history.nc")
    write_text(out / "calibration.json", json.dumps({
        "case": run.config.name, "app": run.app.name, "observations": observed.source, "params": list(params),
        "start": start, "fitted": fitted, "bounds": bounds, "noise": noise, "optimizer": optimizer,
        "loss_start": history[0][0], "loss_end": history[-1][0], "iterations": len(history) - 1,
        "gradient_end": history[-1][2], "steps": "adaptive schedule" if run.schedule is not None else "uniform",
        "time_steps": run.steps}, indent=2))
    _plot(out / "fit.png", run, observed, noisy, fitted)


def _plot(path: Path, run: DifferentiableRun, observed: Observations, noisy, fitted) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    loss_values = {k: jnp.asarray(v, jnp.float64) for k, v in fitted.items()}
    model, snapshots = run.trajectory(loss_values, run.steps_at(observed.times, observed.source))
    name = next(iter(noisy))
    modelled = np.stack([np.asarray(_at(observables(run.app)(model, f)[name], observed)) for f in snapshots])
    fig, ax = plt.subplots(figsize=(5, 4.6), dpi=110)
    ax.plot(noisy[name].ravel(), modelled.ravel(), ".", ms=3, alpha=0.6)
    low, high = float(np.nanmin(noisy[name])), float(np.nanmax(noisy[name]))
    ax.plot([low, high], [low, high], "k-", lw=0.8)
    ax.set_xlabel(f"observed {name}")
    ax.set_ylabel(f"fitted model {name}")
    ax.set_title(", ".join(f"{k} = {v:.4g}" for k, v in fitted.items()), fontsize=9)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png")
    plt.close(fig)
