"""Durations with units in case files: ``"15 days"``, ``"6 h"``, ``"900 s"``.

A plain number stays a number in the model's own time unit (nondimensional for
the phase-field app); a string with a unit is converted to seconds. Apps that run
in seconds (climate) therefore accept both ``dt = 900`` and ``dt = "15 min"``.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any

from pydantic import BeforeValidator

SECONDS: dict[str, float] = {}
for _names, _factor in ((("s", "sec", "secs", "second", "seconds"), 1.0),
                        (("min", "mins", "minute", "minutes"), 60.0),
                        (("h", "hr", "hrs", "hour", "hours"), 3600.0),
                        (("d", "day", "days"), 86400.0)):
    SECONDS.update(dict.fromkeys(_names, _factor))

_PATTERN = re.compile(r"^\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*([A-Za-z]*)\s*$")
ALLOWED = "s, min, h, day (or seconds, minutes, hours, days)"


def parse_duration(value: Any) -> float:
    """A number (model time units) or a string with a unit (seconds).

    Args:
        value: e.g. ``900``, ``"900"``, ``"15 min"``, ``"1.5 days"``.

    Returns:
        The duration as a float: unchanged for a bare number, in seconds [s]
        when a unit is given.

    Raises:
        ValueError: not a number, an unknown unit, or not finite.
    """
    if isinstance(value, bool):
        raise ValueError(f"expected a duration such as 900 or \"15 min\", got {value!r}")
    if isinstance(value, (int, float)):
        return float(value)
    if not isinstance(value, str):
        raise ValueError(f"expected a duration such as 900 or \"15 min\", got {value!r}")
    match = _PATTERN.match(value)
    if match is None:
        raise ValueError(f"cannot read {value!r} as a duration; write a number with a unit, e.g. \"15 days\" "
                         f"(units: {ALLOWED})")
    number, unit = float(match.group(1)), match.group(2)
    if not math.isfinite(number):
        raise ValueError(f"duration {value!r} is not finite")
    if not unit:
        return number
    factor = SECONDS.get(unit.lower())
    if factor is None:
        raise ValueError(f"unknown time unit {unit!r} in {value!r}; allowed: {ALLOWED}")
    return number * factor


def coerce_duration(value: Any) -> Any:
    """Pydantic hook: strings become floats; everything else passes to the normal checks."""
    return parse_duration(value) if isinstance(value, str) else value


Duration = Annotated[float, BeforeValidator(coerce_duration)]
"""A float field that also accepts a string with a time unit (converted to seconds)."""
