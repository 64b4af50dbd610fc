"""Observed order, Richardson extrapolation and the grid convergence index of a figure
computed at several resolutions (grid spacing or time step), refinement ratios free.

A figure q(h) that converges as q(h) = q0 + C h^p gives, from three resolutions
h1 > h2 > h3,

    (q1 - q2) / (q2 - q3) = (h1^p - h2^p) / (h2^p - h3^p),

whose right-hand side grows monotonically with p; `observed_order` solves it
numerically (the ratios h1/h2 and h2/h3 need not be equal: the Niederer slabs are
refined by 2.5 and then 2). `extrapolate` is the Richardson limit q0 and `gci`
Roache's grid convergence index, the error band of a figure from its own
convergence: GCI = Fs |q_coarse - q_fine| / ((h_coarse/h_fine)^p - 1) for the
finer figure, Fs = 1.25 where p is observed from three resolutions and 3 where it is
assumed (Roache P.J. 1994, Perspective: a method for uniform reporting of grid
refinement studies, J Fluids Eng 116:405-413, doi:10.1115/1.2910291). The units are
those of q and h.
"""

from __future__ import annotations

import math
from typing import Sequence


SAFETY_OBSERVED = 1.25  # Roache's Fs with the order observed from three resolutions
SAFETY_ASSUMED = 3.0  # Roache's Fs with the order assumed (two resolutions)
ORDER_RANGE = (1e-3, 12.0)  # orders searched by `observed_order`


def observed_order(h: Sequence[float], q: Sequence[float]) -> float:
    """The order p with which q converges over three resolutions (NaN when it does not).

    Arguments:
        h: three resolutions, coarse to fine (h1 > h2 > h3 > 0), e.g. dx [mm] or dt [ms].
        q: the figure at each, in any unit.

    Returns:
        p, or NaN when the changes q1 - q2 and q2 - q3 differ in sign (oscillation), one of
        them is zero, or the changes do not shrink fast enough for an order in `ORDER_RANGE`.
    """
    (h1, h2, h3), (q1, q2, q3) = map(float, h), map(float, q)
    if not h1 > h2 > h3 > 0.0:
        raise ValueError(f"resolutions {tuple(h)} must decrease and be positive")
    d12, d23 = q1 - q2, q2 - q3
    if not (math.isfinite(d12) and math.isfinite(d23)) or d12 * d23 <= 0.0:
        return math.nan
    ratio = d12 / d23

    def mismatch(p: float) -> float:
        return math.log((h1 ** p - h2 ** p) / (h2 ** p - h3 ** p)) - math.log(ratio)

    low, high = ORDER_RANGE
    if mismatch(low) > 0.0 or mismatch(high) < 0.0:
        return math.nan
    from scipy.optimize import brentq  # on use: scipy.optimize costs 0.4 s at every command's start

    return float(brentq(mismatch, low, high, xtol=1e-12))


def extrapolate(h_coarse: float, q_coarse: float, h_fine: float, q_fine: float, order: float) -> float:
    """Richardson limit q0 of q(h) = q0 + C h^order from two resolutions (units of q)."""
    if not h_coarse > h_fine > 0.0:
        raise ValueError(f"resolutions ({h_coarse}, {h_fine}) must decrease and be positive")
    return q_fine - (q_coarse - q_fine) * h_fine ** order / (h_coarse ** order - h_fine ** order)


def gci(h_coarse: float, q_coarse: float, h_fine: float, q_fine: float, order: float,
        safety: float = SAFETY_OBSERVED) -> float:
    """Roache's grid convergence index of the finer figure, absolute (units of q)."""
    return safety * abs(q_coarse - q_fine) / ((h_coarse / h_fine) ** order - 1.0)


def gci_coarse(h_coarse: float, q_coarse: float, h_fine: float, q_fine: float, order: float,
               safety: float = SAFETY_OBSERVED) -> float:
    """Roache's grid convergence index of the coarser figure, absolute (units of q)."""
    r = (h_coarse / h_fine) ** order
    return safety * abs(q_coarse - q_fine) * r / (r - 1.0)
