"""Monodomain tissue: activation-time tracking, stimulus charge, a plane wave's
conduction velocity converging with dx, the shipped Niederer case end to end, the
refusal of an unstable dt (exit 2), and the single-cell case's APD90 report."""

import json

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from hanami.apps.cardiac.diffusion import conductivity_to_diffusivity
from hanami.apps.cardiac.model import Monodomain, activation_update
from hanami.apps.cardiac.stimulus import Protocol, per_capacitance
from hanami.apps.cardiac.tp06 import TP06
from hanami.core.integrate import fixed_step
from hanami.core.simulation import Simulation
from hanami.core.state import State
from hanami.apps.cardiac.stencil import VertexGrid
from hanami.runner import run_case

D_L = conductivity_to_diffusivity(0.1334, 140.0, 1.0)


def test_activation_time_is_interpolated_once():
    act = jnp.full((4,), jnp.inf)
    v_old = jnp.asarray([-80.0, -10.0, -10.0, 5.0])
    v_new = jnp.asarray([-70.0, 30.0, -1.0, 20.0])
    act = activation_update(act, v_old, v_new, jnp.asarray(2.0), jnp.asarray(0.1))
    np.testing.assert_allclose(np.asarray(act), [np.inf, 2.025, np.inf, np.inf])
    again = activation_update(act, jnp.asarray([-5.0] * 4), jnp.asarray([5.0] * 4), jnp.asarray(3.0),
                              jnp.asarray(0.1))
    np.testing.assert_allclose(np.asarray(again), [3.05, 2.025, 3.05, 3.05])


@pytest.mark.parametrize("dt", [0.05, 0.03, 0.007])
def test_stimulus_charge_is_exact_for_any_dt(dt):
    p = Protocol(strength=10.0, start=1.0, duration=2.0, period=5.0, count=3)
    t = np.arange(0.0, 20.0, dt)
    charge = float(jnp.sum(p.fraction(jnp.asarray(t), jnp.asarray(dt)))) * dt
    np.testing.assert_allclose(charge, 3 * 2.0, rtol=1e-9)
    assert per_capacitance(50000.0, 140.0, 1.0) == pytest.approx(35.714285714, rel=1e-9)


def cable_velocity(dx, dt=0.005, length=10.0):
    """Conduction velocity [mm/ms] of a plane wave along a 1D fibre, between x = 4 and 8 mm."""
    grid = VertexGrid.from_spacing((length,), dx)
    stim = Protocol(strength=per_capacitance(50000.0, 140.0, 1.0), start=0.0, duration=2.0,
                    lower=(0.0,), upper=(1.0,))
    model = Monodomain(grid=grid, ionic=TP06.of("epi"), tensor=((D_L,),), protocols=(stim,))
    sim = Simulation(model, fixed_step(model.step, timed=True), State.start(model.initial_state(), dt=dt),
                     stop_time=30.0, diagnostics_every=10**9, chunk_attempts=6000)
    sim.run()
    act = np.asarray(sim.state.fields["activation"])
    a, b = grid.index_of((4.0,))[0], grid.index_of((8.0,))[0]
    return 4.0 / (act[b] - act[a])


def test_conduction_velocity_converges_with_dx():
    cv = [cable_velocity(dx) for dx in (0.5, 0.25, 0.125)]
    assert cv[0] < cv[1] < cv[2], cv  # finite differences conduct too slowly on coarse grids
    assert abs(cv[2] - cv[1]) < 0.6 * abs(cv[1] - cv[0]), cv  # measured ratio 0.44
    assert 0.5 < cv[2] < 0.8, cv  # about 0.65 mm/ms along the fibres (Niederer P1 -> P3)


def test_niederer_coarse_case_runs_and_writes_activation(tmp_path):
    result = run_case("niederer-dx0.5", out=tmp_path / "run", stop_time=20.0, progress=False)
    ds = result.dataset
    assert ds["activation_time"].dims == ("time", "x", "y", "z")
    assert ds["x"].attrs["units"] == "mm" and ds["activation_time"].attrs["units"] == "ms"
    assert ds.sizes["x"] == 41 and float(ds["x"][-1]) == 20.0 and float(ds["z"][-1]) == 3.0
    act = ds["activation_time"].isel(time=-1)
    p1 = float(act.sel(x=0, y=0, z=0))
    assert 1.0 < p1 < 2.0  # inside the stimulated cube
    assert np.isnan(float(act.sel(x=20, y=7, z=3)))  # not reached by 20 ms
    along = act.sel(y=0, z=0).values
    reached = along[np.isfinite(along)]
    assert np.all(np.diff(reached) > -1e-9)  # the front moves away from the stimulus
    assert (tmp_path / "run" / "activation_map.png").exists() and (tmp_path / "run" / "V_snapshots.png").exists()
    v = ds["V"].isel(time=-1).values
    assert -90 < v.min() and v.max() < 50


