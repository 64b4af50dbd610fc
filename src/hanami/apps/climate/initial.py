"""Initial conditions of the standard shallow-water tests, on a grid of (lon, lat) [rad].

Williamson, Drake, Hack, Jakob & Swarztrauber (1992), A standard test set for
numerical approximations to the shallow water equations in spherical geometry,
J. Comput. Phys. 102, 211-224, doi:10.1016/S0021-9991(05)80016-6: test 2
(steady zonal geostrophic flow, optionally tilted by alpha), test 5 (zonal flow
over an isolated mountain), test 6 (Rossby-Haurwitz wave).

Galewsky, Scott & Polvani (2004), An initial-value problem for testing
numerical models of the global shallow-water equations, Tellus A 56, 429-440,
doi:10.3402/tellusa.v56i5.14436: a barotropically unstable mid-latitude jet,
with or without the height perturbation that triggers the instability.

Every function returns u, v [m/s], the free-surface height h [m] and the
bottom orography hs [m] (the fluid depth is h - hs), each of shape lon.shape.
"""

from __future__ import annotations

import dataclasses

import numpy as np


@dataclasses.dataclass(frozen=True)
class Planet:
    """Constants of the Williamson test set.

    Attributes:
        radius: a [m].
        omega: rotation rate Omega [1/s].
        gravity: g [m/s^2].
    """

    radius: float = 6.37122e6
    omega: float = 7.292e-5
    gravity: float = 9.80616


Fields = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def williamson2(lon: np.ndarray, lat: np.ndarray, planet: Planet, alpha: float = 0.0,
                u0: float | None = None, gh0: float = 2.94e4) -> Fields:
    """Test 2: steady zonal geostrophic flow whose axis is tilted by `alpha` [rad].

    u0 defaults to 2 pi a / (12 days) [m/s]; g h0 = 2.94e4 m^2/s^2.
    """
    a, omega, g = planet.radius, planet.omega, planet.gravity
    u0 = 2 * np.pi * a / (12 * 86400.0) if u0 is None else u0
    u = u0 * (np.cos(lat) * np.cos(alpha) + np.cos(lon) * np.sin(lat) * np.sin(alpha))
    v = -u0 * np.sin(lon) * np.sin(alpha)
    rotated = -np.cos(lon) * np.cos(lat) * np.sin(alpha) + np.sin(lat) * np.cos(alpha)
    h = (gh0 - (a * omega * u0 + 0.5 * u0 ** 2) * rotated ** 2) / g
    return u, v, h, np.zeros_like(h)


def williamson5(lon: np.ndarray, lat: np.ndarray, planet: Planet, u0: float = 20.0, h0: float = 5960.0,
                mountain: float = 2000.0, mountain_radius: float = np.pi / 9, lon_c: float = 1.5 * np.pi,
                lat_c: float = np.pi / 6) -> Fields:
    """Test 5: zonal flow (u0 [m/s]) impinging on a conical mountain of height `mountain` [m]."""
    a, omega, g = planet.radius, planet.omega, planet.gravity
    u = u0 * np.cos(lat)
    v = np.zeros_like(lat)  # (not of u: u0 may be a JAX tracer when differentiating)
    h = h0 - (a * omega * u0 + 0.5 * u0 ** 2) * np.sin(lat) ** 2 / g
    dlon = np.angle(np.exp(1j * (lon - lon_c)))
    r = np.sqrt(np.minimum(mountain_radius ** 2, dlon ** 2 + (lat - lat_c) ** 2))
    hs = mountain * (1 - r / mountain_radius)
    return u, v, h, hs


