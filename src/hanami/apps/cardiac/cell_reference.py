"""The first beat of a paced cell integrated by an independent integrator: the same
equations (the ionic model's `rates` and `gates`) as one ODE system for scipy's
`solve_ivp`, with tight tolerances, instead of hanami's Rush–Larsen / forward-Euler step.

Every state, the gates included, obeys dy/dt = f(y, i_stim): for a gate
(y_inf(V) - y) / tau(V). The stimulus is piecewise constant, so the system is
integrated window by window (the breakpoints are the windows' edges) and each piece is
smooth. The beat's figures are measured as `apd.py` defines them, from the dense
solution instead of the steps:

* V_rest [mV]: V when the beat's stimulus starts;
* dV/dt max [mV/ms] and its time: the largest dV/dt = f_V(y(t)) over the beat;
* V_peak [mV]: the beat's maximum of V;
* APD90 [ms]: from the time of dV/dt max to the first downward crossing of
  V_peak - 0.9 (V_peak - V_rest) after the peak.

Units: time [ms], V [mV], currents [pA/pF].
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any, Callable

import jax
import jax.numpy as jnp
import numpy as np
import scipy
from scipy.integrate import solve_ivp
from scipy.optimize import brentq, minimize_scalar

from hanami.apps.cardiac.stimulus import Protocol

SAMPLE_MS = 0.01  # spacing [ms] of the first search on the dense solution (refined afterwards)


@dataclasses.dataclass(frozen=True)
class Beat:
    """Figures of one beat.

    Attributes:
        apd90: action potential duration at 90 % repolarisation [ms].
        v_rest: V at the start of the beat's stimulus [mV].
        v_peak: the beat's largest V [mV].
        dvdt_max: the largest dV/dt [mV/ms].
        t_upstroke: the time of dV/dt max [ms].
    """

    apd90: float
    v_rest: float
    v_peak: float
    dvdt_max: float
    t_upstroke: float

    def figures(self) -> dict[str, float]:
        return dataclasses.asdict(self)


def right_hand_side(ionic: Any, y: jax.Array, i_stim: jax.Array) -> jax.Array:
    """f(y, i_stim): the time derivative of the flat state y (in `ionic.state_names` order) [unit/ms].

    `ionic` is a model with `rates(y, i_stim)` for its other states and `gates(V, Ca_ss)`
    giving each gate's (steady state, time constant [ms]), as `TP06`; i_stim [pA/pF].
    """
    names = tuple(ionic.state_names)
    fields = dict(zip(names, y))
    rates = dict(ionic.rates(fields, i_stim))
    for name, (inf, tau) in ionic.gates(fields["V"], fields["Ca_ss"]).items():
        rates[name] = (inf - fields[name]) / tau
    return jnp.stack([rates[k] for k in names])


@functools.lru_cache(maxsize=8)
def compiled(ionic: Any) -> Callable:
    """f(y, i_stim), compiled once per model."""
    return jax.jit(functools.partial(right_hand_side, ionic))


def _breakpoints(protocol: Protocol, stop: float) -> list[float]:
    """0, the windows' edges before `stop`, and `stop` [ms]."""
    period = protocol.period if protocol.count > 1 else 0.0
    edges = {0.0, stop}
    for k in range(protocol.count):
        begin = protocol.start + k * period
        edges.update(t for t in (begin, begin + protocol.duration) if 0.0 < t < stop)
    return sorted(edges)


def _stimulus(protocol: Protocol, t: float) -> float:
    """The stimulus current at time t [ms] (inside a window: -strength) [pA/pF]."""
    return float(-protocol.strength * protocol.fraction(jnp.asarray(t), jnp.asarray(1e-9)))


