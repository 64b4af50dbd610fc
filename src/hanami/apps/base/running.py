"""What a validation (or another front end) gets when it runs a case: the runner's interface."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, Sequence

import xarray as xr

if TYPE_CHECKING:
    from hanami.apps.base.app import App


@dataclasses.dataclass
class LoadedCase:
    """A validated case and the app it belongs to."""

    app: "App"
    case: Any
    source: str


@dataclasses.dataclass
class RunResult:
    """A finished run: its directory, summary.json, output dataset and diagnostics history."""

    run_dir: Path
    summary: dict[str, Any]
    dataset: xr.Dataset | None
    history: list[dict[str, float]]


class CaseRunner(Protocol):
    """How an app's validation runs cases; `hanami.runner` is one. Validations receive it as
    an argument, so the apps never import the layer above them."""

    def run_case(self, case: str | Path | None = None, *, out: Path | None = None, overrides: Sequence[str] = (),
                 stop_time: float | str | None = None, precision: str | None = None,
                 progress: bool = True) -> RunResult:
        """Run a shipped case (by name) or a case file into the run directory `out`."""

    def load_case(self, name_or_file: str | Path, overrides: Sequence[str] = ()) -> LoadedCase:
        """Read, override and validate a case (raises `CaseError`)."""
