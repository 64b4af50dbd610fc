"""`hanami validate NAME`: find the validation in the registry and run it with the runner.

Validations belong to their apps (`App.validations`); this front end knows none
of them by name. It checks the options a validation takes, then hands it the
runner (`hanami.runner`), through which the validation runs its cases.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console

from hanami import runner
from hanami.apps.base import App, Validation, ValidationOption
from hanami.apps.registry import validations
from hanami.errors import CaseError

PRECISIONS = ("float32", "float64")


def options() -> dict[str, tuple[ValidationOption, list[str]]]:
    """Every extra option of any validation, with the validations that take it."""
    found: dict[str, tuple[ValidationOption, list[str]]] = {}
    for name, (_, validation) in validations().items():
        for option in validation.options:
            found.setdefault(option.name, (option, []))[1].append(name)
    return found


def find(name: str) -> tuple[App, Validation]:
    known = validations()
    if name not in known:
        raise CaseError(f"unknown benchmark {name!r}; allowed: {', '.join(known)}")
    return known[name]


def run_validation(name: str, *, out: Path | None = None, quick: bool = False, precision: str | None = None,
                   overrides: list[str] = (), progress: bool = True, console: Console | None = None,
                   **extra: Any) -> int:
    """Run the validation `name` (options left None are not passed); return its exit status."""
    _, validation = find(name)
    if precision is not None and precision not in PRECISIONS:
        raise CaseError(f"--precision {precision!r}: allowed values are {', '.join(PRECISIONS)}")
    takes = {option.name for option in validation.options}
    given = {key: value for key, value in extra.items() if value is not None}
    for key in given:
        if key not in takes:
            option, users = options().get(key, (ValidationOption(key, str, ""), []))
            raise CaseError(f"{option.flag} applies to {', '.join(users) or 'no validation'} only, not to {name!r}")
    return validation.run(runner, out=out, quick=quick, precision=precision, overrides=list(overrides),
                          progress=progress, console=console or Console(), **given)
