"""The surrogate tutorials of docs/surrogates.md, run as written, and what their text claims."""

import json

import pytest

from tests.tutorials import run_section


def _report(path):
    report = json.loads((path / "report.json").read_text())
    for n, name in enumerate(report["variables"]):
        print(f"{name}: one step {report['one_step']['surrogate'][n]:.3g} (persistence "
              f"{report['one_step']['persistence'][n]:.3g}), {report['rollout']['steps']} steps "
              f"{report['rollout']['surrogate'][-1][n]:.3g} ({report['rollout']['persistence'][-1][n]:.3g})")
    return report


@pytest.mark.slow
@pytest.mark.xdist_group("surrogate-tutorials")
def test_phasefield_surrogate_tutorial(tmp_path):
    run_section("surrogates.md", "Phase field: BM1 spinodal decomposition from random initial states", tmp_path)
    report = _report(tmp_path / "bm1-surrogate")
    assert len(report["test_members"]) == 2 and not set(report["test_members"]) & set(report["train_members"])
    assert report["one_step"]["surrogate"][0] < report["one_step"]["persistence"][0]
    assert report["rollout"]["surrogate"][-1][0] < report["rollout"]["persistence"][-1][0]
    assert (tmp_path / "bm1-surrogate" / "comparison.png").stat().st_size > 10_000


@pytest.mark.slow
@pytest.mark.xdist_group("surrogate-tutorials")
def test_climate_surrogate_tutorial(tmp_path):
    run_section("surrogates.md", "Shallow water: Williamson TC5 with mountains of several heights", tmp_path)
    report = _report(tmp_path / "tc5-surrogate")
    one, rolled = report["one_step"], report["rollout"]
    assert all(s < p for s, p in zip(one["surrogate"], one["persistence"]))
    vorticity = report["variables"].index("vorticity")
    assert rolled["surrogate"][-1][vorticity] < rolled["persistence"][-1][vorticity]
