"""`hanami validate`: the quick BM1a validation passes and writes validation.json with
labelled checks and its provenance; a wrong model fails it with exit status 1."""

import json


def test_quick_bm1a_validates(tmp_path, cli):
    out = tmp_path / "val"
    result = cli("validate", "pfhub-bm1a", "--quick", "-q", "--out", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads((out / "validation.json").read_text())
    assert report["passed"] and report["quick"] and report["outcome"] == "VALIDATED"
    assert [c["time"] for c in report["free_energy_table"]] == [10.0, 100.0, 1000.0]
    published = [c for c in report["checks"] if c["kind"] == "validation"]
    assert [c["time"] for c in published] == [10.0, 100.0, 1000.0]
    for row in report["free_energy_table"]:
        assert row["passed"] and row["band"][0] <= row["free_energy"] <= row["band"][1]
        assert set(row["published"]) == {"PRISMS-PF", "MEMPHIS", "MOOSE"}
    assert all(c["source"] and c["kind"] in ("validation", "verification") for c in report["checks"])
    assert report["mass_relative_drift"] < 1e-12
    assert report["free_energy_increases"] == []
    assert "VALIDATED" in result.stdout and "PRISMS-PF" in result.stdout
    # provenance: the exact revision, this command, the resolved case of the run
    assert report["provenance"]["git_revision"] not in ("", "unknown")
    assert "validate pfhub-bm1a --quick" in report["provenance"]["command_line"]
    (case_toml,) = report["cases"].values()
    assert 'name = "pfhub-bm1a"' in case_toml


def test_quick_bm1b_is_verified_not_validated(tmp_path, cli):
    """BM1b's only published figure is at t = 10^4: a quick run (to t = 1000) checks invariants only."""
    out = tmp_path / "val"
    result = cli("validate", "pfhub-bm1b", "--quick", "-q", "--out", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads((out / "validation.json").read_text())
    assert report["outcome"] == "VERIFIED" and "VALIDATED" not in result.stdout
    assert all(c["passed"] is None for c in report["checks"] if c["kind"] == "validation")


def test_wrong_physics_fails_validation(tmp_path, cli):
    out = tmp_path / "val"
    result = cli("validate", "pfhub-bm1a", "--quick", "-q", "--out", str(out), "--set", "model.kappa=6.0")
    assert result.returncode == 1, result.stdout + result.stderr
    report = json.loads((out / "validation.json").read_text())
    assert not report["passed"] and report["outcome"] == "FAILED"
    assert any(c["passed"] is False for c in report["checks"])
    assert "FAILED" in result.stdout
