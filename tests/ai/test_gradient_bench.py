"""`hanami bench gradients`: the cost and memory of gradients through whole runs, as records."""

import json
import math

import pytest


@pytest.mark.slow
def test_gradient_suite_records(tmp_path, cli):
    out = tmp_path / "gradients.json"
    result = cli("bench", "gradients", "--quick", "--json", str(out))
    assert result.returncode == 0, result.stderr
    records = [r for r in json.loads(out.read_text())["records"] if r["kind"] == "gradient"]
    assert {r["app"] for r in records} == {"phasefield", "climate", "cardiac"}
    for r in records:
        print(f"{r['app']}: gradient / forward = {r['gradient_over_forward']:.2f}, "
              f"{r['temp_bytes_remat'] / 1e6:.1f} MB with remat, {r['temp_bytes_all_states'] / 1e6:.1f} MB without")
        assert r["gradient_s"] > 0 and r["forward_s"] > 0
        assert r["gradient_over_forward"] == r["gradient_s"] / r["forward_s"]
        assert r["chunk"] == round(math.sqrt(r["steps"]))
        # Keeping every step's state costs more than keeping chunk boundaries.
        assert r["temp_bytes_remat"] < r["temp_bytes_all_states"]
        assert math.isfinite(r["final"]["loss"])
    report = cli("report", str(out), "--markdown", "-o", str(tmp_path / "report.md"))
    assert report.returncode == 0, report.stderr
    assert "gradient / forward" in (tmp_path / "report.md").read_text()
