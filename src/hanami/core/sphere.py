"""Spherical-harmonic transforms on a Gaussian grid (triangular truncation T).

A field on the sphere is

    f(lambda, mu) = sum_{m=-T..T} sum_{n=|m|..T} f_n^m  Pbar_n^m(mu) exp(i m lambda),

with mu = sin(latitude), f_n^{-m} = conj(f_n^m) for a real field, and Pbar_n^m the
associated Legendre functions normalised so that the integral of Pbar^2 over
mu in [-1, 1] is 1 (no Condon-Shortley phase). Coefficients are stored densely
as complex arrays of shape (..., T+1, T+1) indexed [m, n]; entries with n < m
are zero.

The grid is Gaussian: `nlat` Gauss-Legendre latitudes (ascending, south to north)
and `nlon` equally spaced longitudes from 0; with nlon >= 3T + 1 the quadratic
products of the shallow-water equations are transformed without aliasing.
Transforms are an FFT along longitude and, per zonal wavenumber m, a matrix
product with the Legendre basis (`jnp.einsum` at HIGHEST precision). The basis
is computed once in float64 by the standard normalised recurrence (e.g. Durran,
Numerical Methods for Fluid Dynamics, 2nd ed., sec. 6.2,
doi:10.1007/978-1-4419-6412-0) and then cast to the run precision.

Vector fields are carried as U = u cos(phi), V = v cos(phi), which are smooth at
the poles; the meridional derivative enters through the basis
H_n^m = (1 - mu^2) dPbar_n^m/dmu, obtained exactly from Pbar_{n+-1}^m.
"""

from __future__ import annotations

import dataclasses
import functools

import jax
import jax.numpy as jnp
import numpy as np

HIGHEST = jax.lax.Precision.HIGHEST


def default_nlon(truncation: int) -> int:
    """Smallest even longitude count >= 3T + 1 whose only prime factors are 2, 3, 5."""
    n = 3 * truncation + 1
    while True:
        n += n % 2
        k = n
        for p in (2, 3, 5):
            while k % p == 0:
                k //= p
        if k == 1:
            return n
        n += 1


@functools.lru_cache(maxsize=8)
def gaussian_latitudes(nlat: int) -> tuple[np.ndarray, np.ndarray]:
    """Gauss-Legendre nodes mu = sin(latitude) (ascending) and weights (sum 2), float64."""
    mu, w = np.polynomial.legendre.leggauss(nlat)
    return mu, w


def legendre(truncation: int, mu: np.ndarray) -> np.ndarray:
    """Normalised associated Legendre functions Pbar_n^m(mu) for n <= T + 1.

    Args:
        truncation: T.
        mu: points in [-1, 1], shape (J,).

    Returns:
        float64 array [m, j, n] of shape (T+1, J, T+2), zero where n < m.
    """
    mu = np.asarray(mu, dtype=np.float64)
    nmax = truncation + 1
    out = np.zeros((truncation + 1, mu.size, nmax + 1))
    sin_colat = np.sqrt(1.0 - mu * mu)
    diagonal = np.full(mu.size, np.sqrt(0.5))
    for m in range(truncation + 1):
        if m > 0:
            diagonal = diagonal * np.sqrt((2 * m + 1) / (2 * m)) * sin_colat
        out[m, :, m] = diagonal
        if m + 1 <= nmax:
            out[m, :, m + 1] = np.sqrt(2 * m + 3) * mu * diagonal
    m = np.arange(truncation + 1)[:, None]
    for n in range(2, nmax + 1):
        valid = (m[:, 0] <= n - 2)
        mm = m[valid]
        a = np.sqrt((4.0 * n * n - 1) / (n * n - mm * mm))
        b = np.sqrt(((n - 1.0) ** 2 - mm * mm) / (4.0 * (n - 1) ** 2 - 1))
        out[valid, :, n] = a * (mu * out[valid, :, n - 1] - b * out[valid, :, n - 2])
    return out


def legendre_derivative(truncation: int, p: np.ndarray) -> np.ndarray:
    """H_n^m = (1 - mu^2) dPbar_n^m/dmu for n <= T from Pbar up to T + 1.

    Uses (1 - mu^2) dP_n^m/dmu = -n eps_{n+1}^m P_{n+1}^m + (n+1) eps_n^m P_{n-1}^m
    with eps_n^m = sqrt((n^2 - m^2) / (4 n^2 - 1)).

    Args:
        truncation: T.
        p: the output of `legendre` (shape (T+1, J, T+2)).

    Returns:
        float64 array [m, j, n] of shape (T+1, J, T+1).
    """
    m = np.arange(truncation + 1)[:, None, None]
    n = np.arange(truncation + 1)[None, None, :]

    def eps(k):
        return np.sqrt(np.clip(k * k - m * m, 0, None) / (4.0 * k * k - 1))

    lower = np.concatenate([np.zeros_like(p[:, :, :1]), p[:, :, : truncation]], axis=2)
    h = -n * eps(n + 1) * p[:, :, 1: truncation + 2] + (n + 1) * eps(n) * lower
    return np.where(n >= m, h, 0.0)


