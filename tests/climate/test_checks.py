"""The labelled checks of the climate validations: verdicts, tolerances that can fail, and the stored peer figures."""

import json
import math
from types import SimpleNamespace

import numpy as np
import pytest
from rich.console import Console

from hanami.apps.base.checks import KINDS, outcome
from hanami.apps.climate import peers
from hanami.apps.climate import peer_store as store
from hanami.apps.climate import references as ref
from hanami.apps.climate.dinosaur_peer import shipped_case
from hanami.apps.climate.verdicts import (falls, invariant_checks, loss_checks, potential_vorticity_check,
                                         potential_vorticity_max)
from hanami.validate import run_validation


def _result(energy, steps=100, precision="float64", mass=0.0):
    """A run with the given energy drift history (mass drift `mass` at the end, enstrophy at zero)."""
    history = [{"mass_drift": 0.0 if i < len(energy) - 1 else mass, "energy_drift": e, "enstrophy_drift": 0.0}
               for i, e in enumerate(energy)]
    return SimpleNamespace(history=history, summary={"iteration": steps, "provenance": {"precision": precision}})


def test_rounding_tolerances_follow_the_precision_and_the_step_count():
    assert ref.rounding_bound(100, "float64") == pytest.approx(100 * np.finfo(np.float64).eps)
    assert ref.rounding_bound(100, "float32") == pytest.approx(100 * np.finfo(np.float32).eps)
    assert ref.representation_bound(42, 96, "float64") == pytest.approx((43 ** 2 + 96) * 2.220446e-16)
    # the non-divergent Rossby-Haurwitz speed (Williamson et al. 1992, test 6): 12.2 deg/day
    assert ref.haurwitz_speed() == pytest.approx(12.195, abs=1e-3)


def test_mass_beyond_rounding_fails_and_a_moving_steady_state_fails():
    bound = ref.rounding_bound(100, "float64")
    ok = invariant_checks("T42", _result([0.0, -1e-5, 2e-8], mass=0.5 * bound))
    assert outcome(ok) == "VERIFIED"  # energy moves (reported: time truncation), mass within rounding
    assert {c["check"]: c["passed"] for c in ok}["T42: energy largest drift"] is None
    lost = invariant_checks("T42", _result([0.0, -1e-5], mass=10 * bound))
    assert {c["check"]: c["passed"] for c in lost}["T42: mass |drift|"] is False and outcome(lost) == "FAILED"
    # an exact steady state: any drift of an invariant beyond rounding fails
    steady = {c["check"]: c for c in invariant_checks("a", _result([0.0, -1e-5]), steady=True)}
    assert steady["a: energy |drift|"]["passed"] is False


def test_losses_must_fall_with_resolution_or_with_the_step():
    results = {"T42": _result([0.0, -1e-5]), "T63": _result([0.0, -2e-5])}
    (energy, _) = loss_checks("", results, diffusion=True)
    assert energy["passed"] is False and energy["reference"] == "T42 1.00e-05, T63 2.00e-05"
    energy, _, enstrophy, _ = loss_checks("", results, diffusion=False,
                                          half_step=("T42", results["T42"], _result([0.0, -0.5e-5])))
    assert energy["passed"] is None  # without diffusion: the time scheme's loss, reported across T
    assert enstrophy["passed"] is None
    by_name = {c["check"]: c for c in loss_checks("", results, False, ("T42", results["T42"], _result([0, -5e-6])))}
    halved = by_name["energy loss falls with the step"]
    assert halved["passed"] and halved["order"] == pytest.approx(1.0)
    grown = loss_checks("", results, False, ("T42", results["T42"], _result([0.0, -2e-5])))
    assert {c["check"]: c["passed"] for c in grown}["energy loss falls with the step"] is False
    ok = falls("l2", {"T42": 4e-4, "T63": 1e-4}, "self-convergence")
    assert ok["passed"] and ok["order"] == pytest.approx(math.log(4) / math.log(1.5))


def test_potential_vorticity_maximum_is_reported_and_compared_with_dinosaur():
    lat = np.array([-45.0, 45.0])
    h = np.full((2, 2, 3), 1e4)
    zeta = np.zeros((2, 2, 3))
    zeta[1, 1, 0] = 1e-6
    q_max = potential_vorticity_max(zeta, h, lat, 7.292e-5)
    f = 2 * 7.292e-5 * np.sin(np.radians(45))
    assert q_max == pytest.approx([f / 1e4, (f + 1e-6) / 1e4])
    reported = potential_vorticity_check("T42", q_max)
    assert reported["passed"] is None and reported["relative_change"] == pytest.approx(1e-6 / f)
    record, _ = store.load()
    key = next(k for k, r in record["runs"].items() if r["case"] == "galewsky" and "truncation_error" in r)
    run = record["runs"][key]
    case = shipped_case("galewsky", [f"grid.truncation={run['truncation']}", f"time.dt={run['dt']!r}"])
    theirs = run["potential_vorticity_max"][-1]
    assert peers.potential_vorticity_check("T", case, theirs, 1e-11, "T170")["passed"]
    peer_error = abs(theirs - record["runs"][run["truncation_error"]["reference"]]["potential_vorticity_max"][-1])
    off = theirs + 2 * (1e-11 + peer_error)
    assert peers.potential_vorticity_check("T", case, off, 1e-11, "T170")["passed"] is False


