"""Allen–Cahn (PFHub BM7): the axis transforms solve the five-point system exactly, the
manufactured source is the statement's and makes the solution exact, the interface energy of a
flat profile, second-order convergence in space, and the case checks. All verification."""

import itertools
import json

import jax
import jax.numpy as jnp
import numpy as np
import pydantic
import pytest

from hanami.apps.phasefield import fd_operators as fd
from hanami.apps.phasefield.allen_cahn import AllenCahn
from hanami.apps.phasefield.case import PhaseFieldCase
from hanami.apps.phasefield.manufactured import Manufactured
from hanami.core.grid import BoxGrid
from hanami.errors import CaseError
from hanami.runner import build, load_case

jax.config.update("jax_enable_x64", True)
BM7 = dict(a1=0.0075, b1=8 * np.pi, a2=0.03, b2=22 * np.pi, c2=0.0625 * np.pi, kappa=0.0004)


@pytest.mark.parametrize("boundaries", list(itertools.product(fd.BOUNDARIES, repeat=2)))
def test_helmholtz_solve_inverts_the_assembled_five_point_system(boundaries):
    shape, spacing, k = (5, 6), (0.3, 0.7), 0.37
    size = int(np.prod(shape))
    matrix = np.zeros((size, size))
    for i in range(size):
        unit = np.zeros(size)
        unit[i] = 1.0
        matrix[:, i] = np.asarray(fd.laplacian(jnp.asarray(unit.reshape(shape)), spacing, boundaries)).ravel()
    assert np.allclose(matrix, matrix.T)  # the wall treatments keep the operator symmetric
    rhs = np.random.default_rng(0).random(shape)
    expected = np.linalg.solve(np.eye(size) - k * matrix, rhs.ravel()).reshape(shape)
    symbol = jnp.asarray(fd.eigenvalues(shape, spacing, boundaries))
    np.testing.assert_allclose(fd.solve_helmholtz(jnp.asarray(rhs), k, symbol, boundaries), expected, atol=1e-13)
    walls = [(1.3, -0.4) if kind == "dirichlet" else None for kind in boundaries]
    inhomogeneous = fd.laplacian(jnp.asarray(rhs), spacing, boundaries, walls) - fd.laplacian(
        jnp.asarray(rhs), spacing, boundaries)
    np.testing.assert_allclose(inhomogeneous, fd.boundary_term(shape, spacing, boundaries, walls), atol=1e-12)


def test_source_is_the_statements_and_makes_the_solution_exact():
    rng = np.random.default_rng(2)
    x, y, t = (jnp.asarray(v) for v in (rng.random(200), 0.5 * rng.random(200), 8 * rng.random(200)))
    m = Manufactured(**BM7)
    # PFHub BM7 eq. 4 (L = w = 1, no driving force), typed in from the statement
    a1, b1, a2, b2, c2, kappa = (BM7[k] for k in ("a1", "b1", "a2", "b2", "c2", "kappa"))
    alpha = 0.25 + a1 * t * jnp.sin(b1 * x) + a2 * jnp.sin(b2 * x + c2 * t)
    ax = a1 * b1 * t * jnp.cos(b1 * x) + a2 * b2 * jnp.cos(b2 * x + c2 * t)
    axx = -a1 * b1**2 * t * jnp.sin(b1 * x) - a2 * b2**2 * jnp.sin(b2 * x + c2 * t)
    at = a1 * jnp.sin(b1 * x) + a2 * c2 * jnp.cos(b2 * x + c2 * t)
    s = (y - alpha) / jnp.sqrt(2 * kappa)
    statement = (1 / jnp.cosh(s)) ** 2 / (4 * jnp.sqrt(kappa)) * (
        -2 * jnp.sqrt(kappa) * jnp.tanh(s) * ax**2 + jnp.sqrt(2) * (at - kappa * axx))
    np.testing.assert_allclose(m.source(x, y, t), statement, rtol=1e-10, atol=1e-10)
    # for any L, w, driving force: S = residual of the equation on the exact solution (autodiff)
    general = Manufactured(**BM7, mobility=2.5, w=0.7, driving_force=0.04)

    def residual(x, y, t):
        eta = general.exact(x, y, t)
        lap = jax.grad(jax.grad(general.exact, 0), 0)(x, y, t) + jax.grad(jax.grad(general.exact, 1), 1)(x, y, t)
        dfdeta = 0.7 * 2 * eta * (1 - eta) * (1 - 2 * eta) - 0.04 * 30 * eta**2 * (1 - eta) ** 2
        return jax.grad(general.exact, 2)(x, y, t) + 2.5 * (dfdeta - kappa * lap)

    np.testing.assert_allclose(general.source(x, y, t), jax.vmap(residual)(x, y, t), rtol=1e-9, atol=1e-9)


