"""Schedules: next firing and due, including the restart property (recomputed from the clock)."""

import math

from hanami.core.schedules import AnyOf, IterationInterval, SpecifiedTimes, TimeInterval


def test_time_interval():
    s = TimeInterval(2.5)
    assert s.next_time(0.0) == 2.5 and s.next_time(2.5) == 5.0 and s.next_time(3.0) == 5.0
    assert s.due(5.0, 7, 3.0, 6) and not s.due(4.9, 7, 3.0, 6)
    assert s.next_iteration(10) == math.inf


def test_time_interval_robust_to_rounding_of_the_landing_time():
    s = TimeInterval(0.1)
    t = 3 * 0.1  # 0.30000000000000004
    assert abs(s.next_time(t) - 0.4) < 1e-12


def test_specified_times():
    s = SpecifiedTimes([10.0, 1.0, 100.0])
    assert s.next_time(0.0) == 1.0 and s.next_time(1.0) == 10.0 and s.next_time(100.0) == math.inf
    assert s.due(10.0, 5, 1.0, 3) and not s.due(9.0, 5, 1.0, 3)


def test_iteration_interval():
    s = IterationInterval(10)
    assert s.next_iteration(0) == 10 and s.next_iteration(10) == 20 and s.next_iteration(15) == 20
    assert s.due(0.0, 20, 0.0, 19) and not s.due(0.0, 19, 0.0, 11)


def test_any_of():
    s = AnyOf([SpecifiedTimes([3.0]), TimeInterval(5.0), IterationInterval(4)])
    assert s.next_time(0.0) == 3.0 and s.next_time(3.0) == 5.0 and s.next_iteration(1) == 4
    assert s.due(5.0, 2, 4.0, 1)
