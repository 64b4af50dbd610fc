"""What a `hanami bench` run measures: steps, repeats and chunk, quick or full.

The values an app's suite sweeps (grid sizes, truncations, stop times...) are the
app's (`hanami.apps.base.Setting`): a plan picks their quick or full value, and a
plan keyword named by a setting's `option` replaces both (tests use tiny plans).
"""

from __future__ import annotations

import dataclasses
from typing import Any, Mapping, TypeVar

from hanami.apps.base import Setting

PRECISIONS = ("float32", "float64")
GRADIENT_SIZES = ("small", "large")
T = TypeVar("T")


@dataclasses.dataclass(frozen=True, init=False)
class Plan:
    """What one bench run measures.

    Attributes:
        steps: steps per timed repeat (problems that do not set their own).
        repeats: timed repeats per measurement (the median is reported).
        chunk: attempts per compiled chunk (also the warm-up length).
        quick: take the apps' quick values (`Setting.quick`), else their full ones.
        sizes: grid points per side of the problems that sweep sizes (None: the apps' own);
            problems that sweep something else keep their points.
        gradient_sizes: the gradient suite's problems: "small" (a few thousand points)
            and/or "large" (grids that occupy a GPU); None: "small" when quick, else both.
        options: values of the apps' settings by `Setting.option` (keywords of the constructor,
            e.g. `Plan(..., adaptive_times=(2.0,))`).
    """

    steps: int
    repeats: int
    chunk: int
    quick: bool
    sizes: tuple[int, ...] | None
    gradient_sizes: tuple[str, ...] | None
    options: Mapping[str, Any]

    def __init__(self, steps: int, repeats: int, chunk: int, *, quick: bool = False,
                 sizes: tuple[int, ...] | None = None, gradient_sizes: tuple[str, ...] | None = None,
                 options: Mapping[str, Any] | None = None, **more: Any) -> None:
        values = {"steps": steps, "repeats": repeats, "chunk": chunk, "quick": quick,
                  "sizes": None if sizes is None else tuple(sizes), "gradient_sizes": gradient_sizes,
                  "options": {**(options or {}), **more}}
        for name, value in values.items():
            object.__setattr__(self, name, value)
        if self.sizes is not None and (not self.sizes or min(self.sizes) < 4):
            raise ValueError(f"sizes {self.sizes}: need at least one size, each >= 4")
        if steps < 1 or repeats < 1 or chunk < 1:
            raise ValueError(f"steps, repeats and chunk must be >= 1, got {steps}, {repeats}, {chunk}")

    def value(self, setting: Setting[T]) -> T:
        """The plan's value of an app's setting."""
        if setting.option is not None and setting.option in self.options:
            return self.options[setting.option]
        return setting.quick if self.quick else setting.full

    def gradients(self) -> tuple[str, ...]:
        """The gradient suite's problem sizes."""
        return self.gradient_sizes or (("small",) if self.quick else GRADIENT_SIZES)


FULL = Plan(steps=200, repeats=5, chunk=50)
QUICK = Plan(steps=50, repeats=3, chunk=25, quick=True)
