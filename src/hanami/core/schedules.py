"""Schedules: *when* a writer or callback acts (after Oceananigans' schedules).

The simulation asks each schedule for its next simulated time or iteration and
runs one compiled chunk up to the nearest; wall-clock schedules are checked
between chunks. A schedule's position is recomputed from the clock, so a run
restarted from a checkpoint fires at the same times as an uninterrupted one.
"""

from __future__ import annotations

import dataclasses
import math
import time as _time
from typing import Protocol, Sequence


class Schedule(Protocol):
    def next_time(self, t: float) -> float:
        """Smallest firing time strictly after `t` (inf if none)."""

    def next_iteration(self, iteration: int) -> int | float:
        """Smallest firing iteration strictly after `iteration` (inf if none)."""

    def due(self, t: float, iteration: int, previous_t: float, previous_iteration: int) -> bool:
        """Whether it fires now, having moved from (previous_t, previous_iteration)."""


@dataclasses.dataclass
class TimeInterval:
    """Every `interval` of simulated time (at k * interval)."""

    interval: float

    def __post_init__(self) -> None:
        if not self.interval > 0:
            raise ValueError(f"interval must be > 0, got {self.interval}")

    def next_time(self, t: float) -> float:
        k = math.floor(t / self.interval + 1e-9) + 1
        return k * self.interval

    def next_iteration(self, iteration: int) -> float:
        return math.inf

    def due(self, t: float, iteration: int, previous_t: float, previous_iteration: int) -> bool:
        return t >= self.next_time(previous_t) - 1e-12 * max(1.0, abs(t))


@dataclasses.dataclass
class SpecifiedTimes:
    """At the listed simulated times."""

    times: Sequence[float]

    def __post_init__(self) -> None:
        self.times = sorted(float(t) for t in self.times)

    def next_time(self, t: float) -> float:
        return next((s for s in self.times if s > t), math.inf)

    def next_iteration(self, iteration: int) -> float:
        return math.inf

    def due(self, t: float, iteration: int, previous_t: float, previous_iteration: int) -> bool:
        return any(previous_t < s <= t for s in self.times)


@dataclasses.dataclass
class IterationInterval:
    """Every `interval` accepted steps."""

    interval: int

    def __post_init__(self) -> None:
        if self.interval < 1:
            raise ValueError(f"interval must be >= 1, got {self.interval}")

    def next_time(self, t: float) -> float:
        return math.inf

    def next_iteration(self, iteration: int) -> int:
        return (iteration // self.interval + 1) * self.interval

    def due(self, t: float, iteration: int, previous_t: float, previous_iteration: int) -> bool:
        return iteration // self.interval > previous_iteration // self.interval


@dataclasses.dataclass
class WallTimeInterval:
    """Every `seconds` of wall-clock time (checked between chunks)."""

    seconds: float
    _last: float = dataclasses.field(default_factory=_time.monotonic)

    def next_time(self, t: float) -> float:
        return math.inf

    def next_iteration(self, iteration: int) -> float:
        return math.inf

    def due(self, t: float, iteration: int, previous_t: float, previous_iteration: int) -> bool:
        now = _time.monotonic()
        if now - self._last >= self.seconds:
            self._last = now
            return True
        return False


@dataclasses.dataclass
class AnyOf:
    """Fires when any of its schedules fires."""

    schedules: Sequence[Schedule]

    def next_time(self, t: float) -> float:
        return min((s.next_time(t) for s in self.schedules), default=math.inf)

    def next_iteration(self, iteration: int) -> float:
        return min((s.next_iteration(iteration) for s in self.schedules), default=math.inf)

    def due(self, t: float, iteration: int, previous_t: float, previous_iteration: int) -> bool:
        # Evaluate all, so wall-clock schedules reset together.
        return any([s.due(t, iteration, previous_t, previous_iteration) for s in self.schedules])
