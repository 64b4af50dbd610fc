"""Durations with units in case files, and the messages for bad ones."""

import pytest

from hanami.core.sections import OutputSection, StopSection, TimeSection
from hanami.errors import CaseError
from hanami.runner import load_case
from hanami.units import parse_duration


@pytest.mark.parametrize("text,seconds", [("900 s", 900.0), ("15 min", 900.0), ("6 h", 21600.0),
                                          ("1.5 days", 129600.0), ("2d", 172800.0), ("1e3 seconds", 1000.0),
                                          ("3 Hours", 10800.0), ("42", 42.0)])
def test_parse_duration(text, seconds):
    assert parse_duration(text) == seconds


def test_plain_numbers_stay_in_model_units():
    assert parse_duration(2.5) == 2.5 and parse_duration(7) == 7.0
    assert StopSection(time=10.0).time == 10.0  # the phase-field app's nondimensional time is untouched


@pytest.mark.parametrize("bad,message", [("15 dayz", "unknown time unit 'dayz'"), ("soon", "cannot read"),
                                         (True, "expected a duration"), ("inf s", "cannot read")])
def test_bad_durations(bad, message):
    with pytest.raises(ValueError, match=message):
        parse_duration(bad)


def test_sections_take_units():
    assert TimeSection(dt="15 min", adaptive=False).dt == 900.0
    assert OutputSection(times=["1 day", 3600], interval="6 h").times == [3600.0, 86400.0]
    with pytest.raises(ValueError):
        StopSection(time="-1 day")  # still positive


def test_bad_unit_in_a_case_names_the_key():
    with pytest.raises(CaseError, match=r"key 'stop.time' = '5 dayz': unknown time unit 'dayz'"):
        load_case("williamson-tc2", ['stop.time="5 dayz"'])


def test_bad_unit_exits_with_status_2(cli):
    result = cli("run", "williamson-tc2", "--set", 'output.interval="1 fortnight"', "-q")
    assert result.returncode == 2, result.stdout + result.stderr
    assert "output.interval" in result.stderr and "fortnight" in result.stderr
    assert "Traceback" not in result.stderr
