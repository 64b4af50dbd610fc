"""`hanami train-surrogate`: train, evaluate on held-out members, write everything to one directory.

The directory holds surrogate.json and surrogate.eqx (reload with
`hanami.ai.surrogate.load`), history.nc (losses per epoch), report.json (errors,
speeds) and comparison.png (solver and surrogate side by side after the rollout).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any, Sequence

import equinox as eqx
import jax
import numpy as np
import xarray as xr
from rich.console import Console
from rich.table import Table

from hanami.ai.evaluation import one_step_errors, rollout_errors, solver_speed, surrogate_speed
from hanami.ai.samples import EnsembleSamples
from hanami.ai.surrogate import Surrogate, SurrogateSpec
from hanami.ai.training import fit, trained_leaves
from hanami.apps.base import SurrogateSettings
from hanami.apps.registry import apps
from hanami.core.files import atomic_path, write_text
from hanami.core.cf import model_time_units
from hanami.core.output import provenance, write_netcdf
from hanami.errors import CaseError


def surrogate_settings() -> dict[str, SurrogateSettings]:
    """App name -> its surrogate settings, for every registered app that declares them."""
    return {name: app.surrogate for name, app in apps().items() if app.surrogate is not None}


def _settings(app: str) -> SurrogateSettings:
    known = surrogate_settings()
    if app not in known:
        raise CaseError(f"--app {app!r}: one of {', '.join(known)}")
    return known[app]


@dataclasses.dataclass
class TrainingOptions:
    """The command's options (see `hanami train-surrogate --help`)."""

    epochs: int = 20
    batch_size: int = 16
    learning_rate: float = 3e-3
    width: int = 32
    layers: int = 4
    modes: int | None = None
    rollout: int = 10
    seed: int = 0
    augment: bool | None = None

    def check(self, app: str) -> None:
        mirror_symmetric = _settings(app).mirror_symmetric
        if self.augment is None:
            self.augment = mirror_symmetric
        if self.augment and not mirror_symmetric:
            raise CaseError(f"--augment: the {app} app's dynamics are not mirror-symmetric (rotation, fibres or "
                            "orography give them a direction); leave it out")
        for name in ("epochs", "batch_size", "width", "layers", "rollout"):
            if getattr(self, name) < 1:
                raise CaseError(f"--{name.replace('_', '-')} = {getattr(self, name)}: must be >= 1")
        if not self.learning_rate > 0:
            raise CaseError(f"--learning-rate = {self.learning_rate}: must be > 0")