def test_unstable_dt_is_refused_with_the_largest_stable_dt(cli, tmp_path):
    result = cli("run", "niederer-dx0.1", "--set", "time.dt=0.05", "-q", "--out", str(tmp_path / "r"))
    assert result.returncode == 2, result.stdout + result.stderr
    assert "largest stable dt is 0.0415" in result.stderr and "Traceback" not in result.stderr
    assert "implicit" in result.stderr


def test_single_cell_case_reports_apd90(tmp_path):
    result = run_case("tp06-cell", out=tmp_path / "cell", stop_time=420.0, progress=False)
    apd = result.summary["diagnostics"]["apd90_beat1"]
    assert abs(apd - 291.5) < 1.0, apd
    assert np.isnan(result.summary["diagnostics"]["apd90_beat2"])
    saved = json.loads((tmp_path / "cell" / "apd90.json").read_text())
    assert saved["apd90_ms"][0] == pytest.approx(apd)
    assert result.dataset["V"].dims == ("time",) and result.dataset["V"].attrs["units"] == "mV"
    assert float(result.dataset["V"].max()) > 30.0


def test_dx_option_only_for_niederer(cli):
    result = cli("validate", "pfhub-bm1a", "--dx", "0.2")
    assert result.returncode == 2 and "--dx applies to pfhub-bm3, niederer only" in result.stderr
    result = cli("validate", "niederer", "--dx", "0.3")
    assert result.returncode == 2 and "allowed values are 0.5, 0.2, 0.1" in result.stderr


@pytest.mark.parametrize("fibres", ["uniform", "rotational"])
def test_step_is_the_ionic_step_then_diffusion(fibres):
    """The compiled step (diffusion in a conditional of its own on CPU) is the split step."""
    from hanami.apps.cardiac.diffusion import explicit_step
    from hanami.apps.cardiac.fibres import rotational_fibres, tensor_field
    from hanami.apps.cardiac.stencil import field_coefficients

    grid = VertexGrid.from_spacing((4.0, 2.0, 1.5), 0.5)
    tensor = np.diag([D_L, 0.2 * D_L, 0.2 * D_L])
    field = (field_coefficients(tensor_field(rotational_fibres(grid, -60.0, 60.0), D_L, 0.2 * D_L), grid)
             if fibres == "rotational" else None)
    stim = Protocol(strength=30.0, start=0.0, duration=1.0, lower=(0.0, 0.0, 0.0), upper=(1.0, 1.0, 1.0))
    model = Monodomain(grid=grid, ionic=TP06.of("epi"), tensor=tuple(tuple(float(v) for v in row) for row in tensor),
                       protocols=(stim,),
                       field=field)
    fields = model.initial_state()
    fields["V"] = fields["V"] + jnp.asarray(np.random.default_rng(0).uniform(0, 40, grid.shape))
    dt, t = jnp.asarray(0.02), jnp.asarray(0.99)
    got = jax.jit(lambda f, h, t: model.step(f, h, t))(fields, dt, t)
    x, yy, z = grid.mesh()
    i_stim = jnp.asarray(-30.0 * 0.5 * ((x <= 1.0) & (yy <= 1.0) & (z <= 1.0)))  # half the step in the window
    y = model.ionic.step({k: fields[k] for k in model.ionic.state_names}, dt, i_stim)
    want = explicit_step(y["V"], dt, tensor if field is None else field, grid)
    np.testing.assert_allclose(np.asarray(got["V"]), np.asarray(want), rtol=1e-13, atol=1e-12)
    assert float(jnp.max(jnp.abs(want - y["V"]))) > 1e-3  # diffusion did act


@pytest.mark.parametrize("stimulated", [True, False])
def test_blocked_ionic_step_equals_the_whole_step(monkeypatch, stimulated):
    """On CPU a large grid's ionic step runs in blocks (edge-padded to equal sizes): same values."""
    from hanami.apps.cardiac import model as model_module

    monkeypatch.setattr(model_module, "CPU_BLOCK_BYTES", 8 * 37)  # 37 float64 nodes per block
    monkeypatch.setattr(model_module, "CPU_BLOCK_MIN_NODES", 100)
    ionic = TP06.of("epi")
    n = 7 * 9 * 5
    y = ionic.initial_state((n,))
    y["V"] = y["V"] + jnp.linspace(0.0, 120.0, n)  # resting to fully depolarised
    i_stim = jnp.asarray(np.where(np.arange(n) % 3 == 0, -30.0, 0.0)).reshape(7, 9, 5) if stimulated \
        else jnp.asarray(-5.0)
    dt = jnp.asarray(0.02)
    blocked = jax.jit(lambda y: model_module.ionic_nodes(ionic, y, dt, i_stim))(y)
    whole = jax.jit(lambda y: ionic.step(y, dt, i_stim.reshape(-1) if i_stim.ndim else i_stim))(y)
    assert jax.default_backend() != "cpu" or "while" in jax.jit(
        lambda y: model_module.ionic_nodes(ionic, y, dt, i_stim)).lower(y).as_text()  # it did split
    for k in whole:
        np.testing.assert_allclose(np.asarray(blocked[k]), np.asarray(whole[k]), rtol=1e-14, atol=0, err_msg=k)
