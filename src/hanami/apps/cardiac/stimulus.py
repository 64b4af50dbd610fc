"""Stimulus protocols: a current injected into a box of tissue (or a single cell)
during windows [start + k period, start + k period + duration), k = 0 ... count - 1.

The current applied over a step [t, t + h] is the window's strength times the
fraction of the step the window covers, so the injected charge is exact for any
dt (a 2 ms stimulus receives the same charge at dt = 0.05 and at dt = 0.03).

Units: time [ms], coordinates [mm], current [pA/pF] (= uA/uF). A volume
current density s [uA/cm^3] acts on the membrane as s / (chi Cm) with chi in
[cm^-1] and Cm [uF/cm^2]; `per_capacitance` converts.
"""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np


def per_capacitance(volume_current: float, chi: float, cm: float) -> float:
    """Volume current density [uA/cm^3] to membrane current [pA/pF].

    Arguments:
        volume_current: [uA/cm^3].
        chi: surface-to-volume ratio [mm^-1] (1 mm^-1 = 10 cm^-1).
        cm: membrane capacitance [uF/cm^2].
    """
    return volume_current / (chi * 10.0 * cm)


@dataclasses.dataclass(frozen=True)
class Protocol:
    """One stimulus protocol.

    Attributes:
        strength: depolarising current magnitude [pA/pF] (applied as -strength).
        start: first window's start [ms].
        duration: window length [ms].
        period: time between window starts [ms] (ignored when count = 1).
        count: number of windows.
        lower, upper: the box of stimulated nodes [mm] (empty for a single cell).
    """

    strength: float
    start: float
    duration: float
    period: float = 1000.0
    count: int = 1
    lower: tuple[float, ...] = ()
    upper: tuple[float, ...] = ()

    def fraction(self, t: jax.Array, h: jax.Array) -> jax.Array:
        """Fraction of the step [t, t + h] covered by a stimulus window (0 ... 1)."""
        period = self.period if self.count > 1 else 1.0
        k = jnp.clip(jnp.floor((t - self.start) / period), 0, self.count - 1)
        covered = jnp.zeros_like(t)
        for extra in (0.0, 1.0):
            kk = jnp.minimum(k + extra, self.count - 1)
            begin = self.start + kk * period
            end = begin + self.duration
            overlap = jnp.clip(jnp.minimum(t + h, end) - jnp.maximum(t, begin), 0.0, None)
            covered = covered + jnp.where((extra == 0.0) | (kk > k), overlap, 0.0)
        return covered / h

    def axis_masks(self, axes: list[np.ndarray]) -> list[np.ndarray]:
        """1D indicator arrays of the box along each axis (their outer product is the region)."""
        tol = 1e-9
        return [((a >= lo - tol) & (a <= hi + tol)).astype(np.float64)
                for a, lo, hi in zip(axes, self.lower, self.upper)]


def stimulus_current(protocols: tuple[Protocol, ...], axes: list[np.ndarray], t: jax.Array, h: jax.Array,
                     dtype: jnp.dtype) -> jax.Array:
    """The stimulus current i_stim [pA/pF] (negative = depolarising) on the grid, or a scalar for a cell."""
    total = jnp.zeros((), dtype)
    for p in protocols:
        amplitude = (-p.strength * p.fraction(t, h)).astype(dtype)
        if not axes:
            total = total + amplitude
            continue
        region = None
        for i, mask in enumerate(p.axis_masks(axes)):
            shape = [1] * len(axes)
            shape[i] = -1
            m = jnp.asarray(mask.reshape(shape), dtype)
            region = m if region is None else region * m
        total = total + amplitude * region
    return total
