"""Nuclei for the PFHub BM8 nucleation benchmarks: seeds, their profile, planting them during a
run, counting particles and the Avrami (JMAK) fit.

A seed of radius r0 centred at c is phi_i = [1 - tanh((|x - c| - r0) / (sqrt(2) l))] / 2 with
l = sqrt(kappa / w) the interface length (the statement's sqrt(2) at kappa = w = 1); distances
are minimum-image on a periodic box. Overlapping seeds add and phi is clipped to 1 (statement).
The random centres (and, for nucleation over time, the times) come from NumPy's PCG64 generator
seeded by the case's `initial.seed`, drawn on the host, so every device runs the same seeds.
"""

from __future__ import annotations

import math

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from hanami.core.grid import BoxGrid


def critical_radius(kappa: float, w: float, driving_force: float) -> float:
    """r* = sigma / df in 2D, sigma = sqrt(2 kappa w) / 6 the energy of a flat interface [length]."""
    return math.sqrt(2 * kappa * w) / 6 / driving_force


def _distance(x: jax.Array, y: jax.Array, centre: jax.Array, lengths: tuple[float, float], periodic: bool):
    dx, dy = x - centre[0], y - centre[1]
    if periodic:
        dx = dx - lengths[0] * jnp.round(dx / lengths[0])
        dy = dy - lengths[1] * jnp.round(dy / lengths[1])
    return jnp.sqrt(dx * dx + dy * dy)


class Nuclei(eqx.Module):
    """Seeds planted during a run: `centres` (n, 2) [length], `times` (n,) [time], all of radius `radius`."""

    grid: BoxGrid = eqx.field(static=True)
    centres: jax.Array
    times: jax.Array
    radius: float
    width: float  # sqrt(2) l [length]

    def profile(self, centre: jax.Array, like: jax.Array) -> jax.Array:
        x, y = (jnp.asarray(a, like.dtype) for a in self.grid.mesh())
        r = _distance(x, y, centre.astype(like.dtype), self.grid.lengths, self.grid.boundary == "periodic")
        return 0.5 * (1 - jnp.tanh((r - self.radius) / self.width))

    def plant(self, phi: jax.Array, t: jax.Array, dt: jax.Array) -> jax.Array:
        """phi with every seed whose time lies in [t, t + dt) added (clipped to 1)."""

        def one(i: int, phi: jax.Array) -> jax.Array:
            due = (self.times[i] >= t) & (self.times[i] < t + dt)
            return jax.lax.cond(due, lambda p: jnp.minimum(1.0, p + self.profile(self.centres[i], p)),
                                lambda p: p, phi)

        return jax.lax.fori_loop(0, self.times.shape[0], one, phi)


def seeded_field(grid: BoxGrid, centres: np.ndarray, radius: float, width: float) -> np.ndarray:
    """phi at t = 0 from seeds at `centres` (host, float64): the sum of the profiles, clipped to 1."""
    nuclei = Nuclei(grid=grid, centres=jnp.zeros((0, 2)), times=jnp.zeros(0), radius=radius, width=width)
    phi = np.zeros(grid.shape)
    for centre in centres:
        phi += np.asarray(nuclei.profile(jnp.asarray(centre, jnp.float64), jnp.zeros((), jnp.float64)))
    return np.minimum(phi, 1.0)


def draw(count: int, lengths: tuple[float, float], seed: int, until: float) -> tuple[np.ndarray, np.ndarray]:
    """`count` uniform random centres in the box and times in [0, until) (all 0 when until = 0)."""
    rng = np.random.Generator(np.random.PCG64(seed))
    centres = rng.uniform(0.0, 1.0, size=(count, 2)) * np.asarray(lengths)
    times = rng.uniform(0.0, until, size=count) if until > 0 else np.zeros(count)
    return centres, times


def count_particles(phi: np.ndarray, periodic: bool, threshold: float = 0.5) -> int:
    """Disjoint regions with phi > threshold (8-connected; joined across periodic edges)."""
    from scipy import ndimage  # on use: 0.15 s at every command's start otherwise

    labels, n = ndimage.label(np.asarray(phi) > threshold, structure=np.ones((3, 3)))
    if not periodic or n == 0:
        return int(n)
    parent = list(range(n + 1))

    def root(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for first, last in ((labels[0, :], labels[-1, :]), (labels[:, 0], labels[:, -1])):
        for shift in (-1, 0, 1):  # 8-connectivity across the edge
            a, b = first, np.roll(last, shift)
            for u, v in zip(a[(a > 0) & (b > 0)], b[(a > 0) & (b > 0)]):
                parent[root(int(u))] = root(int(v))
    return len({root(i) for i in range(1, n + 1)})


def avrami_fit(times: np.ndarray, fraction: np.ndarray, low: float = 0.02, high: float = 0.9
               ) -> tuple[float, float, int]:
    """Slope n (and its standard error) of ln(-ln(1 - Y)) against ln t over low < Y < high, and the
    number of points used (the window of the PFHub BM8 statement, revision 1)."""
    times, fraction = np.asarray(times, float), np.asarray(fraction, float)
    keep = (times > 0) & (fraction > low) & (fraction < high)
    if keep.sum() < 3:
        return math.nan, math.nan, int(keep.sum())
    x, y = np.log(times[keep]), np.log(-np.log(1 - fraction[keep]))
    slope, intercept = np.polyfit(x, y, 1)
    fitted = slope * x + intercept
    spread = np.sum((y - fitted) ** 2) / max(1, len(x) - 2)
    error = math.sqrt(spread / np.sum((x - x.mean()) ** 2))
    return float(slope), float(error), int(keep.sum())


def kjma_prediction(times: np.ndarray, single: np.ndarray, count: int, until: float) -> np.ndarray:
    """The expected solid fraction of `count` seeds placed uniformly at random on a periodic box, from
    the solid fraction `single`(t) of one seed in the same box (Kolmogorov 1937, Johnson & Mehl 1939,
    Avrami 1939): a point is liquid when no seed has reached it, so 1 - Y = (1 - p)^count with p the
    chance that a given seed covers it, p = single(t) for seeds at t = 0 (site saturation) and the
    mean of single(t - tau) over the nucleation times tau uniform in [0, until) otherwise (constant
    rate). Exact for sharp interfaces; the seeds' diffuse edges and the clipping of overlaps to 1
    make it an approximation here."""
    times, single = np.asarray(times, float), np.asarray(single, float)
    if until <= 0:
        return 1 - (1 - single) ** count
    chance = np.zeros_like(times)
    for i, t in enumerate(times):
        born = np.linspace(0.0, min(t, until), 201)
        chance[i] = np.trapezoid(np.interp(t - born, times, single), born) / until
    return 1 - (1 - chance) ** count
