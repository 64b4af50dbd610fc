"""Fibre fields and the variable-tensor diffusion operator: agreement with the constant
stencil, exact conservation and symmetry (so CG applies), second order against a
manufactured solution, the rotational rule, and one clear error for a bad fibre file."""

import jax
import jax.numpy as jnp
import jax.scipy.sparse.linalg as jsl
import numpy as np
import pytest
import xarray as xr

from hanami.apps.cardiac.diffusion import diffusion_tensor, explicit_step, implicit_step
from hanami.apps.cardiac.fibres import rotational_fibres, tensor_field
from hanami.apps.cardiac.stencil import (VertexGrid, anisotropic_laplacian, field_coefficients, field_laplacian,
                                 field_stable_dt, stable_dt)
from hanami.errors import CaseError
from hanami.runner import load_case

D_L, D_T = 0.0953, 0.0126


def random_fibres(grid, seed=0):
    f = np.random.default_rng(seed).standard_normal(grid.shape + (grid.ndim,))
    return f / np.linalg.norm(f, axis=-1, keepdims=True)


@pytest.mark.parametrize("fibre", [(1.0, 0.0, 0.0), (0.0, 0.0, 1.0), (1.0, 1.0, 0.5), (0.3, -1.0, 0.8)])
def test_constant_field_equals_the_uniform_stencil(fibre):
    """Everywhere for fibres along an axis; at interior nodes for oblique ones (the uniform
    stencil's mirror faces only approximate no flux there)."""
    grid = VertexGrid((11, 8, 6), (5.0, 3.5, 2.5))
    tensor = diffusion_tensor(D_L, D_T, fibre)
    coeffs = field_coefficients(np.broadcast_to(tensor, grid.shape + (3, 3)), grid)
    u = jnp.asarray(np.random.default_rng(1).standard_normal(grid.shape))
    got = np.asarray(field_laplacian(u, coeffs))
    want = np.asarray(anisotropic_laplacian(u, tensor, grid.spacing))
    scale = np.abs(want).max()
    inner = (slice(1, -1),) * 3
    np.testing.assert_allclose(got[inner], want[inner], rtol=0, atol=1e-13 * scale)
    if np.count_nonzero(fibre) == 1:
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-13 * scale)
        assert field_stable_dt(coeffs, grid.shape) == pytest.approx(stable_dt(tensor, grid.spacing), rel=1e-12)
    else:
        assert np.abs(got - want).max() > 1e-3 * scale  # the faces do differ


def test_rotational_field_conserves_charge_up_to_the_stimulus():
    """Explicit and implicit diffusion plus a box source: sum(W V) changes by exactly dt sum(W s)."""
    grid = VertexGrid((21, 9, 7), (5.0, 2.0, 1.5))
    coeffs = field_coefficients(tensor_field(rotational_fibres(grid, -60.0, 60.0), D_L, D_T), grid)
    w = grid.weights()
    x, y, z = grid.mesh()
    source = jnp.asarray(3.0 * ((x < 1.0) & (y < 0.6) & (z < 0.6)))
    v0 = jnp.asarray(np.random.default_rng(2).standard_normal(grid.shape))
    dt = 0.9 * field_stable_dt(coeffs, grid.shape)
    steps = 40

    def explicit(_, v):
        return explicit_step(v + dt * source, jnp.asarray(dt), coeffs, grid)

    def implicit(_, v):
        return implicit_step(v + dt * source, jnp.asarray(10 * dt), coeffs, grid, 1e-12, 500)

    expected = float(np.sum(w * np.asarray(v0))) + steps * dt * float(np.sum(w * np.asarray(source)))
    for body, tol in ((explicit, 1e-12), (implicit, 1e-9)):
        v = jax.jit(lambda v: jax.lax.fori_loop(0, steps, body, v))(v0)
        assert abs(float(np.sum(w * np.asarray(v))) - expected) < tol * np.sum(w) * (1 + abs(expected))
        assert float(jnp.std(v)) < float(jnp.std(v0 + steps * dt * source))  # it diffuses
    lv = np.asarray(field_laplacian(v0, coeffs))
    assert abs(np.sum(w * lv)) < 1e-13 * np.sum(w * np.abs(lv))


