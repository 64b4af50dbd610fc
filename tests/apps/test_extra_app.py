"""The App contract is enough: an app defined only in the test suite (`tests/apps/heat.py`,
a 1-D heat equation with an exact solution) is listed, run, validated, run as an ensemble,
benchmarked and differentiated by the unchanged front ends.

The command-line checks load it as a user's plugin would, through `HANAMI_APPS`; the
in-process checks through `hanami.apps.registry.register`.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import xarray as xr

from tests.apps.heat import HeatApp, exact
from tests.conftest import run_cli

PLUGIN = {"HANAMI_APPS": "tests.apps.heat:HeatApp"}


def heat_cli(*args: str):
    return run_cli(*args, env=PLUGIN)


@pytest.fixture
def registered():
    from hanami.apps import registry

    registry.register(HeatApp())
    yield
    registry.unregister("heat")


def test_listed_with_its_case_and_validation():
    listed = heat_cli("list")
    assert listed.returncode == 0, listed.stderr
    assert any(line.split()[:2] == ["heat-sine", "heat"] for line in listed.stdout.splitlines())
    helped = heat_cli("validate", "--help")
    assert "heat-decay" in helped.stdout
    plain = run_cli("list")
    assert "heat-sine" not in plain.stdout  # only the plugin brings it


def test_run_matches_the_exact_solution(tmp_path, registered):
    """Verification of the whole path (case file, build, loop, writer): explicit Euler and central
    differences at dx = 1/64, dt = 0.01 stay within 1e-3 of the exact decaying sine (measured 4.2e-4)."""
    result = heat_cli("run", "heat-sine", "--out", str(tmp_path / "run"), "-q")
    assert result.returncode == 0, result.stderr
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["app"] == "heat" and summary["iteration"] == 200
    with xr.open_dataset(tmp_path / "run" / "output.nc", decode_times=False) as ds:
        assert list(ds["time"].values) == [0.0, 0.5, 1.0, 1.5, 2.0]
        from hanami.runner import load_case

        case = load_case(tmp_path / "run" / "case.toml").case
        error = np.max(np.abs(ds["u"].values[-1] - exact(case, ds["x"].values, 2.0)))
        assert 1e-6 < error < 1e-3  # a discretisation error, small
        decay = float(ds["amplitude"].values[-1] / ds["amplitude"].values[0])
        assert abs(decay - np.exp(-0.01 * (2 * np.pi) ** 2 * 2.0)) < 1e-3


def test_validation_passes_and_fails(tmp_path):
    good = heat_cli("validate", "heat-decay", "--out", str(tmp_path / "good"), "-q")
    assert good.returncode == 0, good.stdout + good.stderr
    report = json.loads((tmp_path / "good" / "validation.json").read_text())
    assert report["outcome"] == "VERIFIED" and report["checks"][0]["kind"] == "verification"
    # A step 15x larger on 16 points (still stable: kappa dt / dx^2 = 0.38) gives an error of 5.4e-3: the
    # check can fail.
    bad = heat_cli("validate", "heat-decay", "--out", str(tmp_path / "bad"), "-q", "--set", "time.dt=0.15",
                   "--set", "grid.points=16")
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert json.loads((tmp_path / "bad" / "validation.json").read_text())["outcome"] == "FAILED"


def test_ensemble_members_equal_separate_runs(tmp_path):
    both = heat_cli("run", "heat-sine", "--out", str(tmp_path / "both"), "-q", "--vary", "model.kappa=0.01,0.005")
    assert both.returncode == 0, both.stderr
    one = heat_cli("run", "heat-sine", "--out", str(tmp_path / "one"), "-q", "--set", "model.kappa=0.005")
    assert one.returncode == 0, one.stderr
    with xr.open_dataset(tmp_path / "both" / "output.nc") as ens, xr.open_dataset(tmp_path / "one" / "output.nc") as ref:
        assert ens.sizes["member"] == 2 and list(ens["model_kappa"].values) == [0.01, 0.005]
        np.testing.assert_allclose(ens["u"].isel(member=1).values, ref["u"].values, rtol=0, atol=1e-14)
        # The slower diffusion decays less.
        assert float(ens["amplitude"].isel(member=1, time=-1)) > float(ens["amplitude"].isel(member=0, time=-1))


def test_a_bad_plugin_entry_is_one_message():
    result = run_cli("list", env={"HANAMI_APPS": "tests.apps.nowhere:App"})
    assert result.returncode == 2
    assert "HANAMI_APPS" in result.stderr and "Traceback" not in result.stderr


def test_gradient_equals_the_exact_derivative(registered):
    """Verification: explicit Euler multiplies the sine mode by g = 1 - kappa dt lambda per step,
    lambda = (4 / dx^2) sin^2(pi dx / L); so the mean square of u after N steps is
    A^2 g^(2N) / 2 and its derivative in kappa is -2 N dt lambda g^(2N-1) A^2 / 2."""
    import jax
    import jax.numpy as jnp

    from hanami.ai.differentiable import DifferentiableRun

    steps = 50
    run = DifferentiableRun("heat-sine", ["model.kappa"], steps=steps)

    def loss(values):
        return jnp.mean(run.run(values)["u"] ** 2)

    values = run.values()
    gradient = float(jax.grad(loss)(values)["model.kappa"])
    dx, dt, kappa = 1 / 64, 0.01, 0.01
    lam = 4 / dx**2 * np.sin(np.pi * dx) ** 2
    g = 1 - kappa * dt * lam
    exact_gradient = -2 * steps * dt * lam * g ** (2 * steps - 1) / 2
    h = 1e-6
    central = (float(loss({"model.kappa": jnp.asarray(kappa + h)})) -
               float(loss({"model.kappa": jnp.asarray(kappa - h)}))) / (2 * h)
    print(f"d mean(u^2) / d kappa: {gradient:.10g}, exact {exact_gradient:.10g}, central difference {central:.10g}")
    assert abs(gradient - exact_gradient) < 1e-9 * abs(exact_gradient)
    assert abs(gradient - central) < 1e-6 * abs(exact_gradient)


def test_benchmarked_by_the_unchanged_suites(registered):
    """`hanami bench heat` and the gradient suite measure the app from its declarations alone."""
    import io

    from rich.console import Console

    from hanami.bench import Plan, run_bench
    from hanami.bench.gradients import gradient_cost

    (record,) = run_bench(["heat"], plan=Plan(steps=4, repeats=2, chunk=2), sizes=[32], probe_bandwidth=False,
                          console=Console(file=io.StringIO()))
    assert record["app"] == "heat" and record["case"] == "heat-sine" and record["resolution"] == [32]
    assert record["updates_per_s"] > 0 and record["bytes_per_update"] == 3 * 8
    # Two warm-up steps and two repeats of four: 10 steps at dt = 0.2 / 32^2 / kappa, a decayed sine.
    assert record["final"]["finite"] and abs(record["final"]["time"] - 10 * 0.2 / 32**2 / 0.01) < 1e-12
    assert 0.5 < record["final"]["rms_u"] < 2 ** -0.5
    gradient = gradient_cost("heat", "float64", repeats=1, machine={}, date="")
    assert gradient["kind"] == "gradient" and gradient["parameter"] == "model.kappa" and gradient["steps"] == 50
    assert gradient["gradient_over_forward"] > 0
