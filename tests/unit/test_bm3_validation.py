"""`hanami validate pfhub-bm3`: the judging against the uploads' figures, and the quick
self-convergence check end to end (slow)."""

import json

import numpy as np
import pytest
import xarray as xr

from hanami.apps.base import RunResult
from hanami.apps.phasefield.bm3_references import PUBLISHED, bands
from hanami.apps.phasefield.bm3_validate import judge, tip_slope


def fake_result(tip_end: float, speed: float, solid: float = 0.01876, energy: float = 1.9764e6) -> RunResult:
    times = np.arange(0.0, 1500.0 + 1e-9, 5.0)
    history = [{"time": t, "tip_position": tip_end - speed * (1500.0 - t), "solid_fraction": solid,
                "free_energy": energy, "enthalpy": 0.2} for t in times]
    phi = np.full((8, 8), -1.0)
    phi[:3, :3] = 1.0
    dataset = xr.Dataset({"phi": (("time", "x", "y"), phi[None])})
    return RunResult(run_dir=None, summary={}, dataset=dataset, history=history)


def test_bands_hold_both_codes_and_no_more_than_their_spread():
    limits = bands()
    for name in ("tip_position", "solid_fraction", "free_energy"):
        values = [figures[name] for figures in PUBLISHED.values()]
        spread = max(values) - min(values)
        assert limits[name].low == pytest.approx(min(values) - spread / 2)
        assert limits[name].high == pytest.approx(max(values) + spread / 2)


def test_tip_slope_is_the_least_squares_speed():
    assert tip_slope(fake_result(283.0, 0.147).history) == pytest.approx(0.147, rel=1e-9)


@pytest.mark.parametrize("tip, speed, passed", [(283.0, 0.147, True), (298.0, 0.147, False),
                                                (283.0, 0.16, False)])
def test_judge_passes_only_inside_every_band(tip, speed, passed):
    report = judge(fake_result(tip, speed), "float64", updates=1000)
    assert all(c["passed"] for c in report["checks"]) is passed
    kinds = {c["name"]: c["kind"] for c in report["checks"]}
    assert report["checks"][-2]["tolerance"] == pytest.approx(1.5 * 1000 * 2.220446e-16)
    assert kinds["tip_position"] == kinds["tip_velocity"] == "validation"
    assert kinds["enthalpy_drift"] == kinds["asymmetry"] == "verification"


@pytest.mark.slow
def test_quick_validation_converges_conserves_and_stays_symmetric(cli, tmp_path):
    result = cli("validate", "pfhub-bm3", "--quick", "--out", str(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads((tmp_path / "validation.json").read_text())
    assert report["outcome"] == "VERIFIED" and report["quick"] and report["dx"] == pytest.approx(0.8)
    checks = {c["name"]: c for c in report["checks"]}
    assert checks["tip_position"]["relative_change"] < 0.06
    assert checks["tip_velocity"]["relative_change"] < 0.06
    assert all(c["kind"] == "verification" for c in report["checks"])
    assert report["provenance"]["git_revision"]
    assert (tmp_path / "run" / "contour_phi0_t150.csv").read_text().startswith("x,y\n")


def test_report_table_names_the_bm3_figures():
    from hanami.bench.summary import _validation_figures

    report = judge(fake_result(283.0, 0.147), "float64", updates=1000)
    report.update({"benchmark": "pfhub-bm3", "passed": True})
    assert _validation_figures(report).startswith("tip_position = 283, solid_fraction = 0.01876")


def test_a_finished_run_is_judged_in_place(cli, tmp_path):
    """`--run DIR` reads a finished pfhub-bm3 run back (history from its checkpoint) and judges it;
    a run of another case is refused with one message."""
    run = tmp_path / "bm3"
    made = cli("run", "pfhub-bm3", "--out", str(run), "--set", "grid.shape=[60,60]", "--stop-time", "5", "-q")
    assert made.returncode == 0, made.stderr
    result = cli("validate", "pfhub-bm3", "--run", str(run))
    assert result.returncode == 1  # t = 5 on a 16-unit grid is far from the t = 1500 figures
    report = json.loads((run / "validation.json").read_text())
    assert report["judged_from_run"] and report["time"] == pytest.approx(5.0)
    assert {c["name"] for c in report["checks"]} == {"tip_position", "solid_fraction", "free_energy", "tip_velocity",
                                                     "enthalpy_drift", "asymmetry"}
    other = tmp_path / "quick"
    assert cli("run", "pfhub-bm3-quick", "--out", str(other), "--stop-time", "1", "-q").returncode == 0
    refused = cli("validate", "pfhub-bm3", "--run", str(other))
    assert refused.returncode == 2 and "it must be a completed pfhub-bm3 run" in refused.stderr
