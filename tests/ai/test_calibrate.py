"""hanami calibrate on an adaptive case with its defaults: the replayed step schedule and the stopping rule."""

import json

import jax.numpy as jnp
import numpy as np
import pytest
import xarray as xr
from rich.console import Console

from hanami.ai.calibrate import calibrate
from hanami.ai.differentiable import DifferentiableRun
from hanami.ai.schedule import adaptive_schedule
from hanami.runner import run_case

pytestmark = pytest.mark.xdist_group("calibrate")

BOX = ["grid.shape=[40, 40]", "grid.lengths=[40.0, 40.0]", "output.plots=false"]


def test_replayed_schedule_reproduces_the_adaptive_run(tmp_path):
    """Verification: fixed steps of the sizes an adaptive run accepted (time.order = 2, the extrapolated
    step the adaptive run accepts) give that run's fields to round-off, at every observed time."""
    times = [2.0, 6.0]
    schedule = adaptive_schedule("pfhub-bm1a", times, BOX)
    adaptive = run_case("pfhub-bm1a", out=tmp_path / "run", overrides=BOX + [f"output.times={times}"],
                        stop_time=6.0, progress=False).dataset
    assert len(schedule) == int(adaptive["iteration"].values[-1])
    run = DifferentiableRun("pfhub-bm1a", ["model.mobility"], steps=1, overrides=BOX, schedule=schedule)
    steps = run.steps_at(np.array(times), "test")
    run.resize(steps[-1])
    _, snapshots = run.trajectory(run.values(), steps)
    for when, fields in zip(times, snapshots):
        expected = adaptive["c"].sel(time=when).values
        assert np.max(np.abs(np.asarray(fields["c"]) - expected)) < 1e-11, when
    with pytest.raises(Exception, match="not on the step schedule"):
        run.steps_at(np.array([2.5]), "obs.nc")


def test_defaults_recover_the_mobility_and_stop_by_themselves(tmp_path):
    """Observations from an adaptive run with M = 5; the fit from M = 4 with every default
    (L-BFGS, the adaptive schedule, --tolerance 1e-4) lands within 1 % and stops well before 60 iterations."""
    truth = run_case("pfhub-bm1a", out=tmp_path / "truth", overrides=BOX + ["output.times=[5.0]"], stop_time=20.0,
                     progress=False).run_dir
    console = Console(record=True, width=200)
    result = calibrate("pfhub-bm1a", truth / "output.nc", ["model.mobility"], out=tmp_path / "fit",
                       overrides=BOX + ["model.mobility=4.0"], console=console)
    assert abs(result.fitted["model.mobility"] / 5.0 - 1.0) < 0.01
    report = json.loads((tmp_path / "fit" / "calibration.json").read_text())
    assert report["steps"] == "adaptive schedule" and report["optimizer"] == "lbfgs"
    assert report["iterations"] < 20  # the stopping rule, not the 60-iteration cap
    text = console.export_text()
    lines = text.splitlines()
    assert "converged" in text and "refit" in text
    assert sum(line.startswith("iteration ") for line in lines) == report["iterations"]
    with xr.open_dataset(tmp_path / "fit" / "history.nc") as history:
        assert history.sizes["iteration"] == report["iterations"] + 1
        assert float(history["gradient"][-1]) < 1e-2 * float(history["gradient"][0])
    # the fitted model through the same schedule fits better than the start
    assert result.loss[-1] < 0.1 * result.loss[0]


def test_a_fixed_dt_on_the_command_line_gives_uniform_steps(tmp_path):
    truth = run_case("pfhub-bm1a", out=tmp_path / "truth", overrides=BOX + ["time.adaptive=false", "time.dt=0.1"],
                     stop_time=2.0, progress=False).run_dir
    calibrate("pfhub-bm1a", truth / "output.nc", ["model.mobility"], out=tmp_path / "fit", steps=3,
              overrides=BOX + ["time.dt=0.1"], progress=False)
    report = json.loads((tmp_path / "fit" / "calibration.json").read_text())
    assert report["steps"] == "uniform" and report["time_steps"] == 20
    assert jnp.isfinite(report["loss_end"])
