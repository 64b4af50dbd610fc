"""Measures on shallow-water results: error norms, spectral interpolation, wave phase speed.

Error norms follow STSWM's `erranl.f` (Williamson et al. 1992, doi:10.1016/S0021-9991(05)80016-6,
eqs. 82-84): with I(f) the Gaussian-quadrature integral over the sphere,

    l1 = I(|h - h_T|) / I(|h_T|),  l2 = sqrt(I((h - h_T)^2) / I(h_T^2)),  linf = max|h - h_T| / max|h_T|.

All in float64 NumPy, on the host.
"""

from __future__ import annotations

import numpy as np

from hanami.core.sphere import SphereGrid, legendre


def error_norms(h: np.ndarray, truth: np.ndarray, grid: SphereGrid) -> dict[str, float]:
    """l1, l2, linf of `h - truth` on the grid (arrays of shape (nlat, nlon))."""
    w = grid.area_weights()
    h, truth = np.asarray(h, np.float64), np.asarray(truth, np.float64)
    e = h - truth
    return {"l1": float(np.sum(np.abs(e) * w) / np.sum(np.abs(truth) * w)),
            "l2": float(np.sqrt(np.sum(e * e * w) / np.sum(truth * truth * w))),
            "linf": float(np.max(np.abs(e)) / np.max(np.abs(truth)))}


def spectral_coefficients(f: np.ndarray, grid: SphereGrid) -> np.ndarray:
    """Grid field (nlat, nlon) -> complex coefficients [m, n] (T+1, T+1), float64 NumPy."""
    p, _ = grid.basis()
    fourier = np.fft.rfft(np.asarray(f, np.float64), axis=-1, norm="forward")[:, : grid.truncation + 1]
    return np.einsum("mjn,jm->mn", p, fourier * grid.weights[:, None])


def evaluate(coefficients: np.ndarray, lat_deg: np.ndarray, lon_deg: np.ndarray) -> np.ndarray:
    """Exact values of a spectral field at any latitudes and longitudes [degrees] -> (nlat, nlon)."""
    t = coefficients.shape[0] - 1
    mu = np.sin(np.radians(np.asarray(lat_deg, np.float64)))
    p = legendre(t, mu)[:, :, : t + 1]
    fourier = np.einsum("mjn,mn->jm", p, coefficients)
    m = np.arange(t + 1)
    phase = np.exp(1j * np.outer(m, np.radians(np.asarray(lon_deg, np.float64))))
    weight = np.where(m == 0, 1.0, 2.0)[:, None]
    return np.real(fourier @ (weight * phase))


def interpolate(f: np.ndarray, source: SphereGrid, target: SphereGrid) -> np.ndarray:
    """A grid field of `source` evaluated exactly (spectrally) on the points of `target`."""
    return evaluate(spectral_coefficients(f, source), target.lat, target.lon)


def zonal_coefficient(f: np.ndarray, grid: SphereGrid, lat_deg: float, m: int) -> complex:
    """The complex coefficient of exp(i m lambda) of a grid field along the latitude `lat_deg`."""
    c = spectral_coefficients(f, grid)
    mu = np.sin(np.radians(lat_deg))
    p = legendre(grid.truncation, np.array([mu]))[m, 0, : grid.truncation + 1]
    return complex(np.sum(c[m] * p))


def phase_speed(times: np.ndarray, fields: np.ndarray, grid: SphereGrid, lat_deg: float = 40.0,
                m: int = 4) -> float:
    """Eastward pattern speed [degrees/day] of zonal wavenumber m at `lat_deg`, by a linear fit of the
    unwrapped phase over `times` [s] (snapshots must be close enough that the phase moves < pi/m between them)."""
    return phase_speed_fit(times, fields, grid, lat_deg, m)[0]


def phase_speed_fit(times: np.ndarray, fields: np.ndarray, grid: SphereGrid, lat_deg: float = 40.0,
                    m: int = 4) -> tuple[float, float]:
    """(`phase_speed`, its standard error [degrees/day] from the fit's residuals; nan with fewer than 3 times)."""
    phases = np.unwrap([np.angle(zonal_coefficient(f, grid, lat_deg, m)) for f in fields])
    days = np.asarray(times, np.float64) / 86400.0
    if len(days) < 3:
        slope = np.polyfit(days, phases, 1)[0]
        return float(-np.degrees(slope) / m), float("nan")
    (slope, _), cov = np.polyfit(days, phases, 1, cov=True)
    return float(-np.degrees(slope) / m), float(np.degrees(np.sqrt(cov[0, 0])) / m)


def max_height_change(h: np.ndarray, h0: np.ndarray) -> float:
    """max |h - h0| [m] over the grid."""
    return float(np.max(np.abs(np.asarray(h, np.float64) - np.asarray(h0, np.float64))))