def williamson6(lon: np.ndarray, lat: np.ndarray, planet: Planet, omega_w: float = 7.848e-6,
                k: float = 7.848e-6, wavenumber: int = 4, h0: float = 8000.0) -> Fields:
    """Test 6: Rossby-Haurwitz wave of zonal wavenumber R = `wavenumber` (omega_w, K [1/s], h0 [m])."""
    a, omega, g = planet.radius, planet.omega, planet.gravity
    r = wavenumber
    c = np.cos(lat)
    u = a * omega_w * c + a * k * c ** (r - 1) * (r * np.sin(lat) ** 2 - c ** 2) * np.cos(r * lon)
    v = -a * k * r * c ** (r - 1) * np.sin(lat) * np.sin(r * lon)
    big_a = (0.5 * omega_w * (2 * omega + omega_w) * c ** 2
             + 0.25 * k ** 2 * c ** (2 * r) * ((r + 1) * c ** 2 + (2 * r ** 2 - r - 2) - 2 * r ** 2 / c ** 2))
    big_b = (2 * (omega + omega_w) * k / ((r + 1) * (r + 2)) * c ** r
             * ((r ** 2 + 2 * r + 2) - (r + 1) ** 2 * c ** 2))
    big_c = 0.25 * k ** 2 * c ** (2 * r) * ((r + 1) * c ** 2 - (r + 2))
    h = h0 + a ** 2 * (big_a + big_b * np.cos(r * lon) + big_c * np.cos(2 * r * lon)) / g
    return u, v, h, np.zeros_like(h)


def galewsky_wind(lat: np.ndarray, u_max: float = 80.0, lat0: float = np.pi / 7,
                  lat1: float = np.pi / 2 - np.pi / 7) -> np.ndarray:
    """The Galewsky jet u(phi) [m/s]: (umax/en) exp[1/((phi - phi0)(phi - phi1))] inside (phi0, phi1)."""
    lat = np.asarray(lat, dtype=np.float64)
    en = np.exp(-4.0 / (lat1 - lat0) ** 2)
    inside = (lat > lat0) & (lat < lat1)
    safe = np.where(inside, lat, 0.5 * (lat0 + lat1))
    return np.where(inside, u_max / en * np.exp(1.0 / ((safe - lat0) * (safe - lat1))), 0.0)


def galewsky_height(lat: np.ndarray, planet: Planet, u_max: float = 80.0, lat0: float = np.pi / 7,
                    lat1: float = np.pi / 2 - np.pi / 7, points: int = 256) -> np.ndarray:
    """Balanced height [m] up to a constant: g h(phi) = -integral_{-pi/2}^{phi} a u (f + u tan(phi')/a) dphi'.

    Computed per latitude by Gauss-Legendre quadrature over [phi0, min(phi, phi1)]
    (the integrand vanishes outside the jet and is smooth, so `points` nodes give
    round-off accuracy).
    """
    a, omega, g = planet.radius, planet.omega, planet.gravity
    nodes, weights = np.polynomial.legendre.leggauss(points)
    lat = np.asarray(lat, dtype=np.float64)
    top = np.clip(lat, lat0, lat1)
    half = 0.5 * (top - lat0)
    phi = lat0 + half[..., None] * (nodes + 1)
    u = galewsky_wind(phi, u_max, lat0, lat1)
    integrand = a * u * (2 * omega * np.sin(phi) + u * np.tan(phi) / a)
    return -np.sum(integrand * weights, axis=-1) * half / g


def galewsky(lon: np.ndarray, lat: np.ndarray, planet: Planet, perturbation: float = 120.0,
             mean_height: float = 10000.0, u_max: float = 80.0, alpha: float = 1 / 3, beta: float = 1 / 15,
             lat2: float = np.pi / 4) -> Fields:
    """Galewsky et al.'s jet with a height bump of `perturbation` [m] (0 for the steady jet).

    The returned h has an arbitrary constant: the model sets its global mean to
    `mean_height` [m] after the transform (see `ShallowWater.initial_fields`).
    """
    u = galewsky_wind(lat, u_max)
    v = np.zeros_like(u)
    h = galewsky_height(lat, planet, u_max)
    dlon = np.angle(np.exp(1j * lon))  # longitude in (-pi, pi], the bump sits at 0
    h = h + perturbation * np.cos(lat) * np.exp(-(dlon / alpha) ** 2) * np.exp(-((lat2 - lat) / beta) ** 2)
    return u, v, h + mean_height, np.zeros_like(h)