class Solution:
    """The piecewise dense solution of one integration; callable on times [ms]."""

    def __init__(self, pieces: list[tuple[float, float, float, Any]], ionic: Any):
        self.pieces, self.ionic, self.names = pieces, ionic, tuple(ionic.state_names)
        self.iv = self.names.index("V")

    def states(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """States (n, states) and the stimulus (n,) at times t; a breakpoint belongs to the later piece."""
        t = np.atleast_1d(np.asarray(t, dtype=float))
        y, stim = np.empty((t.size, len(self.names))), np.empty(t.size)
        for i, (a, b, s, dense) in enumerate(self.pieces):
            last = i == len(self.pieces) - 1
            mine = (t >= a) & ((t <= b) if last else (t < b))
            if mine.any():
                y[mine] = dense(t[mine]).T
                stim[mine] = s
        return y, stim

    def v(self, t: np.ndarray | float) -> np.ndarray:
        return self.states(t)[0][:, self.iv]

    def dvdt(self, t: float) -> float:
        """dV/dt [mV/ms] at time t [ms] from the ODE's right-hand side."""
        y, stim = self.states(t)
        return float(compiled(self.ionic)(y[0], stim[0])[self.iv])


def integrate(ionic: Any, protocol: Protocol, stop: float, *, method: str = "BDF", rtol: float = 1e-10,
              atol: float = 1e-12) -> Solution:
    """Integrate the cell from its default state to `stop` [ms] with `solve_ivp`."""
    names = tuple(ionic.state_names)
    rhs = compiled(ionic)
    y0 = {k: float(v) for k, v in ionic.initial_state((), "float64").items()}
    y = np.array([y0[k] for k in names])
    points = _breakpoints(protocol, stop)
    pieces = []
    for a, b in zip(points, points[1:]):
        s = _stimulus(protocol, 0.5 * (a + b))
        stim = np.float64(s)
        sol = solve_ivp(lambda t, y, stim=stim: np.asarray(rhs(y, stim)), (a, b), y, method=method, rtol=rtol,
                        atol=atol, dense_output=True)
        if not sol.success:
            raise RuntimeError(f"solve_ivp ({method}) failed on [{a:g}, {b:g}] ms: {sol.message}")
        pieces.append((a, b, s, sol.sol))
        y = sol.y[:, -1]
    return Solution(pieces, ionic)


def _refine_max(g: Callable[[float], float], t: float, half: float, lower: float, upper: float) -> float:
    """The time of the largest g near t (bounded search within +-half, kept in [lower, upper])."""
    a, b = max(t - half, lower), min(t + half, upper)
    found = minimize_scalar(lambda s: -g(s), bounds=(a, b), method="bounded", options={"xatol": 1e-9})
    return float(found.x) if -found.fun >= g(t) else t


def measure_beat(sol: Solution, start: float, end: float) -> Beat:
    """The beat's figures from the dense solution on [start, end) [ms] (see the module docstring).

    Maxima are found on samples `SAMPLE_MS` apart (dV/dt by differences of the samples),
    then refined on the dense solution (dV/dt from the right-hand side).
    """
    t = np.arange(start, end, SAMPLE_MS)
    v = sol.v(t)
    v_rest = float(sol.v(start)[0])
    # dV/dt jumps where a stimulus window ends: search each smooth piece on its own.
    t_up, best = start, -np.inf
    for a, b, _, _ in sol.pieces:
        inside = np.nonzero((t >= a) & (t < b))[0]
        if inside.size < 2:
            continue
        i = inside[int(np.argmax(np.gradient(v[inside], t[inside])))]
        upper = np.nextafter(min(b, end), -np.inf)
        cand = _refine_max(sol.dvdt, float(t[i]), 2 * SAMPLE_MS, max(a, start), upper)
        if sol.dvdt(cand) > best:
            t_up, best = cand, sol.dvdt(cand)
    i_peak = int(np.argmax(v))
    t_peak = _refine_max(lambda s: float(sol.v(s)[0]), float(t[i_peak]), SAMPLE_MS, start, end)
    v_peak = float(sol.v(t_peak)[0])
    threshold = v_peak - 0.9 * (v_peak - v_rest)
    below = np.nonzero((t > t_peak) & (v < threshold))[0]
    if below.size == 0:
        raise RuntimeError(f"V does not fall below {threshold:.3f} mV before {end:g} ms: no APD90")
    k = int(below[0])
    t_end = brentq(lambda s: float(sol.v(s)[0]) - threshold, float(t[k - 1]), float(t[k]), xtol=1e-10)
    return Beat(apd90=t_end - t_up, v_rest=v_rest, v_peak=v_peak, dvdt_max=best, t_upstroke=t_up)


def reference_beat(ionic: Any, protocol: Protocol, stop: float, *, method: str = "BDF", rtol: float = 1e-10,
                   atol: float = 1e-12) -> Beat:
    """The first beat of `protocol` (stimulus from `protocol.start`, until `stop` [ms])."""
    sol = integrate(ionic, protocol, stop, method=method, rtol=rtol, atol=atol)
    end = min(stop, protocol.start + protocol.period) if protocol.count > 1 else stop
    return measure_beat(sol, protocol.start, end)


def integrator_label(method: str, rtol: float, atol: float) -> str:
    """The independent integrator in words, with scipy's version."""
    return f"scipy {scipy.__version__} solve_ivp {method} (rtol {rtol:g}, atol {atol:g})"
