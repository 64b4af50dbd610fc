"""A small app defined only in the test suite: 1-D heat equation on a periodic line.

    du/dt = kappa d2u/dx2,   u(x, 0) = A sin(2 pi k x / L),

exact solution u = A exp(-kappa (2 pi k / L)^2 t) sin(2 pi k x / L). Second-order
central differences in space, explicit Euler in time (stable for
kappa dt / dx^2 <= 1/2). Nondimensional.

It uses only the App contract (`hanami.apps.base`) and core: it proves that a new
app needs no change outside its own folder (here, outside this file). It reaches
hanami through `hanami.apps.registry.register` or `HANAMI_APPS=tests.apps.heat:HeatApp`.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Callable, Literal

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from pydantic import Field, PositiveFloat
from rich.console import Console

from hanami.apps.base import (App, Benchmarks, Built, CaseRunner, Differentiation, GradientProblem, Parameter, Setting,
                              ThroughputProblem, Traffic, Validation, check, finish, value_at)
from hanami.core.simulation import Simulation
from hanami.config import Section
from hanami.core.files import default_run_dir
from hanami.core.integrate import fixed_step
from hanami.core.output import FieldLayout
from hanami.core.sections import CaseBase
from hanami.core.state import State


class HeatGrid(Section):
    points: int = Field(64, ge=8)
    length: PositiveFloat = 1.0


class HeatModelSection(Section):
    kappa: PositiveFloat = 0.01


class HeatInitial(Section):
    amplitude: float = 1.0
    mode: int = Field(1, ge=1)


class HeatCase(CaseBase):
    app: Literal["heat"] = "heat"
    grid: HeatGrid = HeatGrid()
    model: HeatModelSection = HeatModelSection()
    initial: HeatInitial = HeatInitial()


class Heat(eqx.Module):
    """The model: kappa a leaf (differentiable, varied by ensembles), the grid static."""

    kappa: jax.Array
    dx: float = eqx.field(static=True)

    def step(self, fields: dict[str, jax.Array], dt: jax.Array) -> dict[str, jax.Array]:
        u = fields["u"]
        laplacian = (jnp.roll(u, 1) - 2 * u + jnp.roll(u, -1)) / self.dx**2
        return {"u": u + dt * self.kappa * laplacian}

    def diagnostics(self, fields: dict[str, jax.Array]) -> dict[str, jax.Array]:
        u = fields["u"]
        return {"amplitude": jnp.max(jnp.abs(u)), "mean": jnp.mean(u)}

    def healthy(self, fields: dict[str, jax.Array]) -> jax.Array:
        return jnp.all(jnp.isfinite(fields["u"]))

    def bad_field(self, fields: dict[str, np.ndarray]) -> str:
        return "u"

    def output_fields(self, fields: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        return {"u": np.asarray(fields["u"])}


def exact(case: HeatCase, x: np.ndarray, t: float) -> np.ndarray:
    wavenumber = 2 * math.pi * case.initial.mode / case.grid.length
    return case.initial.amplitude * math.exp(-case.model.kappa * wavenumber**2 * t) * np.sin(wavenumber * x)


def validate_decay(runner: CaseRunner, *, out: Path | None = None, quick: bool = False, overrides: list[str] = (),
                   precision: str | None = None, progress: bool = True, console: Console | None = None) -> int:
    """Verification: the final field against the exact solution, max error below 1e-3 of the amplitude."""
    console = console or Console()
    run_dir = Path(out) if out else default_run_dir("validate-heat-decay")
    result = runner.run_case("heat-sine", out=run_dir / "run", overrides=list(overrides),
                             stop_time=0.5 if quick else None, precision=precision, progress=progress)
    case = runner.load_case(run_dir / "run" / "case.toml").case
    ds = result.dataset
    error = float(np.max(np.abs(ds["u"].values[-1] - exact(case, ds["x"].values, float(ds["time"].values[-1])))))
    checks = [check("max |u - exact| at the end", "verification", error, error <= 1e-3, limit="<= 1e-3",
                    reference="0", source="exact solution: a decaying sine mode; the limit is 1e-3 of its amplitude")]
    return finish({"benchmark": "heat-decay", "quick": quick, "checks": checks}, run_dir, console)


def _norms(built: Built) -> Callable[[Simulation], dict[str, Any]]:
    def final(sim: Simulation) -> dict[str, Any]:
        u = np.asarray(jax.device_get(sim.state.fields["u"]), np.float64)
        return {"time": sim.time, "rms_u": float(np.sqrt(np.mean(u**2))), "finite": bool(np.all(np.isfinite(u)))}
    return final


def _stable(points: int) -> tuple[str, ...]:
    """`points` nodes with a step at 0.4 of the explicit stability limit dx^2 / (2 kappa)."""
    return (f"grid.points={points}", f"time.dt={0.2 / points**2 / 0.01!r}")


BENCHMARKS = Benchmarks(
    throughput=(ThroughputProblem(
        case="heat-sine", points=Setting((64,), (256, 1024)), at=_stable, label=lambda n: f"{n} points",
        traffic=Traffic(3), norms=_norms, sized=True,
        fields=lambda case, chunk, per_step: {"time_stepping": {"dt": case.time.dt, "chunk_attempts": chunk}}),),
    gradient=GradientProblem("heat-sine", (), "model.kappa", 50, "u"),
    resolution=lambda case: [case.grid.points],
)


class HeatApp(App):
    name = "heat"
    description = "1-D heat equation (test suite only)"
    schema = HeatCase
    cases_dir = Path(__file__).parent / "heat_cases"
    summary_keys = ("amplitude", "mean")
    output_fields = ("u",)
    validations = (Validation("heat-decay", "a decaying sine against the exact solution", validate_decay,
                              quick="t = 0.5"),)
    benchmarks = BENCHMARKS
    differentiation = Differentiation(
        parameters={"model.kappa": Parameter("model.kappa", "1", lambda c: c.model.kappa,
                                             value_at("model.kappa", "kappa"))},
        observables=lambda model, fields: {"u": fields["u"]})

    def build(self, case: HeatCase) -> Built:
        n, length = case.grid.points, case.grid.length
        x = np.arange(n) * length / n
        model = Heat(kappa=jnp.asarray(case.model.kappa, case.precision), dx=length / n)
        state = State.start({"u": jnp.asarray(exact(case, x, 0.0), case.precision)}, dt=case.time.dt)
        layout = FieldLayout(("x",), {"x": (x, {"long_name": "position", "units": "1"})},
                             {"u": {"long_name": "temperature", "units": "1"}, "time": {"units": "1"}},
                             periods={"x": length})
        return Built(model=model, state=state, attempt=fixed_step(model.step), layout=layout,
                     attempt_for=lambda m: fixed_step(m.step))


