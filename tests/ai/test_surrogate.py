"""Surrogate training: the streaming loader, the spectral transforms, training, checkpoints, the command."""

import json

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import xarray as xr

from hanami.ai.operators import BoxModes, SphereModes
from hanami.ai.samples import EnsembleSamples
from hanami.ai.surrogate import Surrogate, load, predict
from hanami.ai.train_surrogate import TrainingOptions, make_spec
from hanami.ai.training import fit, loss_fn
from hanami.core.harmonics import SphericalHarmonics
from hanami.core.sphere import SphereGrid
from tests.cf_tools import cf_findings
from tests.conftest import run_cli

# BM1's model from random initial states; BM1's own output times (1, 5, 10, ...) come on
# top of the interval, so the loader must pick the regular ones.
PHASEFIELD = ["run", "pfhub-bm1a", "--members", "5", "--vary", "initial.seed=0,1,2,3,4", "--set",
              "initial.kind=random", "--set", "initial.epsilon=0.05", "--set", "grid.shape=[16,16]",
              "--set", "grid.lengths=[16,16]", "--set", "output.format=zarr", "--set", "output.interval=2",
              "--set", "output.plots=false", "--stop-time", "40", "-q"]
CLIMATE = ["run", "williamson-tc5", "--members", "3", "--vary", "initial.mountain_height=0,1500,3000",
           "--set", "grid.truncation=10", "--set", "output.format=zarr", "--set", "output.interval=6h",
           "--set", "output.plots=false", "--stop-time", "2 days", "-q"]
SMALL = TrainingOptions(epochs=12, batch_size=8, learning_rate=1e-2, width=8, layers=2, modes=4, rollout=3)


def _ensemble(tmp_path_factory, name, argv):
    out = tmp_path_factory.mktemp(name)
    result = run_cli(*argv, "--out", str(out / "run"))
    assert result.returncode == 0, result.stderr
    return out / "run" / "output.zarr"


@pytest.fixture(scope="module")
def phasefield_store(tmp_path_factory):
    return _ensemble(tmp_path_factory, "pf", PHASEFIELD)


@pytest.fixture(scope="module")
def climate_store(tmp_path_factory):
    return _ensemble(tmp_path_factory, "sw", CLIMATE)


def test_store_has_a_chunk_per_snapshot_and_member(phasefield_store):
    with xr.open_zarr(phasefield_store) as ds:
        assert ds["c"].encoding["chunks"] == (1, 1, 16, 16)


def test_loader_yields_what_the_store_holds(phasefield_store):
    samples = EnsembleSamples(phasefield_store, seed=3)
    with xr.open_zarr(phasefield_store, decode_times=False) as ds:
        # (time, member, y, x): small enough to compare with; the store is in CF order (member, time, y, x)
        c = ds["c"].transpose("time", "member", "y", "x").values.astype(np.float32)
        times = ds["time"].values
    assert samples.variables == ["c"] and samples.shape == (1, 16, 16) and samples.interval == 2.0
    # the member split: disjoint, complete, one fifth held out
    assert set(samples.train) | set(samples.test) == set(range(5)) and not set(samples.train) & set(samples.test)
    assert len(samples.test) == 1
    # BM1's extra output times (1, 5, ...) are not on the lattice of the interval
    used = times[sorted(samples.steps.values())]
    assert np.allclose(used, np.arange(0, 40.001, 2.0))
    seen = []
    for x, y, cond in samples.batches(samples.pairs(samples.train), 7, epoch=1):
        assert x.shape[1:] == (1, 16, 16) and y.shape == x.shape and cond.shape == (len(x), 0, 16, 16)
        for xs, ys in zip(x, y):
            # find the snapshot this sample came from, and check its target is 2 time units later
            hits = np.argwhere(np.all(c == xs[0], axis=(2, 3)))
            assert len(hits) == 1
            i, m = hits[0]
            j = int(np.flatnonzero(np.isclose(times, times[i] + 2.0))[0])
            np.testing.assert_array_equal(ys[0], c[j, m])
            seen.append((int(m), int(i)))
    assert sorted(seen) == sorted(samples.pairs(samples.train))  # every training pair once, none held out
    assert not {m for m, _ in seen} & set(samples.test)
    order = lambda epoch: [tuple(b[0][0, 0, :2, 0]) for b in samples.batches(samples.pairs(samples.train), 7, epoch)]
    assert order(1) == order(1) and order(1) != order(2)


