"""Implicit-explicit Runge-Kutta steps for a state y' = F(y) + G(y), G linear and cheap to invert.

A tableau pair (explicit A_E, b_E; implicit A_I, b_I, diagonally implicit) advances
one step of dt by, for each stage i,

    Y_i = y + dt sum_{j<i} (A_E[i, j] F(Y_j) + A_I[i, j] G(Y_j)) + dt A_I[i, i] G(Y_i),

(the last term by the caller's `solve(rhs, k)`, which returns Y with Y - k G(Y) = rhs),
then y_new = y + dt sum_i (b_E[i] F(Y_i) + b_I[i] G(Y_i)). F is evaluated only at the
stages some later coefficient needs.

Tableaux:

* IMEX Euler (forward Euler for F, backward Euler for G; "(1,1,1)" of Ascher, Ruuth & Spiteri
  1997, Appl. Numer. Math. 25, 151-167, doi:10.1016/S0168-9274(97)00056-1): first order.
* SIL3, Whitaker & Kar (2013), Mon. Wea. Rev. 141, 3426-3434,
  doi:10.1175/MWR-D-13-00132.1: second order for the pair; its explicit part
  alone meets the third-order condition of linear problems (b A c = 1/6) but not
  b c^2 = 1/3 (three evaluations of F per step).
* ARK3(2)4L[2]SA, Kennedy & Carpenter (2003), Appl. Numer. Math. 44, 139-181,
  doi:10.1016/S0168-9274(02)00138-1: third order for the pair, L-stable
  implicit part (four evaluations of F per step).
"""

from __future__ import annotations

import dataclasses
from typing import Callable

import jax

State = tuple[jax.Array, ...]
Terms = Callable[[State], State]
Solve = Callable[[State, float], State]


@dataclasses.dataclass(frozen=True)
class Tableau:
    """An IMEX Runge-Kutta pair; A matrices are s x s, lower triangular (A_E strictly).

    Attributes:
        explicit, implicit: A_E, A_I as rows.
        b_explicit, b_implicit: the weights.
        order: the order of the pair (what a time-convergence test should find).
    """

    explicit: tuple[tuple[float, ...], ...]
    implicit: tuple[tuple[float, ...], ...]
    b_explicit: tuple[float, ...]
    b_implicit: tuple[float, ...]
    order: int

    def __post_init__(self) -> None:
        s = len(self.b_explicit)
        shapes = [len(self.b_implicit), len(self.explicit), len(self.implicit)]
        shapes += [len(row) for row in self.explicit + self.implicit]
        if any(n != s for n in shapes):
            raise ValueError(f"inconsistent IMEX tableau: {s} weights but rows/columns of lengths {shapes}")
        if any(self.explicit[i][j] for i in range(s) for j in range(i, s)) or \
                any(self.implicit[i][j] for i in range(s) for j in range(i + 1, s)):
            raise ValueError("IMEX tableau: A_E must be strictly lower triangular and A_I lower triangular")

    @property
    def stages(self) -> int:
        return len(self.b_explicit)

    def needs(self, table: tuple[tuple[float, ...], ...], weights: tuple[float, ...], j: int) -> bool:
        """Whether stage j's term is used by a later stage or by the update."""
        return bool(weights[j]) or any(row[j] for row in table[j + 1:])


SIL3 = Tableau(
    explicit=((0, 0, 0, 0), (1 / 3, 0, 0, 0), (1 / 6, 1 / 2, 0, 0), (1 / 2, -1 / 2, 1, 0)),
    implicit=((0, 0, 0, 0), (1 / 6, 1 / 6, 0, 0), (1 / 3, 0, 1 / 3, 0), (3 / 8, 0, 3 / 8, 1 / 4)),
    b_explicit=(1 / 2, -1 / 2, 1, 0),
    b_implicit=(3 / 8, 0, 3 / 8, 1 / 4),
    order=2,
)

_G = 1767732205903 / 4055673282236  # ARK3's diagonal gamma
_B = (1471266399579 / 7840856788654, -4482444167858 / 7529755066697, 11266239266428 / 11593286722821, _G)
ARK3 = Tableau(
    explicit=((0, 0, 0, 0),
              (1767732205903 / 2027836641118, 0, 0, 0),
              (5535828885825 / 10492691773637, 788022342437 / 10882634858940, 0, 0),
              (6485989280629 / 16251701735622, -4246266847089 / 9704473918619,
               10755448449292 / 10357097424841, 0)),
    implicit=((0, 0, 0, 0),
              (_G, _G, 0, 0),
              (2746238789719 / 10658868560708, -640167445237 / 6845629431997, _G, 0),
              _B),
    b_explicit=_B,
    b_implicit=_B,
    order=3,
)

EULER = Tableau(
    explicit=((0, 0), (1, 0)),
    implicit=((0, 0), (0, 1)),
    b_explicit=(1, 0),
    b_implicit=(0, 1),
    order=1,
)

TABLEAUX = {"imex-euler": EULER, "imex-sil3": SIL3, "imex-ark3": ARK3}


def _combine(y: State, dt: jax.Array, terms: list[tuple[float, State]]) -> State:
    """y + dt sum c T over the (coefficient, terms) pairs with c != 0."""
    out = list(y)
    for c, t in terms:
        if c:
            out = [o + (dt * c) * x for o, x in zip(out, t)]
    return tuple(out)


def imex_step(y: State, dt: jax.Array, tableau: Tableau, explicit: Terms, implicit: Terms, solve: Solve) -> State:
    """One step of dt [s] of y' = explicit(y) + implicit(y) with `tableau` (see the module docstring)."""
    a_e, a_i = tableau.explicit, tableau.implicit
    f: list[State | None] = [None] * tableau.stages
    g: list[State | None] = [None] * tableau.stages
    for i in range(tableau.stages):
        rhs = _combine(y, dt, [(a_e[i][j], f[j]) for j in range(i)] + [(a_i[i][j], g[j]) for j in range(i)])
        stage = solve(rhs, dt * a_i[i][i]) if a_i[i][i] else rhs
        if tableau.needs(a_e, tableau.b_explicit, i):
            f[i] = explicit(stage)
        if tableau.needs(a_i, tableau.b_implicit, i):
            g[i] = implicit(stage)
    weights = [(tableau.b_explicit[j], f[j]) for j in range(tableau.stages)]
    weights += [(tableau.b_implicit[j], g[j]) for j in range(tableau.stages)]
    return _combine(y, dt, weights)
