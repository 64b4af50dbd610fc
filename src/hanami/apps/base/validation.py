"""`Validation`: one `hanami validate NAME` entry of an app."""

from __future__ import annotations

import dataclasses
from typing import Callable


@dataclasses.dataclass(frozen=True)
class ValidationOption:
    """An option a validation takes besides the common ones (`--name` on the command line).

    Attributes:
        name: the keyword passed to `run` (`reference_truncation` is `--reference-truncation`).
        type: `int`, `float` or `str`.
        help: what it sets, with its unit.
    """

    name: str
    type: type
    help: str

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")


@dataclasses.dataclass(frozen=True)
class Validation:
    """A benchmark an app can be judged on.

    Attributes:
        name: `hanami validate NAME`.
        description: what it checks, in one line.
        run: `run(runner, *, out, quick, precision, overrides, progress, console, **options) -> exit status`
            (0 passed, 1 failed): runs its cases through `runner` (a `CaseRunner`), prints its table,
            writes validation.json into `out`.
        options: the extra options it takes.
        quick: what `--quick` does for it.
    """

    name: str
    description: str
    run: Callable[..., int]
    options: tuple[ValidationOption, ...] = ()
    quick: str = "a shorter run"