def test_box_modes_keep_a_band_limited_field():
    """A field made of the kept modes goes through forward and inverse unchanged (2D and 3D),
    and the forward coefficients are NumPy's FFT's."""
    rng = np.random.default_rng(0)
    for shape, k in (((24, 20), 5), ((12, 10, 8), 3)):
        modes = BoxModes.create(shape, k, "complex128")
        keep = tuple(np.r_[0:k, n - k:n] for n in shape[:-1]) + (np.r_[0:k],)
        # |frequency| < k on every axis (the mirror of -k is not kept), made real by irfftn
        inside = tuple(np.r_[0:k, n - k + 1:n] for n in shape[:-1]) + (np.r_[0:k],)
        spectrum = np.zeros(shape[:-1] + (shape[-1] // 2 + 1,), complex)
        size = [len(a) for a in inside]
        spectrum[np.ix_(*inside)] = rng.normal(size=size) + 1j * rng.normal(size=size)
        x = np.fft.irfftn(spectrum, s=shape, axes=range(len(shape)))
        coefficients = np.asarray(modes.forward(jnp.asarray(x[None])))[0]
        np.testing.assert_allclose(coefficients, np.fft.rfftn(x, norm="ortho")[np.ix_(*keep)], atol=1e-12)
        np.testing.assert_allclose(np.asarray(modes.inverse(modes.forward(jnp.asarray(x[None]))))[0], x, atol=1e-12)


def test_sphere_modes_keep_a_band_limited_field():
    """A field of degree < modes on the T21 grid goes through the spherical transform unchanged,
    and higher degrees are removed."""
    grid = SphereGrid.T(21)
    sh = SphericalHarmonics.create(grid, "float64")
    rng = np.random.default_rng(1)
    coefficients = (rng.normal(size=(22, 22)) + 1j * rng.normal(size=(22, 22))) * grid.mask()
    coefficients[0] = coefficients[0].real
    low = np.where(grid.degrees() < 8, coefficients, 0)
    modes = SphereModes.create(grid.nlat, grid.nlon, 8, "float64")
    field_low = sh.to_grid(jnp.asarray(low))
    np.testing.assert_allclose(np.asarray(modes.inverse(modes.forward(field_low[None])))[0], field_low, atol=1e-12)
    field = sh.to_grid(jnp.asarray(coefficients))
    np.testing.assert_allclose(np.asarray(modes.inverse(modes.forward(field[None])))[0], field_low, atol=1e-12)


@pytest.fixture(scope="module")
def trained(phasefield_store, tmp_path_factory):
    samples = EnsembleSamples(phasefield_store)
    surrogate = Surrogate.create(make_spec(samples, "phasefield", SMALL), jax.random.key(0))
    out = tmp_path_factory.mktemp("surrogate")
    x, y, c = samples.read(samples.pairs(samples.test))
    before = float(loss_fn(surrogate, x, y, c))
    surrogate, history = fit(surrogate, samples, epochs=SMALL.epochs, batch_size=SMALL.batch_size,
                             learning_rate=SMALL.learning_rate, out=out, progress=False)
    return surrogate, samples, out, before, float(loss_fn(surrogate, x, y, c)), history


def test_short_training_lowers_the_loss(trained):
    _, _, _, before, after, history = trained
    print(f"held-out loss before {before:.4g}, after {after:.4g}; history {[round(h['train_loss'], 4) for h in history]}")
    assert before == pytest.approx(1.0, rel=0.2)  # an untrained surrogate predicts no change: persistence
    assert after < 0.6 * before
    assert history[-1]["train_loss"] < 0.6 * history[0]["train_loss"]


def test_checkpoint_reloads_to_the_same_predictions(trained):
    surrogate, samples, out, *_ = trained
    x, _, c = samples.read(samples.pairs(samples.test)[:4])
    reloaded = load(out)
    assert reloaded.spec == surrogate.spec
    np.testing.assert_array_equal(np.asarray(predict(reloaded, x, c)), np.asarray(predict(surrogate, x, c)))


def test_train_surrogate_command_on_the_sphere(climate_store, tmp_path):
    out = tmp_path / "surrogate"
    result = run_cli("train-surrogate", str(climate_store), "--app", "climate", "--variables", "h,vorticity,divergence",
                     "--epochs", "2", "--width", "8", "--layers", "2", "--modes", "6", "--rollout", "3",
                     "--test-members", "1", "--out", str(out), "-q")
    assert result.returncode == 0, result.stderr
    report = json.loads((out / "report.json").read_text())
    spec = json.loads((out / "surrogate.json").read_text())
    # the mountain changes the dynamics: its height and the orography are inputs
    assert spec["forcing"] == ["initial_mountain_height", "orography"]
    assert spec["domain"] == "sphere" and spec["interval"] == 21600.0
    assert len(report["rollout"]["surrogate"]) == 3 and len(report["one_step"]["surrogate"]) == 3
    assert report["speed"]["solver"]["solver_steps_per_learned_step"] == pytest.approx(24.0)  # 6 h of 15 min
    assert report["speed"]["speedup"] > 0 and report["training"]["samples_per_second"] > 0
    with xr.open_dataset(out / "history.nc") as history:
        assert history.sizes["epoch"] == 2
    found = cf_findings(out / "history.nc")
    assert found == {"errors": [], "warnings": []}, found
    assert (out / "comparison.png").stat().st_size > 10_000


@pytest.mark.parametrize("extra, message", [
    (["--app", "climate"], "written by the phasefield app"),
    (["--app", "phasefield", "--variables", "h"], "no field 'h'"),
    (["--app", "phasefield", "--rollout", "50"], "lower --rollout"),
    (["--app", "phasefield", "--test-members", "5"], "must lie in 1..4"),
    (["--app", "phasefield", "--condition", "model_kappa"], "not a varied key"),
    (["--app", "phasefield", "--modes", "9"], "must lie in 1..8"),
    (["--app", "weather"], "one of phasefield, climate"),
    (["--app", "climate", "--augment"], "not mirror-symmetric"),
])
def test_bad_training_input(phasefield_store, tmp_path, extra, message):
    out = tmp_path / "surrogate"
    result = run_cli("train-surrogate", str(phasefield_store), *extra, "--epochs", "1", "--out", str(out), "-q")
    assert result.returncode == 2, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr
    assert not out.exists()


def test_not_an_ensemble_store(tmp_path):
    (tmp_path / "plain.nc").write_bytes(b"not a store")
    xr.Dataset({"c": (("time", "x"), np.zeros((3, 8)))}, coords={"time": [0.0, 1.0, 2.0]}).to_zarr(tmp_path / "one.zarr", consolidated=False)
    for path, message in ((tmp_path / "missing.zarr", "no such dataset"), (tmp_path / "plain.nc", "not a Zarr store"),
                          (tmp_path / "one.zarr", "have no 'member'")):
        result = run_cli("train-surrogate", str(path), "--app", "phasefield", "--out", str(tmp_path / "o"), "-q")
        assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr
