"""What an app gives the engine: its case schema, a builder, plots and validations."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, Callable, Protocol

import xarray as xr

from hanami.core.integrate import Attempt
from hanami.core.output import FieldLayout
from hanami.core.sections import CaseBase
from hanami.core.state import State


@dataclasses.dataclass
class Built:
    """A case turned into runnable parts.

    Attributes:
        model: the app's model (diagnostics, health, output fields).
        state: the initial state.
        attempt: the step of the time loop, closed over `model`.
        layout: how the fields map to the output dataset.
        attempt_for: the same attempt built for any model of this structure; an
            app that gives it runs ensembles (the members' models are stacked).
        chunk: a ready jitted loop chunk (ensembles), used instead of `attempt`.
    """

    model: Any
    state: State
    attempt: Attempt | None
    layout: FieldLayout
    attempt_for: Callable[[Any], Attempt] | None = None
    chunk: Callable | None = None


class App(Protocol):
    name: str
    schema: type[CaseBase]
    cases_dir: Path
    summary_keys: tuple[str, ...]

    def build(self, case: Any) -> Built: ...

    def plot(self, run_dir: Path, dataset: xr.Dataset, history: list[dict[str, float]]) -> list[Path]: ...


@dataclasses.dataclass
class Validation:
    """A named benchmark: `run(out_dir, quick) -> exit status`."""

    name: str
    description: str
    run: Callable[..., int]
