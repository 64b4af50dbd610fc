"""Spectral operators against analytic fields; the cosine transform in float64."""

import jax.numpy as jnp
import numpy as np
import pytest

from hanami.core.grid import BoxGrid
from hanami.core.spectral import SpectralBox


@pytest.mark.parametrize("shape", [(32, 24), (31, 25)])
def test_periodic_laplacian_of_fourier_mode(shape):
    grid = BoxGrid(shape, (7.0, 5.0), "periodic")
    x, y = grid.mesh()
    kx, ky = 2 * np.pi * 3 / 7.0, 2 * np.pi * 2 / 5.0
    u = np.sin(kx * x) * np.cos(ky * y)
    lap = SpectralBox(grid).laplacian(jnp.asarray(u))
    np.testing.assert_allclose(lap, -(kx**2 + ky**2) * u, atol=1e-12 * (kx**2 + ky**2))


def test_noflux_laplacian_of_cosine_mode():
    grid = BoxGrid((40, 30), (10.0, 6.0), "no-flux")
    x, y = grid.mesh()
    kx, ky = np.pi * 4 / 10.0, np.pi * 3 / 6.0
    u = np.cos(kx * x) * np.cos(ky * y) + 0.3
    lap = SpectralBox(grid).laplacian(jnp.asarray(u))
    np.testing.assert_allclose(lap, -(kx**2 + ky**2) * (u - 0.3), atol=1e-12 * (kx**2 + ky**2))


def test_noflux_laplacian_of_smooth_even_field():
    """A non-modal field with zero normal derivative (entire even extension): round-off at every size."""
    errors = []
    for n in (16, 32, 64):
        grid = BoxGrid((n, n), (1.0, 1.0), "no-flux")
        x, y = grid.mesh()
        u = np.exp(np.cos(np.pi * x)) * np.cos(2 * np.pi * y)
        exact = (np.pi**2 * (np.sin(np.pi * x) ** 2 - np.cos(np.pi * x)) - 4 * np.pi**2) * u
        errors.append(np.max(np.abs(np.asarray(SpectralBox(grid).laplacian(jnp.asarray(u))) - exact)))
    assert max(errors) < 1e-9, errors


def test_cosine_transform_round_trip_keeps_float64():
    grid = BoxGrid((50, 36), (1.0, 1.0), "no-flux")
    u = jnp.asarray(np.random.default_rng(1).standard_normal(grid.shape))
    box = SpectralBox(grid)
    coefficients = box.forward(u)
    assert coefficients.dtype == jnp.float64
    back = box.inverse(coefficients)
    assert back.dtype == jnp.float64
    assert float(jnp.max(jnp.abs(back - u))) < 1e-14 * 20


@pytest.mark.parametrize("boundary,shape", [("periodic", (16, 20)), ("periodic", (15, 21)), ("no-flux", (12, 9))])
def test_parseval_sum_of_squares(boundary, shape):
    grid = BoxGrid(shape, (1.0, 2.0), boundary)
    u = jnp.asarray(np.random.default_rng(2).standard_normal(shape))
    box = SpectralBox(grid)
    np.testing.assert_allclose(box.sum_of_squares(box.forward(u)), jnp.sum(u * u), rtol=1e-13)


def test_float32_transforms_stay_float32():
    grid = BoxGrid((16, 16), (1.0, 1.0), "no-flux")
    u = jnp.ones(grid.shape, jnp.float32)
    assert SpectralBox(grid).laplacian(u).dtype == jnp.float32
