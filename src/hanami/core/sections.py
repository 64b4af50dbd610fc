"""Case-file tables the engine reads for every app: time, stop, output, checkpoint,
diagnostics and parallel layout. Apps add their own `grid`, `model`, `initial`."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

import pydantic
from pydantic import BeforeValidator, Field, PositiveFloat, PositiveInt

from hanami.config import Section
from hanami.units import coerce_duration

# A time key accepts a number (model time units) or a string with a unit
# ("15 days", "6 h", "900 s"; converted to seconds), see `hanami.units`.
PositiveDuration = Annotated[PositiveFloat, BeforeValidator(coerce_duration)]
Duration = Annotated[float, BeforeValidator(coerce_duration)]


class TimeSection(Section):
    """Time stepping.

    `dt` is the step for a fixed-step run and the first step of an adaptive run.
    With `adaptive = true` the step is chosen by step doubling so that the estimated
    local error (RMS over the grid) stays below `tolerance`; `dt_min` and `dt_max`
    bound it.
    """

    dt: PositiveDuration = 0.01
    adaptive: bool = True
    tolerance: PositiveFloat = Field(1e-4, lt=1.0)
    dt_min: PositiveDuration = 1e-8
    dt_max: PositiveDuration = 1e6
    order: Literal[1, 2] = 2
    safety: float = Field(0.9, gt=0.0, le=1.0)

    @pydantic.model_validator(mode="after")
    def _bounds(self) -> "TimeSection":
        if self.dt_min > self.dt_max:
            raise ValueError(f"dt_min = {self.dt_min} exceeds dt_max = {self.dt_max}")
        if self.adaptive and not (self.dt_min <= self.dt <= self.dt_max):
            raise ValueError(f"dt = {self.dt} must lie in [dt_min, dt_max] = [{self.dt_min}, {self.dt_max}]")
        return self


class StopSection(Section):
    """When the run ends: the first of simulated time, iteration count or wall time [s]."""

    time: PositiveDuration | None = None
    iteration: PositiveInt | None = None
    wall_time: PositiveDuration | None = None

    @pydantic.model_validator(mode="after")
    def _some_stop(self) -> "StopSection":
        if self.time is None and self.iteration is None and self.wall_time is None:
            raise ValueError("give at least one of stop.time, stop.iteration, stop.wall_time")
        return self


class OutputSection(Section):
    """Field snapshots: at given times, every `interval` of simulated time (0 = off),
    every `iteration_interval` steps (0 = off), or any mix. The initial and the
    final state are always written. The dataset follows CF-1.8 (docs/outputs.md);
    `vtk = true` also writes VTK image data per output time and an `output.pvd`
    series for ParaView (Cartesian grids: phase field, cardiac tissue).
    """

    format: Literal["netcdf", "zarr"] = "netcdf"
    times: list[Duration] = Field(default_factory=list)
    interval: Duration = Field(0.0, ge=0.0)
    iteration_interval: int = Field(0, ge=0)
    plots: bool = True
    vtk: bool = False

    @pydantic.field_validator("times")
    @classmethod
    def _sorted_nonnegative(cls, times: list[float]) -> list[float]:
        if any(t < 0 for t in times):
            raise ValueError("output times must be >= 0")
        return sorted(set(times))


class CheckpointSection(Section):
    """Checkpoints for exact restarts: every `interval` of simulated time and/or every
    `wall_interval` seconds of wall time (0 turns either off); the newest `keep`
    are kept. A checkpoint is also written at the start and at the end."""

    interval: Duration = Field(0.0, ge=0.0)
    wall_interval: Duration = Field(600.0, ge=0.0)
    keep: PositiveInt = 3


class DiagnosticsSection(Section):
    """Scalar diagnostics are recorded every `every_iterations` steps and at every output."""

    every_iterations: PositiveInt = 10
    nan_check: bool = True


class ParallelSection(Section):
    """Layout of the state on a device mesh. `devices = 0` means all visible devices."""

    devices: int = Field(1, ge=0)


class EnsembleSection(Section):
    """Members of an ensemble run, advanced together as one vmapped batch.

    `vary` maps a dotted case key to one value per member, e.g.
    `vary = {"model.kappa" = [1.5, 2.0, 2.5, 3.0]}`; keys not listed are shared.
    Only values that keep the grid and the precision may vary.
    """

    members: PositiveInt = 1
    # Values are checked as each member's case is validated.
    vary: dict[str, list[Any]] = Field(default_factory=dict)

    @pydantic.model_validator(mode="after")
    def _one_value_per_member(self) -> "EnsembleSection":
        for key, values in self.vary.items():
            if key.split(".")[0] in ("ensemble", "parallel", "precision", "app"):
                raise ValueError(f"vary['{key}']: this key cannot vary between members")
            if len(values) != self.members:
                raise ValueError(f"vary['{key}'] has {len(values)} values for {self.members} members; "
                                 "give one value per member")
        return self


class DifferentiationSection(Section):
    """Gradients through a run (`hanami calibrate`, `hanami.ai.DifferentiableRun`): the steps
    are grouped in chunks of `remat_chunk` steps whose inner states are recomputed in the
    reverse pass instead of kept. 0 picks about sqrt(steps) (memory O(sqrt N)); a value of
    at least the run's steps keeps every state (fastest, memory O(N))."""

    remat_chunk: int = Field(0, ge=0)


class CaseBase(Section):
    """Keys every case file has; each app adds `grid`, `model` and `initial`."""

    # The app's time unit in seconds (None: nondimensional); see hanami.units.
    time_unit_s: ClassVar[float | None] = None

    app: str
    name: str = "custom"
    description: str = ""
    precision: Literal["float32", "float64"] = "float64"
    time: TimeSection = TimeSection()
    stop: StopSection
    output: OutputSection = OutputSection()
    checkpoint: CheckpointSection = CheckpointSection()
    diagnostics: DiagnosticsSection = DiagnosticsSection()
    parallel: ParallelSection = ParallelSection()
    ensemble: EnsembleSection = EnsembleSection()
    differentiation: DifferentiationSection = DifferentiationSection()
