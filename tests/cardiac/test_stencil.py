"""The vertex-centred anisotropic diffusion operator: against an analytic anisotropic
Gaussian (second order), conservation with no-flux faces, the stability limit, and
the implicit (CG) step."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from hanami.apps.cardiac.diffusion import (conductivity_to_diffusivity, diffusion_tensor, explicit_step,
                                           implicit_step)
from hanami.apps.cardiac.stencil import VertexGrid, anisotropic_laplacian, stable_dt

D_DIAG = np.diag([0.0953, 0.0126, 0.03])


def gaussian(grid, tensor, t, s0=1.0):
    """Exact solution of du/dt = div(D grad u) on free space from exp(-|x - c|^2 / (2 s0^2)),
    c the box centre: exp(-(x-c)^T S^-1 (x-c) / 2) sqrt(det(S0) / det(S)), S = s0^2 I + 2 D t."""
    x = np.stack([g - length / 2 for g, length in zip(grid.mesh(), grid.lengths)], axis=-1)
    cov = s0 ** 2 * np.eye(grid.ndim) + 2 * tensor * t
    quad = np.einsum("...i,ij,...j->...", x, np.linalg.inv(cov), x)
    return np.exp(-0.5 * quad) * np.sqrt(s0 ** (2 * grid.ndim) / np.linalg.det(cov))


def laplacian_error(n, tensor):
    grid = VertexGrid((n, n, n), (10.0, 10.0, 10.0))
    u = gaussian(grid, tensor, 0.0)
    exact = (gaussian(grid, tensor, 1e-4) - gaussian(grid, tensor, -1e-4)) / 2e-4  # d/dt = div(D grad u)
    got = np.asarray(anisotropic_laplacian(jnp.asarray(u), tensor, grid.spacing))
    inner = (slice(n // 4, -n // 4),) * 3
    return np.max(np.abs(got - exact)[inner])


@pytest.mark.parametrize("fibre", [(1.0, 0.0, 0.0), (1.0, 1.0, 0.5)])
def test_laplacian_second_order_against_gaussian(fibre):
    tensor = diffusion_tensor(0.0953, 0.0126, fibre)
    coarse, fine = laplacian_error(21, tensor), laplacian_error(41, tensor)
    assert fine < 2e-3
    assert 3.5 < coarse / fine < 4.5, (coarse, fine)


def test_explicit_diffusion_follows_gaussian_in_time():
    grid = VertexGrid((61, 61, 41), (12.0, 12.0, 8.0))
    u = jnp.asarray(gaussian(grid, D_DIAG, 0.0))
    dt = 0.5 * stable_dt(D_DIAG, grid.spacing)
    steps = int(round(4.0 / dt))
    for _ in range(steps):
        u = explicit_step(u, jnp.asarray(dt), D_DIAG, grid)
    exact = gaussian(grid, D_DIAG, steps * dt)
    assert np.max(np.abs(np.asarray(u) - exact)) < 2e-3 * exact.max()


@pytest.mark.parametrize("fibre", [(1.0, 0.0, 0.0), (0.0, 1.0, 0.0)])
def test_no_flux_conserves_weighted_sum(fibre):
    grid = VertexGrid((17, 9, 6), (8.0, 4.0, 2.5))
    tensor = diffusion_tensor(0.0953, 0.0126, fibre)
    u = jnp.asarray(np.random.default_rng(0).standard_normal(grid.shape))
    w = grid.weights()
    dt = 0.9 * stable_dt(tensor, grid.spacing)
    total = float(np.sum(w * np.asarray(u)))
    explicit = jax.lax.fori_loop(0, 50, lambda _, v: explicit_step(v, jnp.asarray(dt), tensor, grid), u)
    implicit = jax.jit(lambda v: jax.lax.fori_loop(
        0, 50, lambda _, v: implicit_step(v, jnp.asarray(20 * dt), tensor, grid, 1e-12, 500), v))(u)
    assert abs(float(np.sum(w * np.asarray(explicit))) - total) < 1e-12 * np.sum(w)
    assert abs(float(np.sum(w * np.asarray(implicit))) - total) < 1e-9 * np.sum(w)
    assert float(jnp.std(implicit)) < float(jnp.std(u))  # it diffuses
    assert np.isclose(w.sum(), 8.0 * 4.0 * 2.5)


def test_stability_limit_is_sharp():
    """Just below the limit the worst mode decays; just above it grows."""
    grid = VertexGrid((21, 11, 7), (2.0, 1.0, 0.6))
    limit = stable_dt(D_DIAG, grid.spacing)
    np.testing.assert_allclose(limit, 1 / (2 * sum(D_DIAG[i, i] / h ** 2 for i, h in enumerate(grid.spacing))))
    idx = np.indices(grid.shape).sum(axis=0)
    checkerboard = jnp.asarray((-1.0) ** idx)
    for factor, grows in ((0.99, False), (1.01, True)):
        u = checkerboard
        for _ in range(200):
            u = explicit_step(u, jnp.asarray(factor * limit), D_DIAG, grid)
        assert (float(jnp.max(jnp.abs(u))) > 1.0) == grows


def test_implicit_matches_explicit_at_small_dt_and_is_stable_at_large():
    grid = VertexGrid((21, 11, 7), (10.0, 5.0, 3.0))
    u0 = jnp.asarray(gaussian(grid, D_DIAG, 0.0))
    dt = 0.01
    a = implicit_step(u0, jnp.asarray(dt), D_DIAG, grid, 1e-12, 500)
    b = explicit_step(u0, jnp.asarray(dt), D_DIAG, grid)
    assert float(jnp.max(jnp.abs(a - b))) < 1e-4
    big = implicit_step(u0, jnp.asarray(100 * stable_dt(D_DIAG, grid.spacing)), D_DIAG, grid, 1e-10, 500)
    assert float(jnp.max(big)) <= float(jnp.max(u0)) and float(jnp.min(big)) >= -1e-9


def test_conductivity_conversion_and_niederer_stability():
    """sigma 0.1334 S/m, chi 140 /mm, Cm 1 uF/cm^2 -> 0.0953 mm^2/ms; explicit limit ~0.04 ms at dx 0.1."""
    d_l = conductivity_to_diffusivity(0.1334, 140.0, 1.0)
    d_t = conductivity_to_diffusivity(0.01761, 140.0, 1.0)
    np.testing.assert_allclose(d_l, 0.1334 / (140e3 * 1e-8) * 1e-3 * 1e-3 * 1e3, rtol=1e-12)
    np.testing.assert_allclose(d_l, 0.09528571428571428, rtol=1e-12)
    grid = VertexGrid.from_spacing((20.0, 7.0, 3.0), 0.1)
    assert grid.shape == (201, 71, 31)
    np.testing.assert_allclose(stable_dt(diffusion_tensor(d_l, d_t, (1, 0, 0)), grid.spacing), 0.0415, atol=2e-4)
    with pytest.raises(ValueError, match="whole number"):
        VertexGrid.from_spacing((20.0, 7.0, 3.0), 0.3)
