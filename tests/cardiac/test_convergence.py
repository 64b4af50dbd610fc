"""Observed order, Richardson limit and GCI on figures made from a known law
q(h) = q0 + C h^p, with the Niederer slabs' uneven refinement ratios (2.5 then 2)."""

import math

import pytest

from hanami.core.convergence import extrapolate, gci, gci_coarse, observed_order


def law(q0, c, p):
    return lambda h: q0 + c * h ** p


@pytest.mark.parametrize("q0, c, p, hs", [
    (30.0, 5.0, 2.0, (0.5, 0.2, 0.1)),       # the brief's example: order 2, limit 30
    (38.0, 60.0, 1.7, (0.5, 0.2, 0.1)),
    (12.0, -3.0, 1.5, (0.4, 0.25, 0.1)),      # approached from below
    (291.5, -7.0, 1.0, (0.01, 0.005, 0.0025)),
])
def test_order_and_limit_of_a_known_law(q0, c, p, hs):
    q = [law(q0, c, p)(h) for h in hs]
    order = observed_order(hs, q)
    assert order == pytest.approx(p, rel=1e-8)
    assert extrapolate(hs[1], q[1], hs[2], q[2], order) == pytest.approx(q0, rel=1e-10)
    # With the exact order and Fs = 1 the GCI is the exact error of each figure.
    assert gci(hs[1], q[1], hs[2], q[2], order, safety=1.0) == pytest.approx(abs(q[2] - q0), rel=1e-8)
    assert gci_coarse(hs[1], q[1], hs[2], q[2], order, safety=1.0) == pytest.approx(abs(q[1] - q0), rel=1e-8)


def test_a_wrong_assumed_order_misses_the_limit():
    f = law(30.0, 5.0, 2.0)
    assert abs(extrapolate(0.2, f(0.2), 0.1, f(0.1), 1.0) - 30.0) > 0.01


@pytest.mark.parametrize("q", [(10.0, 9.0, 9.5), (10.0, 10.0, 9.0), (10.0, 9.9, 9.0), (10.0, math.nan, 9.0)])
def test_no_order_without_convergence(q):
    """Oscillation, a zero change, growing changes or a missing figure give no order."""
    assert math.isnan(observed_order((0.5, 0.2, 0.1), q))


def test_resolutions_must_decrease():
    with pytest.raises(ValueError, match="must decrease"):
        observed_order((0.1, 0.2, 0.5), (1.0, 2.0, 3.0))
