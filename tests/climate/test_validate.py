"""The validations against a high-resolution run: the plan of resolutions, the reference cache, a
small end-to-end `hanami validate galewsky` and the verdicts of the quick validations."""

import json

import numpy as np
import pytest
from rich.console import Console

from hanami.apps.base.checks import KINDS
from hanami.apps.climate.reference_runs import reference_plan, reference_tag
from hanami.validate import run_validation
from hanami.errors import CaseError


def test_reference_plan():
    assert reference_plan(False, None) == (213, (42, 63, 85))
    assert reference_plan(True, None) == (106, (42, 63))
    assert reference_plan(True, None, quick_reference=170) == (170, (42, 63))
    assert reference_plan(False, 341) == (341, (42, 63, 85))
    assert reference_plan(True, 85) == (85, (42, 63))  # a given reference takes every resolution below it
    with pytest.raises(CaseError, match="reference-truncation"):
        reference_plan(False, 63)


def test_reference_tag_tells_overrides_apart():
    plain = reference_tag("galewsky", 213, "float64", [])
    assert plain == "galewsky-T213-float64"
    imex = reference_tag("galewsky", 213, "float64", ['model.scheme="imex-ark3"'])
    assert imex.startswith(plain + "-") and imex != reference_tag("galewsky", 213, "float64", ["time.dt=60"])


@pytest.mark.slow
def test_validate_galewsky_small(tmp_path, monkeypatch):
    """T42 and T63 against a T85 reference over 6 hours: the vorticity error must fall with resolution."""
    monkeypatch.setenv("HANAMI_CLIMATE_REFERENCES", str(tmp_path / "refs"))
    status = run_validation("galewsky", out=tmp_path / "v", reference_truncation=85, progress=False,
                            overrides=['stop.time="6 h"', 'output.interval="3 h"', "output.plots=false",
                                       "checkpoint.wall_interval=0"],
                            console=Console(width=120, record=True))
    report = json.loads((tmp_path / "v" / "validation.json").read_text())
    l2 = [report["runs"][t]["vorticity"]["l2"] for t in ("T42", "T63")]
    print(f"galewsky 6 h against T85: vorticity l2 {l2}")
    assert status == 0 and report["passed"] and report["converges"]
    # no stored dinosaur run has this configuration: the peer checks are reported, the verdict is VERIFIED
    assert report["outcome"] == "VERIFIED" and report["counts"]["validation"] == 6
    assert all(c["passed"] is None for c in report["checks"] if c["kind"] == "validation")
    assert l2[1] < 0.5 * l2[0] and 1e-4 < l2[1]  # an error, falling with resolution
    assert report["runs"]["T63"]["conservation"]["mass"]["max_relative_drift"] < 1e-13
    assert (tmp_path / "v" / "vorticity_day0.25.png").stat().st_size > 10000
    cached = list((tmp_path / "refs").glob("galewsky-T85-*.npz"))
    assert len(cached) == 1
    with np.load(cached[0]) as data:
        assert set(data.files) == {"time", "h", "vorticity"} and data["vorticity"].shape == (3, 128, 256)


def test_reference_truncation_is_refused_where_it_does_not_apply(cli):
    result = cli("validate", "williamson-tc2", "--reference-truncation", "106", "-q")
    assert result.returncode == 2, result.stdout + result.stderr
    assert "--reference-truncation applies to" in result.stderr and "Traceback" not in result.stderr


# The verdict of every quick validation with a stored dinosaur run (references cached under
# ~/.cache/hanami/climate: the first run makes them, 4-7 minutes each on a 2-core CPU).
def _validated(status, out, summary_key="l2"):
    report = json.loads((out / "validation.json").read_text())
    failed = [c["check"] for c in report["checks"] if c["passed"] is False]
    assert status == 0 and report["outcome"] == "VALIDATED", failed
    assert all(c["kind"] in KINDS and c["source"] for c in report["checks"])
    judged = [c for c in report["checks"] if c["kind"] == "validation" and c["passed"] is not None]
    assert len(judged) >= 2 and all("dinosaur 1.5.1" in c["source"] for c in judged)
    assert all(summary_key in run for run in report["runs"].values())
    return report


def _quiet():
    return {"quick": True, "progress": False, "console": Console(width=160, record=True)}


@pytest.mark.slow
def test_quick_tc5_is_validated(tmp_path):
    report = _validated(run_validation("williamson-tc5", out=tmp_path, **_quiet()), tmp_path)
    assert report["converges"] and report["reference_truncation"] == 106


@pytest.mark.slow
def test_quick_tc6_is_validated(tmp_path):
    report = _validated(run_validation("williamson-tc6", out=tmp_path, **_quiet()), tmp_path)
    speed = report["reference_pattern_speed_deg_per_day"]
    assert 11.0 < speed < report["haurwitz_speed_deg_per_day"]  # the divergent wave is slower
    halved = {c["check"]: c for c in report["checks"]}["energy loss falls with the step"]
    assert halved["passed"] and 0.5 < halved["order"] < 1.5  # the RAW filter's first order


@pytest.mark.slow
def test_quick_galewsky_is_validated(tmp_path):
    report = _validated(run_validation("galewsky", out=tmp_path, **_quiet()), tmp_path)
    assert report["converges"] and report["vorticity_l2_order_in_T"] > 1


@pytest.mark.slow
def test_quick_galewsky_steady_is_validated(tmp_path):
    _validated(run_validation("galewsky-steady", out=tmp_path, **_quiet()), tmp_path, "max_abs_dh")
