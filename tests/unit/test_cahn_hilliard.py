"""The Cahn–Hilliard model: free-energy pieces, the fused step-doubling against the
generic one, energy decay, mass conservation."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from hanami.apps.phasefield.model import CahnHilliard
from hanami.core.grid import BoxGrid
from hanami.core.integrate import step_doubling


def model(boundary="periodic", shape=(32, 32), length=32.0, stabilisation=0.8):
    grid = BoxGrid(shape, (length, length), boundary)
    return CahnHilliard(grid=grid, kappa=2.0, mobility=5.0, rho_s=5.0, c_alpha=0.3, c_beta=0.7,
                        stabilisation=stabilisation)


def random_c(m, seed=0):
    return jnp.asarray(0.5 + 0.05 * np.random.default_rng(seed).standard_normal(m.grid.shape))


def test_bulk_potential_is_derivative_of_bulk_energy():
    m = model()
    c = jnp.linspace(0.0, 1.0, 11)
    np.testing.assert_allclose(m.bulk_potential(c), jax.vmap(jax.grad(m.bulk_energy))(c), rtol=1e-12, atol=1e-14)


def test_gradient_energy_of_a_mode():
    """F of c = 0.5 + a cos(kx) equals the analytic integral."""
    m = model(length=2 * np.pi * 4, shape=(64, 64))
    x, _ = m.grid.mesh()
    a, k = 0.05, 1.0
    c = 0.5 + a * np.cos(k * x)
    area = m.grid.lengths[0] * m.grid.lengths[1]
    # f = rho (d^2 - u^2)^2 with d = 0.2, u = a cos: mean over a period by <cos^2> = 1/2, <cos^4> = 3/8
    d = 0.2
    bulk = 5.0 * (d**4 - 2 * d**2 * a**2 / 2 + a**4 * 3 / 8) * area
    gradient = 0.5 * 2.0 * a**2 * k**2 / 2 * area
    np.testing.assert_allclose(m.free_energy(jnp.asarray(c)), bulk + gradient, rtol=1e-12)


@pytest.mark.parametrize("boundary", ["periodic", "no-flux"])
def test_fused_estimate_equals_generic_step_doubling(boundary):
    m = model(boundary)
    c = random_c(m)
    fused, fused_error = m.estimate({"c": c}, jnp.asarray(0.3))
    generic, generic_error = step_doubling(m.step, order=2)({"c": c}, jnp.asarray(0.3))
    np.testing.assert_allclose(fused["c"], generic["c"], atol=1e-13)
    np.testing.assert_allclose(fused_error, generic_error, rtol=1e-9)


@pytest.mark.parametrize("boundary", ["periodic", "no-flux"])
def test_stabilised_step_conserves_mass_and_decreases_energy_at_large_dt(boundary):
    m = model(boundary)
    c = random_c(m, seed=3)
    fields = {"c": c}
    energies = [float(m.free_energy(c))]
    step = jax.jit(m.step)
    for _ in range(50):
        fields = step(fields, jnp.asarray(50.0))
        energies.append(float(m.free_energy(fields["c"])))
    assert np.all(np.diff(energies) <= 1e-10 * energies[0])
    assert abs(float(jnp.mean(fields["c"])) - float(jnp.mean(c))) < 1e-13  # round-off of 50 steps (cuFFT too)


def test_unstabilised_step_blows_up_at_large_dt():
    """The stabilisation is what makes large steps safe: without it the same step diverges."""
    m = model(stabilisation=0.0)
    fields = {"c": random_c(m, seed=3)}
    step = jax.jit(m.step)
    for _ in range(200):
        fields = step(fields, jnp.asarray(50.0))
    assert not bool(m.healthy(fields))