def operator_matrix(coeffs, grid):
    eye = np.eye(grid.size).reshape((grid.size,) + grid.shape)
    apply = jax.jit(jax.vmap(lambda e: field_laplacian(e, coeffs)))
    return np.asarray(apply(jnp.asarray(eye))).reshape(grid.size, grid.size).T  # column k = L e_k


@pytest.mark.parametrize("shape", [(6, 5, 4), (7, 6)])
def test_operator_is_symmetric_negative_semidefinite_in_the_weighted_inner_product(shape):
    grid = VertexGrid(shape, tuple(0.4 * (n - 1) * (1 + 0.2 * i) for i, n in enumerate(shape)))
    rng = np.random.default_rng(3)
    d_long = rng.uniform(0.05, 0.2, grid.shape)[..., None, None]  # varying strength and anisotropy too
    fibres = random_fibres(grid)
    tensor = D_T * np.eye(grid.ndim) + (d_long - D_T) * fibres[..., :, None] * fibres[..., None, :]
    coeffs = field_coefficients(tensor, grid)
    w = grid.weights().ravel()
    u, v = (jnp.asarray(rng.standard_normal(grid.shape)) for _ in range(2))
    lu, lv = (np.asarray(field_laplacian(a, coeffs)).ravel() for a in (u, v))
    u, v = np.asarray(u).ravel(), np.asarray(v).ravel()
    scale = np.sum(w * np.abs(u * lu))
    assert abs(np.sum(w * u * lv) - np.sum(w * lu * v)) < 1e-13 * scale
    assert np.sum(w * u * lu) < 0
    matrix = operator_matrix(coeffs, grid)
    weighted = w[:, None] * matrix  # W L
    np.testing.assert_allclose(weighted, weighted.T, atol=1e-14 * np.abs(weighted).max())
    eig = np.linalg.eigvalsh(0.5 * (weighted + weighted.T))
    assert eig.max() < 1e-12 * np.abs(eig).max() and np.sum(eig > -1e-10 * np.abs(eig).max()) == 1  # kernel: constants
    np.testing.assert_allclose(matrix.sum(axis=1), 0.0, atol=1e-13 * np.abs(matrix).max())
    # Forward Euler at the computed limit keeps every mode bounded; the bound is the Gershgorin one.
    rate = np.abs(np.linalg.eigvals(matrix)).max()
    assert 2.0 / rate >= field_stable_dt(coeffs, grid.shape) * (1 - 1e-12)
    assert field_stable_dt(coeffs, grid.shape) == pytest.approx(2.0 / np.abs(matrix).sum(axis=1).max(), rel=1e-12)


def manufactured(grid):
    """u = cos(pi x/Lx) cos(pi y/Ly) cos(pi z/Lz) and a fibre field turning in x-y by an angle that
    varies in x, y and z and vanishes on the x and y faces, so (D grad u) . n = 0 on every face.
    Returns u, the node tensors, and div(D grad u) by automatic differentiation."""
    lx, ly, lz = grid.lengths

    def angle(p):
        return 1.1 * jnp.sin(jnp.pi * p[0] / lx) * jnp.sin(jnp.pi * p[1] / ly) * (0.5 + p[2] / lz)

    def tensor(p):
        a = angle(p)
        f = jnp.stack([jnp.cos(a), jnp.sin(a), 0.0 * a])
        return D_T * jnp.eye(3) + (D_L - D_T) * jnp.outer(f, f)

    def u(p):
        return jnp.cos(jnp.pi * p[0] / lx) * jnp.cos(jnp.pi * p[1] / ly) * jnp.cos(jnp.pi * p[2] / lz)

    def div_flux(p):
        return jnp.trace(jax.jacfwd(lambda q: tensor(q) @ jax.grad(u)(q))(p))

    points = jnp.asarray(np.stack([g.ravel() for g in grid.mesh()], axis=-1))
    fields = [jax.jit(jax.vmap(f))(points) for f in (u, tensor, div_flux)]
    return (np.asarray(fields[0]).reshape(grid.shape), np.asarray(fields[1]).reshape(grid.shape + (3, 3)),
            np.asarray(fields[2]).reshape(grid.shape))