def default_modes(domain: str, shape: Sequence[int]) -> int:
    """Half the modes the grid resolves (at most 16 per axis on a box, degree 31 on the sphere)."""
    if domain == "sphere":
        return max(1, min(32, shape[0] // 2, (shape[1] - 1) // 4 + 1))
    return max(1, min(16, min(shape) // 4))


def make_spec(samples: EnsembleSamples, app: str, options: TrainingOptions) -> SurrogateSpec:
    domain = _settings(app).domain
    shape = samples.shape[1:]
    if domain == "sphere" and len(shape) != 2:
        raise CaseError(f"{samples.path}: a sphere surrogate needs (lat, lon) fields, not {samples.space_dims}")
    stats = samples.statistics()
    ds = samples.ds
    return SurrogateSpec(
        app=app, variables=tuple(samples.variables), dims=tuple(samples.space_dims), shape=tuple(shape),
        domain=domain, interval=samples.interval, stride=samples.stride,
        time_units=model_time_units(ds), width=options.width, layers=options.layers,
        modes=options.modes or default_modes(domain, shape), forcing=tuple(samples.forcing_names),
        mean=tuple(stats["mean"].tolist()), std=tuple(stats["std"].tolist()),
        change_std=tuple(stats["change_std"].tolist()), forcing_mean=tuple(stats["forcing_mean"].tolist()),
        forcing_std=tuple(stats["forcing_std"].tolist()), dataset=str(samples.path),
        train_members=tuple(samples.train), test_members=tuple(samples.test), seed=options.seed)


def train_surrogate(dataset: Path, app: str, out: Path, options: TrainingOptions, *, variables: Sequence[str] = (),
                    stride: int = 1, test_members: int | None = None, condition: Sequence[str] | None = None,
                    start_time: float | str = 0.0,
                    progress: bool = True, console: Console | None = None) -> dict[str, Any]:
    """Train a surrogate of `app` on the ensemble store `dataset`; returns the report (also report.json)."""
    options.check(app)
    samples = EnsembleSamples(dataset, variables, stride=stride, test_members=test_members, seed=options.seed,
                              condition=condition, start_time=start_time)
    made_by = samples.ds.attrs.get("app")
    if made_by is not None and made_by != app:
        raise CaseError(f"{dataset}: the dataset was written by the {made_by} app, not {app} (--app {made_by})")
    if not samples.starts(options.rollout):
        raise CaseError(f"{dataset}: no snapshot has {options.rollout} learned steps of "
                        f"{samples.dt:g} after it; lower --rollout or --stride, or run the ensemble longer")
    try:
        surrogate = Surrogate.create(make_spec(samples, app, options), jax.random.key(options.seed))
    except ValueError as err:
        raise CaseError(f"{dataset}: {err}") from None
    console = console or Console(stderr=True)
    console.print(f"training on members {samples.train}, holding out {samples.test}: "
                  f"{len(samples.pairs(samples.train))} samples of {', '.join(samples.variables)} "
                  f"{samples.shape[1:]}, step {samples.dt:g}", highlight=False)
    surrogate, history = fit(surrogate, samples, epochs=options.epochs, batch_size=options.batch_size,
                             learning_rate=options.learning_rate, out=out, progress=progress, console=console,
                             augment=options.augment)
    _write_history(out / "history.nc", history)
    rolled = rollout_errors(surrogate, samples, options.rollout)
    example = rolled.pop("example")
    report = {
        "app": app, "dataset": str(dataset), "variables": samples.variables, "dt": samples.dt,
        "time_units": surrogate.spec.time_units, "train_members": samples.train, "test_members": samples.test,
        "architecture": {"kind": "spherical Fourier neural operator" if surrogate.spec.domain == "sphere"
                         else "Fourier neural operator", "width": options.width, "layers": options.layers,
                         "modes": surrogate.spec.modes,
                         "parameters": parameter_count(surrogate)},
        "training": {"epochs": options.epochs,
                     "batch_size": min(options.batch_size, len(samples.pairs(samples.train))),
                     "learning_rate": options.learning_rate, "augment": options.augment,
                     "final_train_loss": history[-1]["train_loss"], "final_test_loss": history[-1]["test_loss"],
                     "samples_per_second": float(np.nanmedian([h["samples_per_second"] for h in history])),
                     "seconds": float(sum(h["seconds"] for h in history))},
        "one_step": one_step_errors(surrogate, samples, options.batch_size),
        "rollout": rolled,
        "speed": _speed(surrogate, samples, options.batch_size),
        "provenance": provenance("float32"),
    }
    write_text(out / "report.json", json.dumps(report, indent=2))
    _plot(out / "comparison.png", surrogate.spec, example, options.rollout)
    _print_summary(console, report)
    return report


def parameter_count(surrogate: Surrogate) -> int:
    """Trained numbers (a complex weight counts as two)."""
    return int(sum(np.size(x) for x in jax.tree.leaves(eqx.filter(surrogate, trained_leaves(surrogate)))))


def _speed(surrogate: Surrogate, samples: EnsembleSamples, batch: int) -> dict[str, Any]:
    learned = surrogate_speed(surrogate, samples, batch)
    solver = solver_speed(samples)
    return {"surrogate": learned, "solver": solver,
            "speedup": solver["seconds_per_step"] / learned["seconds_per_step"],
            "speedup_batched": solver["seconds_per_step"] / learned["seconds_per_state_batched"]}


def _write_history(path: Path, history: list[dict[str, float]]) -> None:
    ds = xr.Dataset({k: ("epoch", np.array([h[k] for h in history], np.float64)) for k in history[0] if k != "epoch"},
                    coords={"epoch": [h["epoch"] for h in history]})
    ds["train_loss"].attrs.update(long_name="training loss (mean square error in units of the typical step change)",
                                  units="1")
    ds["test_loss"].attrs.update(long_name="held-out loss (same units)", units="1")
    ds["epoch"].attrs.update(long_name="training epoch", units="1")
    ds["seconds"].attrs.update(long_name="wall time since training started", units="s")
    ds["samples_per_second"].attrs.update(long_name="training samples per second of stepping", units="s-1")
    ds.attrs["title"] = "surrogate training history"
    write_netcdf(ds, path)


def _plot(path: Path, spec: SurrogateSpec, example: dict[str, Any], steps: int) -> None:
    """Solver | surrogate | difference for each variable, `steps` learned steps into a held-out member."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    truth, predicted = example["truth"][0], example["predicted"][0]
    rows = len(spec.variables)
    fig, axes = plt.subplots(rows, 3, figsize=(11, 3.2 * rows), squeeze=False, constrained_layout=True)
    extent = [0, 360, -90, 90] if spec.domain == "sphere" else None
    for r, name in enumerate(spec.variables):
        a, b = _plane(truth[r]), _plane(predicted[r])
        lo, hi = float(min(a.min(), b.min())), float(max(a.max(), b.max()))
        diff = b - a
        bound = float(np.abs(diff).max()) or 1.0
        for col, (field, title, cmap, limits) in enumerate((
                (a, f"{name}: solver", "viridis", (lo, hi)), (b, f"{name}: surrogate", "viridis", (lo, hi)),
                (diff, f"{name}: surrogate - solver", "RdBu_r", (-bound, bound)))):
            ax = axes[r, col]
            image = ax.imshow(field, origin="lower", cmap=cmap, vmin=limits[0], vmax=limits[1], extent=extent,
                              aspect="auto" if extent else "equal")
            ax.set_title(title, fontsize=10)
            ax.set_ylabel(spec.dims[0])
            ax.set_xlabel(spec.dims[1] if len(spec.dims) > 1 else "")
            fig.colorbar(image, ax=ax, shrink=0.8)
    fig.suptitle(f"held-out member {example['member']}: {steps} learned steps of {_duration(spec.dt, spec.time_units)} "
                 f"from t = {_duration(example['time'], spec.time_units)}")
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=90)
    plt.close(fig)


def _duration(value: float, units: str) -> str:
    """A time for a title: hours or days for seconds, the bare number for a unitless time."""
    unit = units.split(" since ")[0].strip()
    if unit in ("s", "seconds", "second"):
        return f"{value / 86400:g} days" if value >= 86400 and value % 86400 == 0 else f"{value / 3600:g} h"
    return f"{value:g}" if unit in ("1", "") else f"{value:g} {unit}"


def _plane(field: np.ndarray) -> np.ndarray:
    """A 2D view: the field itself, or the middle slice of a 3D one (x as columns)."""
    while field.ndim > 2:
        field = field[..., field.shape[-1] // 2]
    return field if field.ndim == 2 else field[None, :]


def _print_summary(console: Console, report: dict[str, Any]) -> None:
    table = Table(title=f"held-out members {report['test_members']}: RMS error (persistence)")
    table.add_column("variable")
    table.add_column("one step")
    table.add_column(f"{report['rollout'].get('steps', 0)}-step rollout")
    for v, name in enumerate(report["variables"]):
        one = report["one_step"]
        roll = report["rollout"]
        last = f"{roll['surrogate'][-1][v]:.3g} ({roll['persistence'][-1][v]:.3g})" if roll else "-"
        table.add_row(name, f"{one['surrogate'][v]:.3g} ({one['persistence'][v]:.3g})", last)
    console.print(table)
    speed = report["speed"]
    console.print(f"speed-up over the solver per learned step: {speed['speedup']:.3g}x for one state, "
                  f"{speed['speedup_batched']:.3g}x batched; training {report['training']['samples_per_second']:.3g} "
                  "samples/s", highlight=False)
