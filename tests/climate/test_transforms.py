"""Spherical-harmonic transforms: round trips, orthonormality, the Laplacian's eigenvalues,
winds from a known stream function and velocity potential."""

import math

import jax.numpy as jnp
import numpy as np
import pytest
from scipy.special import lpmv

from hanami.apps.climate.analysis import evaluate
from hanami.core.harmonics import SphericalHarmonics
from hanami.core.sphere import SphereGrid, default_nlon, legendre

A = 6.37122e6


def random_spectral(grid: SphereGrid, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    shape = (grid.truncation + 1,) * 2
    c = (rng.normal(size=shape) + 1j * rng.normal(size=shape)) * grid.mask()
    c[0] = c[0].real  # m = 0 coefficients of a real field are real
    return c


def test_default_grid_sizes():
    assert [default_nlon(t) for t in (21, 31, 42, 63, 85, 106, 213)] == [64, 96, 128, 192, 256, 320, 640]
    grid = SphereGrid.T(42)
    assert grid.nlat == 64 and grid.nlon >= 3 * 42 + 1
    with pytest.raises(ValueError, match="nlon"):
        SphereGrid(42, 60, 64)


@pytest.mark.parametrize("truncation", [21, 63])
def test_legendre_orthonormal_under_gaussian_quadrature(truncation):
    grid = SphereGrid.T(truncation)
    p, _ = grid.basis()
    for m in (0, 1, truncation // 2, truncation):
        gram = np.einsum("jn,j,jk->nk", p[m], grid.weights, p[m])[m:, m:]
        np.testing.assert_allclose(gram, np.eye(truncation + 1 - m), atol=3e-15 * truncation)


def test_legendre_matches_scipy():
    mu = np.linspace(-0.95, 0.95, 7)
    p = legendre(12, mu)
    for m, n in [(0, 0), (0, 5), (3, 7), (6, 12), (12, 12)]:
        norm = math.sqrt((2 * n + 1) / 2 * math.factorial(n - m) / math.factorial(n + m))
        expected = norm * (-1) ** m * lpmv(m, n, mu)  # scipy includes the Condon-Shortley phase
        np.testing.assert_allclose(p[m, :, n], expected, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("dtype,tol", [("float64", 1e-13), ("float32", 3e-6)])
@pytest.mark.parametrize("truncation", [21, 42])
def test_round_trip_of_random_spectral_field(truncation, dtype, tol):
    grid = SphereGrid.T(truncation)
    sh = SphericalHarmonics.create(grid, dtype)
    c = jnp.asarray(random_spectral(grid), sh.complex_dtype)
    back = sh.to_spectral(sh.to_grid(c))
    assert float(jnp.max(jnp.abs(back - c))) < tol * float(jnp.max(jnp.abs(c))) * truncation


@pytest.mark.parametrize("m,n", [(0, 2), (1, 1), (3, 5), (4, 10), (7, 15)])
def test_laplacian_of_spherical_harmonic(m, n):
    """-n(n+1)/a^2 Y from the spectral operator, checked by finite differences in (lambda, phi)."""
    grid = SphereGrid.T(21, radius=A)
    sh = SphericalHarmonics.create(grid)
    c = np.zeros((22, 22), complex)
    c[m, n] = 0.7 - 0.4j if m else 0.7
    lap = np.asarray(sh.to_grid(sh.laplacian(jnp.asarray(c))))
    np.testing.assert_allclose(lap, -n * (n + 1) / A**2 * np.asarray(sh.to_grid(jnp.asarray(c))), atol=1e-25)
    # independent check at a few points: the Laplacian in spherical coordinates by central differences
    lat = np.array([-50.0, -10.0, 20.0, 65.0])
    lon = np.array([10.0, 130.0, 250.0])
    d = 1e-2  # degrees
    f = lambda la, lo: evaluate(c, np.atleast_1d(la), np.atleast_1d(lo))  # noqa: E731
    for la in lat:
        phi, dphi = math.radians(la), math.radians(d)
        f_ll = (f(la, lon + d) - 2 * f(la, lon) + f(la, lon - d)) / dphi**2
        up, mid, down = f(la + d, lon), f(la, lon), f(la - d, lon)
        cos_up, cos_down = math.cos(phi + dphi / 2), math.cos(phi - dphi / 2)
        f_pp = (cos_up * (up - mid) - cos_down * (mid - down)) / dphi**2
        fd = (f_ll / math.cos(phi) ** 2 + f_pp / math.cos(phi)) / A**2
        exact = -n * (n + 1) / A**2 * mid
        np.testing.assert_allclose(fd, exact, atol=1e-5 * n * (n + 1) / A**2 * np.max(np.abs(mid)) + 1e-30)


def stream_function_case(grid):
    """psi = C (sin(phi) cos^2(phi) cos(2 lambda) + sin(phi)) with its exact winds."""
    lon, lat = grid.mesh()
    scale = A * A * 1e-5
    psi = scale * (np.sin(lat) * np.cos(lat) ** 2 * np.cos(2 * lon) + np.sin(lat))
    dpsi_dlat = scale * ((np.cos(lat) ** 3 - 2 * np.sin(lat) ** 2 * np.cos(lat)) * np.cos(2 * lon) + np.cos(lat))
    dpsi_dlon = scale * np.sin(lat) * np.cos(lat) ** 2 * (-2) * np.sin(2 * lon)
    return psi, dpsi_dlat / A, dpsi_dlon / (A * np.cos(lat))


@pytest.mark.parametrize("truncation", [21, 42])
def test_winds_from_stream_function(truncation):
    grid = SphereGrid.T(truncation, radius=A)
    sh = SphericalHarmonics.create(grid)
    psi, dlat, dlon = stream_function_case(grid)
    vorticity = sh.laplacian(sh.to_spectral(jnp.asarray(psi)))
    u, v = sh.winds(vorticity, jnp.zeros_like(vorticity))
    scale = np.max(np.abs(dlat))
    np.testing.assert_allclose(u, -dlat, atol=1e-11 * scale)  # u = -(1/a) dpsi/dphi
    np.testing.assert_allclose(v, dlon, atol=1e-11 * scale)  # v = (1/(a cos phi)) dpsi/dlambda


def test_winds_from_velocity_potential_and_back():
    grid = SphereGrid.T(31, radius=A)
    sh = SphericalHarmonics.create(grid)
    chi, dlat, dlon = stream_function_case(grid)
    divergence = sh.laplacian(sh.to_spectral(jnp.asarray(chi)))
    u, v = sh.winds(jnp.zeros_like(divergence), divergence)
    scale = np.max(np.abs(dlat))
    np.testing.assert_allclose(u, dlon, atol=1e-11 * scale)
    np.testing.assert_allclose(v, dlat, atol=1e-11 * scale)
    cos = np.sqrt(1 - grid.mu**2)[:, None]
    vor, div = sh.vorticity_divergence(u * cos, v * cos)
    assert float(jnp.max(jnp.abs(vor))) < 1e-12 * float(jnp.max(jnp.abs(divergence)))
    np.testing.assert_allclose(div, divergence, atol=1e-12 * float(jnp.max(jnp.abs(divergence))))


def test_quadrature_integrates_exactly():
    grid = SphereGrid.T(21, radius=A)
    sh = SphericalHarmonics.create(grid)
    lon, lat = grid.mesh()
    assert float(sh.total(jnp.ones(grid.shape))) == pytest.approx(4 * np.pi * A**2, rel=1e-14)
    assert float(sh.total(jnp.asarray(np.sin(lat) ** 2))) == pytest.approx(4 * np.pi * A**2 / 3, rel=1e-14)


@pytest.mark.parametrize("contract", [1, 2])
def test_large_truncation_layout_equals_einsum(contract):
    """From T85 in float64 the Legendre sums take another memory layout; it must give the same numbers."""
    from jax.lax import Precision

    from hanami.core.harmonics import _batched_by_m

    rng = np.random.default_rng(5)
    basis = jnp.asarray(rng.standard_normal((86, 40, 86)))
    x = jnp.asarray(rng.standard_normal((2, 3, 86, 86 if contract == 2 else 40)))
    spec = "mjn,...mn->...mj" if contract == 2 else "mjn,...mj->...mn"
    expected = jnp.einsum(spec, basis, x, precision=Precision.HIGHEST)
    np.testing.assert_allclose(_batched_by_m(basis, x, contract), expected, rtol=1e-12, atol=1e-12)
