"""`App`: one application's case schema, builder, plots and declarations for the front ends."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, ClassVar

import xarray as xr

from hanami.core.integrate import Attempt
from hanami.core.model import Model
from hanami.core.output import FieldLayout
from hanami.core.sections import CaseBase
from hanami.core.state import State

if TYPE_CHECKING:
    from hanami.apps.base.ai import Differentiation, SurrogateSettings
    from hanami.apps.base.bench import Benchmarks
    from hanami.apps.base.validation import Validation


@dataclasses.dataclass
class Built:
    """A case turned into runnable parts.

    Attributes:
        model: the app's model (diagnostics, health, output fields).
        state: the initial state.
        attempt: the step of the time loop, closed over `model`.
        layout: how the fields map to the output dataset.
        attempt_for: the same attempt built for any model of this structure; an
            app that gives it runs ensembles (the members' models are stacked) and
            differentiable runs.
        chunk: a ready loop chunk (ensembles), used instead of one made from `attempt`.
    """

    model: Model
    state: State
    attempt: Attempt | None
    layout: FieldLayout
    attempt_for: Callable[[Any], Attempt] | None = None
    chunk: Callable | None = None


class App:
    """Base of every app: set the class attributes, implement `build` (and `plot`).

    Attributes:
        name: the value of `app` in a case file.
        description: one line for `hanami list` and the docs.
        schema: the pydantic case schema (a `CaseBase`).
        cases_dir: the folder of the shipped case files (`*.toml`).
        summary_keys: diagnostics written to the output and summary.json; the first is
            shown in the progress line.
        output_fields: the fields the model may write to the output dataset (a case writes a subset:
            a single cell has no activation map).
        validations: `hanami validate` entries.
        benchmarks: `hanami bench` problems (None: the app has no benchmark suite).
        differentiation: differentiable parameters and observables (None: none).
        surrogate: settings of `hanami train-surrogate` for this app (None: no surrogate).
    """

    name: ClassVar[str]
    description: ClassVar[str] = ""
    schema: ClassVar[type[CaseBase]]
    cases_dir: ClassVar[Path | None] = None
    summary_keys: ClassVar[tuple[str, ...]] = ()
    output_fields: ClassVar[tuple[str, ...]] = ()
    validations: ClassVar[tuple["Validation", ...]] = ()
    benchmarks: ClassVar["Benchmarks | None"] = None
    differentiation: ClassVar["Differentiation | None"] = None
    surrogate: ClassVar["SurrogateSettings | None"] = None

    def build(self, case: Any) -> Built:
        """The model, initial state, attempt and output layout of a validated case.

        Raises:
            ValueError: the case cannot be built (the message names the key and the fix).
        """
        raise NotImplementedError

    def plot(self, run_dir: Path, dataset: xr.Dataset, history: list[dict[str, float]]) -> list[Path]:
        """Pictures of a finished run written into `run_dir`; the paths written."""
        return []

    def shipped_cases(self) -> dict[str, Path]:
        """Case name -> file of every case this app ships."""
        if self.cases_dir is None:
            return {}
        return {path.stem: path for path in sorted(Path(self.cases_dir).glob("*.toml"))}
