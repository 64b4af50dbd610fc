"""`hanami validate`: the quick BM1a validation passes and writes validation.json;
a wrong model fails it with exit status 1."""

import json


def test_quick_bm1a_validates(tmp_path, cli):
    out = tmp_path / "val"
    result = cli("validate", "pfhub-bm1a", "--quick", "-q", "--out", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads((out / "validation.json").read_text())
    assert report["passed"] and report["quick"]
    assert [c["time"] for c in report["checks"]] == [10.0, 100.0, 1000.0]
    for check in report["checks"]:
        assert check["passed"] and check["band"][0] <= check["free_energy"] <= check["band"][1]
        assert set(check["published"]) == {"PRISMS-PF", "MEMPHIS", "MOOSE"}
    assert report["mass_relative_drift"] < 1e-12
    assert report["free_energy_increases"] == []
    assert "VALIDATED" in result.stdout and "PRISMS-PF" in result.stdout


def test_wrong_physics_fails_validation(tmp_path, cli):
    out = tmp_path / "val"
    result = cli("validate", "pfhub-bm1a", "--quick", "-q", "--out", str(out), "--set", "model.kappa=6.0")
    assert result.returncode == 1, result.stdout + result.stderr
    report = json.loads((out / "validation.json").read_text())
    assert not report["passed"] and any(c["passed"] is False for c in report["checks"])
    assert "NOT VALIDATED" in result.stdout
