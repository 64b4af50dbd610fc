"""Ostwald ripening (PFHub BM2): the initial free energy against an independent quadrature, the
chemical potentials against the derivative of f, the implicit solve against the exact decay of a
mode, mass and energy over steps, and the case checks. All verification."""

import json

import jax
import jax.numpy as jnp
import numpy as np
import pydantic
import pytest

from hanami.apps.phasefield.bm2_validate import initial_energy, observed_order, reference_bulk_density
from hanami.apps.phasefield.case import PhaseFieldCase
from hanami.apps.phasefield.ostwald import OstwaldRipening
from hanami.core.grid import BoxGrid
from hanami.errors import CaseError
from hanami.runner import build, load_case

jax.config.update("jax_enable_x64", True)


def model(shape=(32, 32), length=32.0, boundary="periodic", count=4) -> OstwaldRipening:
    return OstwaldRipening(grid=BoxGrid(shape, (length, length), boundary), count=count, kappa_c=3.0,
                           kappa_eta=3.0, mobility=5.0, relaxation=5.0, rho2=2.0, w=1.0, alpha=5.0, c_alpha=0.3,
                           c_beta=0.7, stabilisation=2.0)


def statement_state(x, y):
    """The BM2 initial state typed in from the statement, apart from the case code."""
    c = 0.5 + 0.05 * (np.cos(0.105 * x) * np.cos(0.11 * y) + (np.cos(0.13 * x) * np.cos(0.087 * y)) ** 2
                      + np.cos(0.025 * x - 0.15 * y) * np.cos(0.07 * x - 0.02 * y))
    etas = [0.1 * (np.cos(0.01 * i * x - 4) * np.cos((0.007 + 0.01 * i) * y)
                   + np.cos((0.11 + 0.01 * i) * x) * np.cos((0.11 + 0.01 * i) * y)
                   + 1.5 * (np.cos((0.046 + 0.001 * i) * x + (0.0405 + 0.001 * i) * y)
                            * np.cos((0.031 + 0.001 * i) * x - (0.004 + 0.001 * i) * y)) ** 2) ** 2
            for i in range(1, 5)]
    return c, etas


def test_initial_free_energy_matches_an_independent_quadrature():
    """F(0) of BM2b on its 200 x 200 grid against a Simpson quadrature of the statement's formula
    with centred differences on a grid of 1201 nodes (bulk 8.91e3 + gradient 1.12e2, issue figures)."""
    n = 1201
    x = np.linspace(0.0, 200.0, n)
    X, Y = np.meshgrid(x, x, indexing="ij")
    c, etas = statement_state(X, Y)
    weights = np.ones(n)
    weights[1:-1:2], weights[2:-1:2] = 4.0, 2.0
    weights *= (x[1] - x[0]) / 3

    def integrate(f):
        return float(weights @ f @ weights)

    m = model((200, 200), 200.0, "no-flux")
    bulk = integrate(reference_bulk_density(c, etas, m))
    gradient = sum(1.5 * integrate(sum(g**2 for g in np.gradient(u, x, x, edge_order=2))) for u in [c, *etas])
    assert bulk == pytest.approx(8.91e3, rel=1e-3) and gradient == pytest.approx(1.12e2, rel=1e-2)
    built = build(load_case("pfhub-bm2b"))
    found = built.model.diagnostics(built.state.fields)
    assert float(found["free_energy"]) == pytest.approx(bulk + gradient, rel=1e-4)
    assert float(found["bulk_energy"]) == pytest.approx(bulk, rel=1e-4)
    # the validation's own quadrature agrees with this one
    assert initial_energy(load_case("pfhub-bm2b").case)["free_energy"] == pytest.approx(bulk + gradient, rel=1e-5)


def test_periodic_grid_sees_the_jump_across_the_wrap():
    """The statement's state is not periodic on 200: on the periodic grid the gradient part carries the jump
    (about twice the smooth value at dx = 1), while the bulk is the node sum of f."""
    case = load_case("pfhub-bm2a").case
    built = build(load_case("pfhub-bm2a"))
    found = built.model.diagnostics(built.state.fields)
    on_nodes = initial_energy(case, case.grid.build())
    assert float(found["bulk_energy"]) == pytest.approx(on_nodes["bulk_energy"], rel=1e-12)
    assert float(found["gradient_energy"]) > 1.5 * on_nodes["gradient_energy"]


def test_chemical_potentials_are_the_derivatives_of_f():
    m = model()
    rng = np.random.default_rng(1)
    c = jnp.asarray(0.3 + 0.4 * rng.random((32, 32)))
    etas = [jnp.asarray(rng.random((32, 32))) for _ in range(4)]
    mu_c, mu_eta = m._explicit_potentials(c, etas)
    d_c, d_etas = jax.grad(lambda c, e: jnp.sum(m.bulk_energy(c, e)), argnums=(0, 1))(c, etas)
    np.testing.assert_allclose(mu_c + 2 * m.rho2 * c, d_c, rtol=1e-12, atol=1e-12)
    for mu, d, e in zip(mu_eta, d_etas, etas):
        np.testing.assert_allclose(mu + m.stabilisation * e, d, rtol=1e-12, atol=1e-12)
    # and the model's f is the statement's
    np.testing.assert_allclose(m.bulk_energy(c, etas), reference_bulk_density(np.asarray(c), [np.asarray(e) for e in etas], m),
                               rtol=1e-13)