def test_second_order_against_a_manufactured_solution():
    """Solve (I - tau L) v = u - tau div(D grad u) (one backward-Euler step with a source) by CG:
    v converges to u at second order in max and weighted L2 norms. (L u itself is second order
    at interior nodes and first order on the faces, where the half cells see D half a cell in.)"""
    errors = []
    for n in (8, 16, 32):
        grid = VertexGrid((n + 1, n + 1, n // 2 + 1), (2.0, 1.6, 1.0))
        u, tensor, div_flux = manufactured(grid)
        coeffs = field_coefficients(tensor, grid)
        w, tau = jnp.asarray(grid.weights()), 1.0
        solve = jax.jit(lambda b: jsl.cg(lambda x: w * (x - tau * field_laplacian(x, coeffs)), w * b,
                                         tol=1e-12, maxiter=2000)[0])
        error = np.asarray(solve(jnp.asarray(u - tau * div_flux))) - u
        errors.append((np.abs(error).max(), np.sqrt(np.sum(grid.weights() * error ** 2))))
    ratios = [(a[0] / b[0], a[1] / b[1]) for a, b in zip(errors, errors[1:])]
    assert all(3.0 < r < 4.6 for pair in ratios for r in pair), (errors, ratios)  # measured 3.25 -> 3.63
    assert min(ratios[-1]) > 3.4, (errors, ratios)
    assert errors[-1][0] < 1e-2 * np.abs(u).max()


def test_conjugate_gradients_converge_on_the_rotational_operator():
    grid = VertexGrid((25, 11, 7), (6.0, 2.5, 1.5))
    coeffs = field_coefficients(tensor_field(rotational_fibres(grid, -60.0, 60.0), D_L, D_T), grid)
    v = jnp.asarray(np.random.default_rng(4).standard_normal(grid.shape))
    dt = 50 * field_stable_dt(coeffs, grid.shape)
    w = jnp.asarray(grid.weights() / grid.weights().max())

    def operator(x):
        return w * (x - dt * field_laplacian(x, coeffs))

    solution, _ = jax.jit(lambda b: jsl.cg(operator, w * b, x0=b, tol=1e-10, maxiter=500))(v)
    residual = operator(solution) - w * v
    assert float(jnp.linalg.norm(residual)) < 1e-9 * float(jnp.linalg.norm(w * v))
    stepped = jax.jit(lambda b: implicit_step(b, jnp.asarray(dt), coeffs, grid, 1e-10, 500))(v)
    np.testing.assert_allclose(np.asarray(stepped), np.asarray(solution), atol=1e-9)
    assert float(jnp.max(jnp.abs(stepped))) < float(jnp.max(jnp.abs(v)))  # stable far beyond the explicit limit


def test_rotational_rule():
    grid = VertexGrid.from_spacing((4.0, 2.0, 3.0), 0.5)
    f = rotational_fibres(grid, -60.0, 60.0)
    np.testing.assert_allclose(f[:, :, 0] - [np.cos(np.deg2rad(-60)), np.sin(np.deg2rad(-60)), 0.0], 0.0, atol=1e-15)
    np.testing.assert_allclose(f[:, :, -1] - [0.5, np.sqrt(3) / 2, 0.0], 0.0, atol=1e-15)
    np.testing.assert_allclose(f[2, 1, 3], [1.0, 0.0, 0.0], atol=1e-15)  # mid-wall: along x
    np.testing.assert_allclose(np.linalg.norm(f, axis=-1), 1.0)
    with pytest.raises(ValueError, match="3D grid"):
        rotational_fibres(VertexGrid((3, 3), (1.0, 1.0)), -60.0, 60.0)


def fibre_dataset(grid, fibres, order=("x", "y", "z")):
    axes = {d: grid.axis(i) for i, d in enumerate("xyz")}
    perm = ["xyz".index(d) for d in order]
    return xr.Dataset({f"fibre_{c}": (order, np.transpose(fibres[..., i], perm)) for i, c in enumerate("xyz")},
                      coords={d: axes[d] for d in order})


def build(tmp_path, path):
    loaded = load_case("niederer-dx0.5", ['model.fibre_field="file"', f'model.fibre_file="{path}"'])
    return loaded.app.build(loaded.case).model


def test_fibre_file_in_either_dimension_order_and_format(tmp_path):
    reference = load_case("niederer-dx0.5", ['model.fibre_field="rotational"'])
    model = reference.app.build(reference.case).model
    fibres = 2.5 * rotational_fibres(model.grid, -60.0, 60.0)  # any length is normalised
    nc, store = tmp_path / "fibres.nc", tmp_path / "fibres.zarr"
    fibre_dataset(model.grid, fibres, ("z", "y", "x")).to_netcdf(nc)
    fibre_dataset(model.grid, fibres).to_zarr(store, consolidated=False)
    for path in (nc, store):
        got = build(tmp_path, path).field
        for a, b in zip(jax.tree_util.tree_leaves(got), jax.tree_util.tree_leaves(model.field)):
            np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-13, atol=1e-16)


@pytest.mark.parametrize("problem, message", [
    ("missing", "has no variable 'fibre_z'"),
    ("shape", "variable 'fibre_x' has shape (40, 15, 7)"),
    ("zero", "zero-length or non-finite fibre vectors, the first at node {'x': 3, 'y': 4, 'z': 5}"),
    ("dims", "variable 'fibre_x' has dimensions ('x', 'y', 'depth')"),
    ("not-a-file", "cannot read the fibre file"),
])
def test_bad_fibre_file_is_one_clear_case_error(tmp_path, problem, message):
    grid = VertexGrid.from_spacing((20.0, 7.0, 3.0), 0.5)
    fibres = rotational_fibres(grid, -60.0, 60.0)
    ds = fibre_dataset(grid, fibres)
    path = tmp_path / "fibres.nc"
    if problem == "missing":
        ds = ds.drop_vars("fibre_z")
    elif problem == "shape":
        ds = fibre_dataset(VertexGrid((40, 15, 7), (19.5, 7.0, 3.0)), np.ones((40, 15, 7, 3)))
    elif problem == "zero":
        for c in "xyz":
            ds[f"fibre_{c}"][3, 4, 5] = 0.0
    elif problem == "dims":
        ds = ds.rename({"z": "depth"})
    if problem == "not-a-file":
        path.write_text("not netcdf")
    else:
        ds.to_netcdf(path)
    with pytest.raises(CaseError) as err:
        build(tmp_path, path)
    text = str(err.value)
    assert f"{path} (model.fibre_file): " in text and message in text, text
    assert "\n" not in text


def test_fibre_keys_are_checked(cli, tmp_path):
    result = cli("run", "niederer-dx0.5", "--set", 'model.fibre_field="file"', "-q", "--out", str(tmp_path / "r"))
    assert result.returncode == 2 and "needs model.fibre_file" in result.stderr and "Traceback" not in result.stderr
    missing = tmp_path / "nowhere.nc"
    result = cli("run", "niederer-dx0.5", "--set", 'model.fibre_field="file"', "--set",
                 f'model.fibre_file="{missing}"', "-q", "--out", str(tmp_path / "r"))
    assert result.returncode == 2 and f"{missing} (model.fibre_file): no such fibre file" in result.stderr
    with pytest.raises(CaseError, match="needs a 3D grid"):
        load_case("niederer-dx0.5", ['model.fibre_field="rotational"', "grid.lengths=[20.0, 7.0]",
                                     "model.fibre=[1.0, 0.0]", "stimulus.0.lower=[0.0, 0.0]",
                                     "stimulus.0.upper=[1.5, 1.5]"])