def test_stored_peer_figures_carry_their_command_version_and_hanami_revision():
    import dinosaur

    record, arrays = store.load()  # checks the coefficients' hash against the record
    assert record["peer"] == "dinosaur" and record["peer_version"] == dinosaur.__version__ == "1.5.1"
    assert record["script"] == store.COMMAND
    for key, run in record["runs"].items():
        assert run["made"]["command"].startswith(store.COMMAND), key
        assert run["made"]["date_utc"][:2] == "20" and run["made"]["hanami_revision"]
        # every stored run still matches the shipped case it was made from (else: rerun the script)
        overrides = [f"grid.truncation={run['truncation']}", f"time.dt={run['dt']!r}",
                     f"stop.time={run['final_time']!r}", *(["model.diffusion_time=0"] if "diffusion-off" in key
                                                           else [])]
        case = shipped_case(run["case"], overrides)
        assert store.key(case) == key and run["settings"] == store.settings(case), key
        t = run["truncation"]
        if run["case"] == "galewsky-steady":  # a zonal jet: its m = 0 coefficients
            assert arrays[f"{key}/h"].shape == (t + 1, 2)
        if "truncation_error" in run:
            assert run["truncation_error"]["reference"] in record["runs"]
            for name in store.FIELDS[run["case"]]:
                assert arrays[f"{key}/{name}"].shape == ((t + 1) * (t + 2) // 2, 2)
                assert 0 < run["truncation_error"][name]["l2"] < 1


def test_peer_comparison_judges_the_difference_against_both_truncation_errors():
    record, _ = store.load()
    key = next(k for k, r in record["runs"].items() if r["case"] == "williamson-tc5" and "truncation_error" in r)
    run = record["runs"][key]
    case = shipped_case("williamson-tc5", [f"grid.truncation={run['truncation']}", f"time.dt={run['dt']!r}"])
    grid = case.grid.build(case.model.radius)
    theirs = peers.field(case, "h", grid)
    assert theirs.min() == pytest.approx(run["h_min"], abs=1e-3)
    assert theirs.max() == pytest.approx(run["h_max"], abs=1e-3)
    same = peers.field_check("T", case, "h", theirs, grid, 1e-4, "T106")
    assert same["passed"] and same["value"] < 1e-7 and same["kind"] == "validation"
    assert "dinosaur 1.5.1" in same["source"] and store.COMMAND in same["source"]
    bound = 1e-4 + run["truncation_error"]["h"]["l2"]
    off = theirs * (1 + 2 * bound)  # a field that differs by twice the band
    assert peers.field_check("T", case, "h", off, grid, 1e-4, "T106")["passed"] is False
    # another scheme has no stored run: reported, not judged
    imex = shipped_case("williamson-tc5", [f"grid.truncation={run['truncation']}", f"time.dt={run['dt']!r}",
                                           'model.scheme="imex-ark3"'])
    assert peers.field_check("T", imex, "h", theirs, grid, 1e-4, "T106")["passed"] is None


def test_pack_round_trip():
    rng = np.random.default_rng(0)
    coefficients = np.triu(rng.normal(size=(6, 6)) + 1j * rng.normal(size=(6, 6)))
    back = store.unpack(store.pack(coefficients), 5)
    assert np.allclose(back, coefficients, rtol=1e-6) and np.all(back[np.tril_indices(6, -1)] == 0)


def test_tc2_quick_is_verified_with_labelled_sourced_checks(tmp_path):
    """The verdict of `hanami validate williamson-tc2 --quick`: VERIFIED (exact solution, no peer)."""
    status = run_validation("williamson-tc2", out=tmp_path, quick=True, progress=False,
                            console=Console(width=160, record=True))
    report = json.loads((tmp_path / "validation.json").read_text())
    assert status == 0 and report["outcome"] == "VERIFIED"
    assert report["counts"] == {"verification": 12, "validation": 0}
    assert all(c["kind"] in KINDS and c["source"] and c["passed"] is True for c in report["checks"])
    assert {"l2", "l1", "linf"} <= set(report["runs"]["alpha=pi/4"])  # read by the bench summary
    assert report["provenance"]["git_revision"] and len(report["cases"]) == 3
    l2 = [c["value"] for c in report["checks"] if c["check"].endswith("h l2 error")]
    assert max(l2) < 1e-13 and min(l2) > 0  # round-off, not exactly zero
