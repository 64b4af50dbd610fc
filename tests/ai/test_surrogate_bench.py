"""`hanami bench surrogates`: training throughput and inference against the solver, as records."""

import json

import pytest


@pytest.mark.slow
def test_surrogate_suite_records(tmp_path, cli):
    out = tmp_path / "surrogates.json"
    result = cli("bench", "surrogates", "--quick", "--json", str(out))
    assert result.returncode == 0, result.stderr
    records = [r for r in json.loads(out.read_text())["records"] if r["kind"] == "surrogate"]
    assert {r["app"] for r in records} == {"phasefield", "climate"}
    for r in records:
        print(f"{r['app']}: train {r['train_samples_per_s']:.1f} samples/s, speed-up {r['speedup']:.2f} "
              f"(batched {r['speedup_batched']:.2f})")
        assert r["train_samples_per_s"] > 0 and r["loader_samples_per_s"] > 0
        assert r["solver_s_per_learned_step"] == pytest.approx(r["solver_s_per_step"] * r["solver_steps_per_learned_step"])
        assert r["speedup"] == pytest.approx(r["solver_s_per_learned_step"] / r["surrogate_s_per_step"])
        assert r["architecture"]["parameters"] > 0
    # the learned step of the climate ensemble is 3 h of the 15 min solver step
    (climate,) = [r for r in records if r["app"] == "climate"]
    assert climate["dt"] == 10800.0 and climate["solver_steps_per_learned_step"] == pytest.approx(12.0)
    report = cli("report", str(out), "--markdown", "-o", str(tmp_path / "report.md"))
    assert report.returncode == 0, report.stderr
    assert "speed-up batched" in (tmp_path / "report.md").read_text()
