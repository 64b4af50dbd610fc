"""Nucleation (PFHub BM8): critical radius, seeds and their planting, particle counting, the
Avrami fit and the KJMA expectation, the case checks, and BM8a end to end (slow). Verification."""

import json
import math

import jax
import jax.numpy as jnp
import numpy as np
import pydantic
import pytest

from hanami.apps.phasefield.case import PhaseFieldCase
from hanami.apps.phasefield.nucleation import (Nuclei, avrami_fit, count_particles, critical_radius, draw,
                                               kjma_prediction, seeded_field)
from hanami.core.grid import BoxGrid
from hanami.runner import build, load_case

jax.config.update("jax_enable_x64", True)


def test_critical_radius_is_the_statements():
    assert critical_radius(1.0, 1.0, math.sqrt(2) / 30) == pytest.approx(5.0)  # 8a
    assert critical_radius(1.0, 1.0, 1 / (3 * math.sqrt(2))) == pytest.approx(1.0)  # 8b, 8c


def test_overlapping_seeds_add_and_clip():
    grid = BoxGrid((100, 100), (50.0, 50.0), "periodic")
    one = seeded_field(grid, np.array([[25.0, 25.0]]), 5.0, math.sqrt(2))
    two = seeded_field(grid, np.array([[25.0, 25.0], [28.0, 25.0]]), 5.0, math.sqrt(2))
    assert one.max() == pytest.approx(1.0, abs=1e-3) and two.max() == 1.0
    assert np.all(two >= one) and np.all(two <= 1.0)
    # a seed at a corner wraps around the periodic box: the same area as one in the middle
    corner = seeded_field(grid, np.array([[0.0, 0.0]]), 5.0, math.sqrt(2))
    assert corner.sum() == pytest.approx(one.sum(), rel=1e-3)


def test_seeds_are_planted_in_the_step_holding_their_time():
    grid = BoxGrid((40, 40), (20.0, 20.0), "periodic")
    nuclei = Nuclei(grid=grid, centres=jnp.asarray([[10.0, 10.0]]), times=jnp.asarray([0.35]), radius=3.0,
                    width=math.sqrt(2))
    empty = jnp.zeros((40, 40))
    for start, planted in ((0.2, False), (0.3, True), (0.4, False)):
        phi = jax.jit(lambda p, t, dt: nuclei.plant(p, t, dt))(empty, jnp.asarray(start), jnp.asarray(0.1))
        assert (float(phi.max()) > 0.9) is planted


def test_draws_are_reproducible_and_inside():
    a = draw(100, (500.0, 300.0), 7, 600.0)
    b = draw(100, (500.0, 300.0), 7, 600.0)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert np.all(a[0] >= 0) and np.all(a[0][:, 0] < 500) and np.all(a[0][:, 1] < 300)
    assert np.all((a[1] >= 0) & (a[1] < 600)) and np.all(draw(5, (1.0, 1.0), 7, 0.0)[1] == 0)


def test_particles_across_a_periodic_edge_count_once():
    phi = np.zeros((20, 20))
    phi[0:3, 5:8] = 1.0
    phi[18:20, 5:8] = 1.0  # the same particle, across the x edge
    phi[10:12, 10:12] = 1.0
    phi[5:7, 19] = phi[6, 0] = 1.0  # across the y edge, joined diagonally
    assert count_particles(phi, periodic=False) == 5
    assert count_particles(phi, periodic=True) == 3
    assert count_particles(np.zeros((8, 8)), periodic=True) == 0


def test_avrami_fit_recovers_the_exponent():
    t = np.linspace(0.1, 50.0, 400)
    for n in (2.0, 3.0):
        y = 1 - np.exp(-(t / 20.0) ** n)
        slope, error, points = avrami_fit(t, y)
        assert slope == pytest.approx(n, abs=1e-10) and error < 1e-10 and points > 50


def test_kjma_expectation():
    t = np.linspace(0.0, 10.0, 1001)
    single = 1e-3 * t**2
    np.testing.assert_allclose(kjma_prediction(t, single, 25, 0.0), 1 - (1 - single) ** 25)
    # constant rate over [0, 20): the chance one seed covers a point is 1e-3 t^3 / (3 * 20)
    expected = 1 - (1 - 1e-3 * t**3 / 60) ** 25
    np.testing.assert_allclose(kjma_prediction(t, single, 25, 20.0), expected, rtol=1e-3, atol=1e-7)


