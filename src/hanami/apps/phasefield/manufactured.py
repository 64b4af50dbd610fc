"""The PFHub BM7 manufactured solution of the Allen–Cahn equation and its source term.

    eta(x, y, t) = 1/2 [1 - tanh((y - alpha(x, t)) / sqrt(2 kappa))],
    alpha(x, t) = 1/4 + A1 t sin(B1 x) + A2 sin(B2 x + C2 t),

a travelling, wavy interface (PFHub benchmark 7, pages.nist.gov/pfhub/benchmarks/benchmark7.ipynb).
The source S makes it an exact solution of

    d eta/dt = -L [w g'(eta) - df p'(eta) - kappa lap(eta)] + S,

S = d eta/dt + L [w g'(eta) - df p'(eta) - kappa lap(eta)] evaluated on eta, with the derivatives
in closed form (s = (y - alpha)/sqrt(2 kappa), T = tanh s, sech^2 s = 1 - T^2):

    d eta/dt = sech^2 s alpha_t / (2 sqrt(2 kappa)),
    lap(eta) = sech^2 s [T (1 + alpha_x^2) / (2 kappa) + alpha_xx / (2 sqrt(2 kappa))].

For L = w = 1, df = 0 this is the statement's eq. 4 (the unit tests check both that and the
residual by automatic differentiation).
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp


class Manufactured(eqx.Module):
    """Constants of alpha(x, t) [1/length, 1/time] and the model's coefficients the source needs."""

    a1: float
    b1: float
    a2: float
    b2: float
    c2: float
    kappa: float
    mobility: float = 1.0
    w: float = 1.0
    driving_force: float = 0.0

    def alpha(self, x: jax.Array, t: jax.Array) -> tuple[jax.Array, jax.Array, jax.Array, jax.Array]:
        """alpha and its derivatives alpha_x, alpha_xx, alpha_t."""
        s1, c1 = jnp.sin(self.b1 * x), jnp.cos(self.b1 * x)
        phase = self.b2 * x + self.c2 * t
        s2, c2 = jnp.sin(phase), jnp.cos(phase)
        alpha = 0.25 + self.a1 * t * s1 + self.a2 * s2
        alpha_x = self.a1 * t * self.b1 * c1 + self.a2 * self.b2 * c2
        alpha_xx = -self.a1 * t * self.b1**2 * s1 - self.a2 * self.b2**2 * s2
        alpha_t = self.a1 * s1 + self.a2 * self.c2 * c2
        return alpha, alpha_x, alpha_xx, alpha_t

    def exact(self, x: jax.Array, y: jax.Array, t: jax.Array) -> jax.Array:
        alpha = self.alpha(x, t)[0]
        return 0.5 * (1 - jnp.tanh((y - alpha) / jnp.sqrt(2 * self.kappa)))

    def source(self, x: jax.Array, y: jax.Array, t: jax.Array) -> jax.Array:
        alpha, alpha_x, alpha_xx, alpha_t = self.alpha(x, t)
        width = jnp.sqrt(2 * self.kappa)
        tanh = jnp.tanh((y - alpha) / width)
        sech2 = 1 - tanh**2
        eta = 0.5 * (1 - tanh)
        eta_t = sech2 * alpha_t / (2 * width)
        lap = sech2 * (tanh * (1 + alpha_x**2) / (2 * self.kappa) + alpha_xx / (2 * width))
        g_prime = 2 * eta * (1 - eta) * (1 - 2 * eta)
        p_prime = 30 * eta**2 * (1 - eta) ** 2
        return eta_t + self.mobility * (self.w * g_prime - self.driving_force * p_prime - self.kappa * lap)
