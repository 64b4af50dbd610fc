"""`Benchmarks`: the problems `hanami bench` measures for an app.

The front end (`hanami.bench`) owns the measuring (timing, records, machine
fingerprint, report); an app names only what to measure: shipped cases with
overrides, the values its suite sweeps for `--quick` and the full suite, and how
its figures are read (traffic model, norms of the final state, its own record
fields). Peer codes it is compared with are declared here too (`Peer`); they get
the loaded case as an argument and return plain figures.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, Callable, Generic, TypeVar

import numpy as np

from hanami.apps.base.scaling import Projection

if TYPE_CHECKING:
    from hanami.apps.base.app import Built
    from hanami.apps.base.running import LoadedCase
    from hanami.core.simulation import Simulation

T = TypeVar("T")
Norms = Callable[["Built"], Callable[["Simulation"], dict[str, Any]]]
"""`norms(built)`, called before the run (the state's buffers are donated to it), returns
`final(sim)`: the record's `final` block (norms of the finished run's state, so that a
fast wrong answer shows)."""


@dataclasses.dataclass(frozen=True)
class Setting(Generic[T]):
    """A value the suite's plan picks: `quick` for `--quick`, `full` otherwise.

    Attributes:
        quick: the value of the quick suite.
        full: the value of the full suite.
        option: a `Plan` keyword that replaces both (a tiny plan in a test), or None.
    """

    quick: T
    full: T
    option: str | None = None


@dataclasses.dataclass(frozen=True)
class Traffic:
    """Modelled memory traffic of one grid-point update, for the roofline.

    Attributes:
        passes: reads and writes of one field value per grid-point update [1].
    """

    passes: int

    def bytes_per_update(self, precision: str) -> int:
        """Bytes moved per grid-point update in `precision` ("float32" or "float64") [bytes]."""
        return self.passes * np.dtype(precision).itemsize


@dataclasses.dataclass(frozen=True)
class PeerSettings:
    """What a peer run must match: hanami's run of the same problem.

    Attributes:
        precision: "float32" or "float64".
        steps: timed steps per repeat (peers of a throughput problem), else None.
        repeats: timed repeats (the median counts).
        chunk: warm-up steps before the timed repeats.
        stop_time: simulated time to reach [app time units] (peers of a whole run), else None.
    """

    precision: str
    steps: int | None
    repeats: int
    chunk: int
    stop_time: float | None = None


@dataclasses.dataclass(frozen=True)
class Peer:
    """Another code on the same problem (`hanami bench --peers`).

    Attributes:
        code: the record's `code` (e.g. "py-pde").
        requirement: what is missing when `available()` is false, named in the skip note.
        available: whether the peer can be imported.
        run: `run(loaded, settings) -> figures`: runs the peer on the loaded case (hanami's
            problem, in the settings' precision) and returns its record's fields without
            `schema_version`, `kind`, `app`, `machine` and `date_utc` (bench stamps those).
        compare: `compare(peer_record, records)`: adds to the peer's record hanami's figures
            of the same problem from the suite's `records` (`ratio_to_hanami`, `hanami`).
        precisions: the precisions it runs in (None: the suite's).
        stop_time: the simulated time of a whole-run peer [app time units].
        note: appended to its task's description (e.g. what takes long).
    """

    code: str
    requirement: str
    available: Callable[[], bool]
    run: Callable[["LoadedCase", PeerSettings], dict[str, Any]]
    compare: Callable[[dict[str, Any], list[dict[str, Any]]], None]
    precisions: tuple[str, ...] | None = None
    stop_time: Setting[float] | None = None
    note: str = ""


@dataclasses.dataclass(frozen=True)
class ThroughputProblem:
    """Fixed-step throughput of a shipped case over a sweep of points (grid sizes, spacings, truncations).

    Each point is one `throughput` record per precision: `repeats` x `steps` steps
    after a compile and a warm-up chunk.

    Attributes:
        case: the shipped case name, or `case(point)` where the point picks the case.
        points: the values swept.
        at: `--set` overrides for one point.
        label: `label(point)`: the point in task descriptions (e.g. "64x64", "williamson-tc5 T63").
        traffic: the memory traffic model.
        norms: the record's `final` block (see `Norms`).
        fields: `fields(case, chunk, time_per_step_s)`: the app's own record fields
            (e.g. `time_stepping`, `box`, `sypd`); `chunk` [steps], `time_per_step_s` [s].
        overrides: `--set` overrides for every point (fixed steps, no output).
        steps: steps per timed repeat, with a warm-up chunk of half of them (None: the
            plan's steps and chunk).
        sized: the points are grid points per side; `--sizes` replaces them.
        note: put before the step count in task descriptions (e.g. "fixed dt, ").
    """

    case: str | Callable[[Any], str]
    points: Setting[tuple[Any, ...]]
    at: Callable[[Any], tuple[str, ...]]
    label: Callable[[Any], str]
    traffic: Traffic
    norms: Norms
    fields: Callable[[Any, int, float], dict[str, Any]]
    overrides: tuple[str, ...] = ()
    steps: Setting[int] | None = None
    sized: bool = False
    note: str = ""
    peers: tuple[Peer, ...] = ()

    def case_name(self, point: Any) -> str:
        """The shipped case measured at `point`."""
        return self.case if isinstance(self.case, str) else self.case(point)


@dataclasses.dataclass(frozen=True)
class AdaptiveProblem:
    """The shipped case's own (adaptive) run, timed to each of several stop times (`adaptive` records).

    One continuing run per precision lands on the case's output and checkpoint times
    as `hanami run` does (writing nothing); each record holds cumulative figures from t = 0.

    Attributes:
        case: shipped case name.
        label: the problem in task descriptions (e.g. "BM1a").
        times: increasing stop times [app time units].
        traffic: the memory traffic model of an attempt.
        norms: the record's `final` block (see `Norms`).
        fields: `fields(case)`: the app's own record fields (e.g. `time_stepping`, `box`).
        peers: codes run on the same problem to their `stop_time`, compared with these records.
    """

    case: str
    label: str
    times: Setting[tuple[float, ...]]
    traffic: Traffic
    norms: Norms
    fields: Callable[[Any], dict[str, Any]]
    peers: tuple[Peer, ...] = ()


@dataclasses.dataclass(frozen=True)
class ScalingProblem:
    """Strong (and optionally weak) scaling over devices and processes.

    Attributes:
        case: shipped case name.
        settings: `--set` overrides for a fixed-step run.
        weak: overrides that make the problem `n` times larger (None: strong scaling only).
        norm: the diagnostic reported as the final state's norm.
        projection: a large problem and its communication for the scaling model's predictions
            on many devices (`python -m hanami.bench.scaling_model`), or None.
    """

    case: str
    settings: tuple[str, ...]
    weak: Callable[[int], list[str]] | None
    norm: str
    projection: Projection | None = None


@dataclasses.dataclass(frozen=True)
class GradientProblem:
    """The gradient of a scalar loss of the final state through a whole run.

    Attributes:
        case: shipped case name.
        overrides: `--set` overrides of the small problem.
        parameter: the differentiable case key (see `Differentiation`).
        steps: fixed steps of the run.
        field: the field whose mean square is the loss.
        large: overrides added for the large problem (a grid that occupies a GPU).
    """

    case: str
    overrides: tuple[str, ...]
    parameter: str
    steps: int
    field: str
    large: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class SurrogateProblem:
    """The ensemble a surrogate's speed is measured on.

    Attributes:
        case: shipped case name.
        overrides: `--set` overrides of the ensemble's members.
        stop: stop time (app units, or text with a unit).
        ensemble: the `[ensemble]` table (members, vary).
        fields: the fields learned (empty: every output field).
        start_time: snapshots before it are left out (a spin-up).
    """

    case: str
    overrides: tuple[str, ...]
    stop: float | str
    ensemble: dict[str, Any]
    fields: tuple[str, ...] = ()
    start_time: float = 0.0


def _grid_shape(case: Any) -> list[int]:
    return [int(n) for n in case.grid.build().shape]


@dataclasses.dataclass(frozen=True)
class Benchmarks:
    """Everything `hanami bench` measures for one app (None or empty: not measured for it).

    Attributes:
        throughput: the fixed-step problems of the app's suite (`hanami bench APP`).
        adaptive: the whole runs of the app's suite, each timed to its stop times.
        scaling: the problem of `hanami bench APP --devices ... --processes ...`.
        gradient: the app's problem in `hanami bench gradients`.
        surrogate: the app's problem in `hanami bench surrogates`.
        resolution: `resolution(case)`: the grid shape [points per axis] records carry.
    """

    throughput: tuple[ThroughputProblem, ...] = ()
    adaptive: tuple[AdaptiveProblem, ...] = ()
    scaling: ScalingProblem | None = None
    gradient: GradientProblem | None = None
    surrogate: SurrogateProblem | None = None
    resolution: Callable[[Any], list[int]] = _grid_shape

    @property
    def has_suite(self) -> bool:
        """Whether `hanami bench APP` measures anything (throughput or a whole run)."""
        return bool(self.throughput) or bool(self.adaptive)