@pytest.mark.parametrize("boundary", ["periodic", "no-flux"])
def test_a_composition_mode_decays_at_the_implicit_rate(boundary):
    """With every eta = 0, f is a parabola in c: a mode of amplitude a goes to a / (1 + dt M k^2 (2 rho^2 + kappa k^2))."""
    m = model(boundary=boundary)
    x, y = m.grid.mesh()
    k = (2 if boundary == "periodic" else 1) * np.pi * 3 / 32.0
    mode = np.cos(k * x)
    fields = {"c": jnp.asarray(0.5 + 0.01 * mode), **{n: jnp.zeros((32, 32)) for n in m.names}}
    dt = 0.37
    out = m.step(fields, jnp.asarray(dt))
    factor = 1 / (1 + dt * 5.0 * k**2 * (4.0 + 3.0 * k**2))
    np.testing.assert_allclose(np.asarray(out["c"]), 0.5 + 0.01 * factor * mode, atol=1e-14)
    for name in m.names:
        np.testing.assert_array_equal(np.asarray(out[name]), 0.0)


def test_steps_conserve_mass_and_lower_the_energy():
    m = model((48, 48), 48.0)
    x, y = m.grid.mesh()
    c, etas = statement_state(x, y)
    fields = {"c": jnp.asarray(c), **{n: jnp.asarray(e) for n, e in zip(m.names, etas)}}
    step = jax.jit(m.step)
    before = m.diagnostics(fields)
    energies = [float(before["free_energy"])]
    for _ in range(50):
        fields = step(fields, jnp.asarray(0.01))
        energies.append(float(m.diagnostics(fields)["free_energy"]))
    assert float(m.diagnostics(fields)["mass"]) == pytest.approx(float(before["mass"]), rel=1e-13)
    assert np.all(np.diff(energies) < 0)


def test_observed_order():
    assert observed_order([1.0 + 0.4, 1.0 + 0.1, 1.0 + 0.025]) == pytest.approx(2.0)
    assert np.isnan(observed_order([1.0, 1.0, 1.0]))


def test_case_refusals():
    with pytest.raises(pydantic.ValidationError, match="starts from initial.kind = 'pfhub-bm2', not 'pfhub-bm1'"):
        PhaseFieldCase(app="phasefield", name="x", stop={"time": 1.0}, model={"kind": "ostwald-ripening"})
    with pytest.raises(CaseError, match="c_alpha < c_beta"):
        load_case("pfhub-bm2a", ["model.c_alpha=0.8"])
    with pytest.raises(pydantic.ValidationError, match="defined on a 2D grid"):
        PhaseFieldCase(app="phasefield", name="x", stop={"time": 1.0}, grid={"shape": [8, 8, 8], "lengths": [8.0] * 3},
                       model={"kind": "ostwald-ripening"}, initial={"kind": "pfhub-bm2"})
    built = build(load_case("pfhub-bm2a", ["model.order_parameters=2"]))
    assert set(built.state.fields) == {"c", "eta1", "eta2"}


@pytest.mark.slow
def test_quick_verification_of_bm2a_passes_end_to_end(cli, tmp_path):
    """`hanami validate pfhub-bm2a --quick`: F(0), mass, F decrease and the dt/dx study (about 2 minutes)."""
    result = cli("validate", "pfhub-bm2a", "--quick", "--out", str(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads((tmp_path / "validation.json").read_text())
    checks = {c["name"]: c for c in report["checks"]}
    assert report["outcome"] == "VERIFIED" and all(c["kind"] == "verification" for c in report["checks"])
    assert checks["time_order_t10"]["value"] > 1.0 and checks["space_t10"]["passed"]
    assert checks["initial_gradient_energy"]["passed"] is None  # reported: the jump across the wrap
    assert report["free_energy"]["10.0"] < checks["initial_free_energy"]["value"]
    assert (tmp_path / "run" / "grains_final.png").exists()


@pytest.mark.slow
def test_quick_verification_of_bm2b_passes_end_to_end(cli, tmp_path):
    """`hanami validate pfhub-bm2b --quick`: on the no-flux box the whole F(0) (bulk and gradient) is
    judged against the quadrature, beside mass, F decrease and the dt/dx study (about 9 minutes: the
    cosine transforms of the 400 x 400 grid of the dx study are the cost)."""
    result = cli("validate", "pfhub-bm2b", "--quick", "--out", str(tmp_path), timeout=1800)
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads((tmp_path / "validation.json").read_text())
    checks = {c["name"]: c for c in report["checks"]}
    assert report["outcome"] == "VERIFIED"
    assert checks["initial_free_energy"]["passed"] and checks["initial_bulk_energy"]["passed"]
    assert checks["time_order_t10"]["value"] > 1.0 and checks["space_t10"]["passed"]


@pytest.mark.parametrize("boundary", ["periodic", "no-flux"])
def test_numpy_peer_takes_the_same_step(boundary):
    """The NumPy peer of `hanami bench` (`numpy_peer.ostwald_step`) repeats the model's step."""
    from hanami.apps.phasefield.numpy_peer import ostwald_step

    m = model((40, 40), 40.0, boundary)
    x, y = m.grid.mesh()
    c, etas = statement_state(x, y)
    fields = {"c": jnp.asarray(c), **{n: jnp.asarray(e) for n, e in zip(m.names, etas)}}
    on_host = {k: np.asarray(v) for k, v in fields.items()}
    step, peer = jax.jit(m.step), ostwald_step(m)
    for _ in range(10):
        fields, on_host = step(fields, jnp.asarray(0.02)), peer(on_host, 0.02, 0.0)
    for name in fields:
        np.testing.assert_allclose(on_host[name], np.asarray(fields[name]), atol=1e-12)