def test_case_refusals_and_the_shipped_seed():
    with pytest.raises(pydantic.ValidationError, match="places one seed"):
        PhaseFieldCase(app="phasefield", name="x", stop={"time": 1.0}, time={"adaptive": False},
                       model={"kind": "allen-cahn", "driving_force": 0.1}, initial={"kind": "nuclei", "count": 2})
    with pytest.raises(pydantic.ValidationError, match="driving_force > 0"):
        PhaseFieldCase(app="phasefield", name="x", stop={"time": 1.0}, time={"adaptive": False},
                       model={"kind": "allen-cahn"}, initial={"kind": "nuclei"})
    phi = np.asarray(build(load_case("pfhub-bm8a")).state.fields["phi"])
    # the FiPy upload's t = 0 solid fraction of the 1.01 r* seed (fipy_8a): the same profile on the same grid
    assert phi.mean() == pytest.approx(8.52837e-3, rel=1e-5)


@pytest.mark.slow
def test_bm8a_seeds_and_fipy_comparison(cli, tmp_path):
    result = cli("validate", "pfhub-bm8a", "--quick", "--out", str(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads((tmp_path / "validation.json").read_text())
    checks = {c["name"]: c for c in report["checks"]}
    assert report["outcome"] == "VALIDATED"
    assert checks["seed_1.01"]["passed"] and checks["seed_0.99"]["passed"]
    assert checks["solid_fraction"]["kind"] == "validation" and checks["solid_fraction"]["passed"]
    assert (tmp_path / "r1.01" / "nucleation.csv").read_text().startswith("time,fraction,energy,particle_count")


@pytest.mark.slow
def test_bm8b_avrami_exponent_matches_kjma(cli, tmp_path):
    """Eight realisations of four seeds in a 200 x 200 box (about 3 minutes): the mean Avrami exponent
    against KJMA's for the measured growth of one seed, within two standard errors."""
    result = cli("validate", "pfhub-bm8b", "--quick", "--out", str(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads((tmp_path / "validation.json").read_text())
    check = report["checks"][0]
    assert report["outcome"] == "VERIFIED" and check["kind"] == "verification"
    assert len(check["per_realisation"]) == 8 and 1.8 < check["expected"] < 2.4
    assert (tmp_path / "seed0" / "avrami.png").exists()


@pytest.mark.slow
def test_bm8c_avrami_exponent_matches_kjma(cli, tmp_path):
    """Eight realisations of seeds planted at random times (pfhub-bm8c-quick): the mean Avrami
    exponent against KJMA's for constant-rate nucleation with the measured growth of one seed."""
    result = cli("validate", "pfhub-bm8c", "--quick", "--out", str(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads((tmp_path / "validation.json").read_text())
    check = report["checks"][0]
    assert report["outcome"] == "VERIFIED" and len(check["per_realisation"]) == 8
    assert check["expected"] > 2.4  # constant-rate nucleation: above site saturation's 2


def test_numpy_peer_takes_the_same_step():
    """The NumPy peer of `hanami bench` (`numpy_peer.allen_cahn_step`) repeats the model's IMEX step."""
    from hanami.apps.phasefield.numpy_peer import allen_cahn_step

    model = build(load_case("pfhub-bm8b", ["grid.shape=[64, 64]", "grid.lengths=[64.0, 64.0]", "initial.count=3",
                                           'precision="float64"'])).model
    grid = model.grid
    phi = seeded_field(grid, draw(3, grid.lengths, 1, 0.0)[0], 2.2, math.sqrt(2))
    fields, on_host = {"phi": jnp.asarray(phi)}, {"phi": phi}
    step, peer = jax.jit(model.step), allen_cahn_step(model)
    for i in range(10):
        fields = step(fields, jnp.asarray(0.1), jnp.asarray(0.1 * i))
        on_host = peer(on_host, 0.1, 0.1 * i)
    np.testing.assert_allclose(on_host["phi"], np.asarray(fields["phi"]), atol=1e-12)
