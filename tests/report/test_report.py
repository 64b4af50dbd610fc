"""`hanami report`: one page and one Markdown file from several machines' records."""

import json
import re
from pathlib import Path

from typer.testing import CliRunner

from hanami.bench.records import read_json
from hanami.bench.summary import fmt
from hanami.cli import app


def throughput_cells(records):
    return [fmt(r["updates_per_s"] / 1e6, ".1f") for r in records if r["kind"] == "throughput"]


def test_records_round_trip(two_machines):
    cpu, gpu, _, real, other = two_machines
    assert read_json(cpu) == real and read_json(gpu) == other


def test_markdown_report_holds_both_machines(two_machines, tmp_path):
    cpu, gpu, validation, real, other = two_machines
    out = tmp_path / "bench.md"
    result = CliRunner().invoke(app, ["report", str(cpu), str(gpu), str(validation), "--markdown", "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert "dev-cpu" in text and "far-gpu: NVIDIA H100 x 1" in text
    for cell in throughput_cells(real) + throughput_cells(other):
        assert f"| {cell} |" in text
    assert "| pfhub-bm1a | VALIDATED |" in text
    ids = [line.split("|")[1].strip() for line in text.splitlines() if line.startswith("| #")]
    assert {f"#{n}" for n in range(1, len(real) + len(other) + 1)} <= set(ids)


def test_html_report_is_self_contained(two_machines, tmp_path):
    cpu, gpu, validation, real, _ = two_machines
    out = tmp_path / "report.html"
    assert CliRunner().invoke(app, ["report", str(cpu), str(gpu), str(validation), "-o", str(out)]).exit_code == 0
    page = out.read_text()
    assert page.startswith("<!DOCTYPE html>") and "<svg" in page
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", page)
    assert "<script" not in page and "<link" not in page and "@import" not in page


def test_report_refuses_bad_input(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"hello": 1}))
    old = tmp_path / "old.json"
    old.write_text(json.dumps({"schema_version": 1, "records": []}))
    for path, fragment in ((bad, "neither"), (old, "schema_version 1"), (tmp_path / "missing.json", "no such file")):
        result = CliRunner().invoke(app, ["report", str(path), "-o", str(tmp_path / "r.html")])
        assert result.exit_code == 2 and fragment in result.stderr, result.stderr
    assert not (tmp_path / "r.html").exists()


def test_report_shows_the_figures_of_hand_written_files(tmp_path):
    """Record and validation files written by hand (tests/report/data): every figure the
    report prints is one typed there, converted as its column says."""
    data = Path(__file__).parent / "data"
    out = tmp_path / "hand.md"
    result = CliRunner().invoke(app, ["report", str(data / "handwritten-records.json"),
                                      str(data / "handwritten-validation.json"), "--markdown", "-o", str(out)])
    assert result.exit_code == 0, result.output
    rows = [[cell.strip() for cell in line.split("|")[1:-1]]
            for line in out.read_text().splitlines() if line.startswith("| ")]
    # 0.004 s per step is 4.000 ms; 62 500 000 updates/s is 62.5 M; F = 321.5 as written
    assert ["#1", "500x500", "float64", "1", "1", "1.25", "4.000", "62.5", "0.50", "-", "F = 321.5"] in rows
    (validation,) = [row for row in rows if row[0] == "pfhub-bm7"]
    assert validation[1:4] == ["VERIFIED", "0 / 2", "space_order = 2.04, time_order = 1.004"]
    assert "hanami validate pfhub-bm7 --quick" in validation
    (provenance,) = [row for row in rows if row[0] == "#1" and row[2] == "throughput"]
    assert "hanami bench --app phasefield --json hand.json" in provenance and "0.1.0 (0123456789ab)" in provenance


def test_inexact_revisions_are_marked():
    from hanami.bench.summary import revision_label

    assert revision_label("0123456789ab") == "0123456789ab"
    assert revision_label("0123456789ab-dirty-a1b2c3d4e5f6") == "0123456789ab-dirty-a1b2c3d4e5f6"
    assert revision_label("0123456789ab-dirty") == "0123456789ab-dirty (inexact)"
    assert revision_label("unknown") == "unknown (inexact)"