@dataclasses.dataclass(frozen=True)
class SphereGrid:
    """A Gaussian grid with triangular truncation (frozen, hashable, static).

    Attributes:
        truncation: T, the largest total wavenumber.
        nlon: longitudes (>= 3T + 1 for alias-free quadratic terms).
        nlat: Gaussian latitudes (default nlon / 2).
        radius: sphere radius a [m].
    """

    truncation: int
    nlon: int
    nlat: int
    radius: float = 6.37122e6

    def __post_init__(self) -> None:
        if self.truncation < 1:
            raise ValueError(f"truncation T = {self.truncation}: must be >= 1")
        if self.nlon < 2 * self.truncation + 1:
            raise ValueError(f"nlon = {self.nlon} cannot represent T = {self.truncation}: need nlon >= 2T + 1 "
                             f"(>= 3T + 1 = {3 * self.truncation + 1} to avoid aliasing)")
        if self.nlat < self.truncation + 1:
            raise ValueError(f"nlat = {self.nlat} cannot represent T = {self.truncation}: need nlat >= T + 1")

    @classmethod
    def T(cls, truncation: int, nlon: int | None = None, nlat: int | None = None,
          radius: float = 6.37122e6) -> "SphereGrid":
        """The grid for truncation T: nlon = the FFT-friendly even number >= 3T + 1, nlat = nlon / 2."""
        nlon = nlon or default_nlon(truncation)
        return cls(truncation, nlon, nlat or nlon // 2, radius)

    @property
    def shape(self) -> tuple[int, int]:
        return (self.nlat, self.nlon)

    @property
    def mu(self) -> np.ndarray:
        return gaussian_latitudes(self.nlat)[0]

    @property
    def weights(self) -> np.ndarray:
        """Gaussian weights (sum 2)."""
        return gaussian_latitudes(self.nlat)[1]

    @property
    def lat(self) -> np.ndarray:
        """Latitudes [degrees_north], ascending (south to north)."""
        return np.degrees(np.arcsin(self.mu))

    @property
    def lon(self) -> np.ndarray:
        """Longitudes [degrees_east] from 0."""
        return 360.0 * np.arange(self.nlon) / self.nlon

    def mesh(self) -> tuple[np.ndarray, np.ndarray]:
        """(longitude, latitude) [rad] on the grid, each of shape (nlat, nlon)."""
        lon = 2 * np.pi * np.arange(self.nlon) / self.nlon
        lat = np.arcsin(self.mu)
        return np.meshgrid(lon, lat)

    def area_weights(self) -> np.ndarray:
        """Cell areas [m^2] (Gaussian weight x dlambda x a^2) of shape (nlat, nlon); they sum to 4 pi a^2."""
        return np.repeat(self.weights[:, None], self.nlon, axis=1) * (2 * np.pi / self.nlon) * self.radius ** 2

    def degrees(self) -> np.ndarray:
        """Total wavenumber n on the [m, n] layout (float64), n < m masked to 0."""
        m, n = np.meshgrid(np.arange(self.truncation + 1), np.arange(self.truncation + 1), indexing="ij")
        return np.where(n >= m, n, 0).astype(np.float64)

    def mask(self) -> np.ndarray:
        m, n = np.meshgrid(np.arange(self.truncation + 1), np.arange(self.truncation + 1), indexing="ij")
        return n >= m

    def basis(self) -> tuple[np.ndarray, np.ndarray]:
        """(Pbar, H) on the grid, float64, each [m, j, n] of shape (T+1, nlat, T+1)."""
        return _basis(self.truncation, self.nlat)


@functools.lru_cache(maxsize=4)
def _basis(truncation: int, nlat: int) -> tuple[np.ndarray, np.ndarray]:
    mu, _ = gaussian_latitudes(nlat)
    p = legendre(truncation, mu)
    return np.ascontiguousarray(p[:, :, : truncation + 1]), legendre_derivative(truncation, p)


def complex_dtype(real: str | jnp.dtype) -> jnp.dtype:
    return jnp.complex128 if jnp.dtype(real) == jnp.float64 else jnp.complex64
