"""Pass bands for validations: a closed interval a figure must fall in."""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class Band:
    """The closed interval [low, high]."""

    low: float
    high: float

    def contains(self, value: float) -> bool:
        return self.low <= value <= self.high
