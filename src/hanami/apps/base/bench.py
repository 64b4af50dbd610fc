"""`Benchmarks`: the problems `hanami bench` measures for an app.

The front end (`hanami.bench`) owns the measuring (timing, records, machine
fingerprint, report); an app names only what to measure: shipped cases with
overrides, and how its figures are read (traffic model, norms of the final state).
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable


@dataclasses.dataclass(frozen=True)
class ScalingProblem:
    """Strong (and optionally weak) scaling over devices and processes.

    Attributes:
        case: shipped case name.
        settings: `--set` overrides for a fixed-step run.
        weak: overrides that make the problem `n` times larger (None: strong scaling only).
        norm: the diagnostic reported as the final state's norm.
    """

    case: str
    settings: tuple[str, ...]
    weak: Callable[[int], list[str]] | None
    norm: str


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


@dataclasses.dataclass(frozen=True)
class Benchmarks:
    """Everything `hanami bench` measures for one app (None: not measured for it)."""

    scaling: ScalingProblem | None = None
    gradient: GradientProblem | None = None
    surrogate: SurrogateProblem | None = None
