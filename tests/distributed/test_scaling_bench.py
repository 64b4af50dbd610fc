"""`hanami bench --devices/--processes`: scaling records from real runs, and the scaling model."""

import json

import pytest

from hanami.apps.cardiac.benchmarks import communication as cardiac_communication
from hanami.apps.phasefield.benchmarks import communication as phasefield_communication
from hanami.bench import scaling_model as sm


@pytest.mark.slow
@pytest.mark.xdist_group("processes")
def test_scaling_suite_records_strong_and_weak(tmp_path, cli):
    out = tmp_path / "scaling.json"
    result = cli("bench", "phasefield", "--quick", "--devices", "1,2", "--json", str(out))
    assert result.returncode == 0, result.stderr
    records = json.loads(out.read_text())["records"]
    points = {(r["mode"], r["devices"], r["processes"]): r for r in records if r["kind"] == "scaling"}
    assert set(points) == {("strong", 1, 1), ("strong", 2, 1), ("weak", 1, 1), ("weak", 2, 1)}
    assert points[("weak", 2, 1)]["resolution"] == [512, 256]
    assert points[("strong", 2, 1)]["resolution"] == points[("strong", 1, 1)]["resolution"]
    assert points[("strong", 2, 1)]["fake_devices"] and not points[("strong", 1, 1)]["fake_devices"]
    for mode in ("strong", "weak"):
        one, two = points[(mode, 1, 1)], points[(mode, 2, 1)]
        ideal = one["time_per_step_s"] / (2 if mode == "strong" else 1)
        assert two["efficiency"] == pytest.approx(ideal / two["time_per_step_s"])
    # The same problem gives the same answer on 1 and 2 devices.
    assert points[("strong", 2, 1)]["final"]["free_energy"] == pytest.approx(
        points[("strong", 1, 1)]["final"]["free_energy"], rel=1e-12)
    report = cli("report", str(out), "--markdown", "-o", str(tmp_path / "report.md"))
    assert report.returncode == 0, report.stderr
    assert "scaling over devices and processes" in (tmp_path / "report.md").read_text()


def test_scaling_model_limits():
    link = sm.INFINIBAND
    halo = cardiac_communication(100, 20, bytes_per_value=8)
    spectral = phasefield_communication(1024, bytes_per_value=8)
    # A halo does not grow with the device count; an all-to-all's message count does.
    assert halo(2, link) == halo(512, link) == pytest.approx(2 * (link.alpha + 100 * 20 * 8 / link.beta))
    assert spectral(512, link) > spectral(64, link) > 5 * 63 * link.alpha
    # All-to-all volume: each device sends (P - 1)/P of its 1/P share.
    total = 1e9
    assert sm.all_to_all(4, sm.Link("free", 0.0, 1.0), total) == pytest.approx(total * 3 / 16)
    problem = sm.Problem("p", work=1e9, rate=1e9, floor=1e-4, comm=halo)
    assert problem.time_per_step(1, link) == pytest.approx(1.0001)
    assert problem.efficiency(1, link) == pytest.approx(1.0)
    assert 0.99 < problem.efficiency(8, link) < 1.0


def test_scaling_model_covers_every_app_that_declares_a_projection():
    names = [p.name for p in sm.projections()]
    assert len(names) == 3 and any("cardiac" in n for n in names)
    assert all(row.count("|") == 7 for row in sm.table((1, 8, 64, 1024)).splitlines())
