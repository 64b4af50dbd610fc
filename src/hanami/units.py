"""Durations with units in case files: ``"15 days"``, ``"6 h"``, ``"900 s"``.

A plain number stays a number in the app's own time unit; a string with a unit
is converted to it (the case schema's `time_unit_s`: seconds for climate,
milliseconds for cardiac). The climate app therefore accepts both ``dt = 900``
and ``dt = "15 min"``, the cardiac app ``stop.time = 100`` and ``"0.1 s"``; a
nondimensional app (phase field) refuses a unit.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any

from pydantic import BeforeValidator, ValidationInfo

SECONDS: dict[str, float] = {}
for _names, _factor in ((("s", "sec", "secs", "second", "seconds"), 1.0),
                        (("min", "mins", "minute", "minutes"), 60.0),
                        (("h", "hr", "hrs", "hour", "hours"), 3600.0),
                        (("d", "day", "days"), 86400.0),
                        (("ms", "millisecond", "milliseconds"), 1e-3)):
    SECONDS.update(dict.fromkeys(_names, _factor))

_PATTERN = re.compile(r"^\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*([A-Za-z]*)\s*$")
ALLOWED = "ms, s, min, h, day (or milliseconds, seconds, minutes, hours, days)"


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


def coerce_duration(value: Any, info: ValidationInfo) -> Any:
    """Pydantic hook: a string with a unit becomes a number in the app's time unit.

    The case schema names its time unit in seconds (`time_unit_s`, passed as
    validation context by `hanami.config.validate_case`): 1 for the climate app
    (seconds), 1e-3 for the cardiac app (milliseconds), None for a
    nondimensional app, where a unit is an error. Everything else passes to the
    normal checks.
    """
    if not isinstance(value, str):
        return value
    match = _PATTERN.match(value)
    unit_s = (info.context or {}).get("time_unit_s", 1.0)
    if match is None and unit_s is None:
        raise ValueError(f"cannot read {value!r} as a time; this app's time is nondimensional: give a plain "
                         "number, e.g. 100")
    if match is None or not match.group(2):
        return parse_duration(value)  # a bare number in a string, or the error message
    if unit_s is None:
        raise ValueError(f"{value!r}: this app's time is nondimensional; give a plain number")
    return parse_duration(value) / unit_s


Duration = Annotated[float, BeforeValidator(coerce_duration)]
"""A float field that also accepts a string with a time unit (converted to seconds)."""