def test_flat_interfaces_carry_the_interface_energy():
    """Two flat tanh interfaces in a periodic box: F = 2 sigma L_y, sigma = sqrt(2 kappa w) / 6."""
    kappa, w, length, n = 2.0, 1.0, 80.0, 320
    grid = BoxGrid((n, 8), (length, 2.0), "periodic")
    m = AllenCahn(grid=grid, boundaries=("periodic",) * 2, walls=(None, None), kappa=kappa, w=w, driving_force=0.0,
                  mobility=1.0)
    x, _ = grid.mesh()
    width = np.sqrt(2 * kappa / w)
    phi = 0.5 * (np.tanh((x - 20.0) / width) - np.tanh((x - 60.0) / width))
    sigma = np.sqrt(2 * kappa * w) / 6
    assert float(m.free_energy(jnp.asarray(phi))) == pytest.approx(2 * sigma * 2.0, rel=1e-3)


def bm7_error(nx: int, t_end: float = 0.5, dt: float = 0.01) -> float:
    built = build(load_case("pfhub-bm7", [f"grid.shape=[{nx}, {nx // 2}]"]))
    model, phi = built.model, built.state.fields["phi"]
    step = jax.jit(model.step)
    for i in range(round(t_end / dt)):
        phi = step({"phi": phi}, jnp.asarray(dt), jnp.asarray(i * dt))["phi"]
    x, y = model.grid.mesh()
    return float(np.sqrt(np.sum((np.asarray(phi) - np.asarray(model.manufactured.exact(x, y, t_end))) ** 2)
                         * model.grid.cell_volume))


def test_space_error_falls_at_second_order():
    """Short runs (t = 0.5) on 100 x 50 and 200 x 100: the five-point Laplacian's order 2
    (the full study, with its 0.1 tolerance, is `hanami validate pfhub-bm7`)."""
    order = np.log2(bm7_error(100) / bm7_error(200))
    assert 1.8 < order < 2.5


def test_case_refusals():
    with pytest.raises(CaseError, match="fixed step"):
        load_case("pfhub-bm7", ["time.adaptive=true"])
    with pytest.raises(pydantic.ValidationError, match="'dirichlet-y' is for a 2D grid with model.kind = 'allen-cahn'"):
        PhaseFieldCase(app="phasefield", name="x", stop={"time": 1.0}, grid={"boundary": "dirichlet-y"})
    with pytest.raises(CaseError, match="'model.scheme' = 'rk4': Input should be 'imex-euler', 'imex-sil3' or 'imex-ark3'"):
        load_case("pfhub-bm7", ['model.scheme="rk4"'])


@pytest.mark.slow
def test_quick_manufactured_study_matches_the_formal_orders(cli, tmp_path):
    result = cli("validate", "pfhub-bm7", "--quick", "--out", str(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads((tmp_path / "validation.json").read_text())
    orders = {c["name"]: c["value"] for c in report["checks"]}
    assert abs(orders["space_order"] - 2) <= 0.1 and abs(orders["time_order"] - 1) <= 0.1
    assert report["outcome"] == "VERIFIED" and report["provenance"]["git_revision"]
