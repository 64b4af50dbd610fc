"""Bad input: one clear message naming the file and key, exit status 2, no traceback,
and nothing already on disk is touched."""

from pathlib import Path

import pytest
from typer.testing import CliRunner

from hanami.cli import app

GOOD = """
app = "phasefield"
name = "tiny"
[grid]
shape = [16, 16]
lengths = [16.0, 16.0]
[initial]
kind = "random"
[stop]
time = 1.0
"""

CASES = {
    # name: (case text or None, extra args, fragments the message must hold)
    "unknown top-level key": (GOOD + "colour = 'red'\n", [], ["colour", "unknown key"]),
    "unknown nested key": (GOOD.replace("[grid]", "[grid]\nshap = [3]"), [], ["grid.shap", "unknown key"]),
    "wrong type": (GOOD.replace("shape = [16, 16]", 'shape = "big"'), [], ["grid.shape", "list"]),
    "out of range": (GOOD + "[model]\nkappa = -1.0\n", [], ["model.kappa", "greater than 0"]),
    "not an app": (GOOD.replace('app = "phasefield"', 'app = "plasma"'), [], ["'app'", "plasma", "phasefield"]),
    "missing app": (GOOD.replace('app = "phasefield"', ""), [], ["missing required key 'app'"]),
    "bad boundary": (GOOD.replace("[grid]", '[grid]\nboundary = "open"'), [], ["grid.boundary", "periodic"]),
    "dimension mismatch": (GOOD.replace("lengths = [16.0, 16.0]", "lengths = [16.0]"), [],
                           ["grid", "same length"]),
    "wells out of order": (GOOD + "[model]\nc_alpha = 0.8\n", [], ["model", "c_alpha < c_beta"]),
    "dt bounds": (GOOD + "[time]\ndt_min = 1.0\ndt_max = 0.1\n", [], ["time", "dt_min"]),
    "no stop condition": (GOOD.replace("time = 1.0", ""), [], ["stop", "at least one"]),
    "bad output format": (GOOD + "[output]\nformat = 'hdf4'\n", [], ["output.format", "netcdf"]),
    "negative output time": (GOOD + "[output]\ntimes = [-1.0]\n", [], ["output.times", ">= 0"]),
    "bm1 initial in 3D": (GOOD.replace('kind = "random"', 'kind = "pfhub-bm1"')
                          .replace("shape = [16, 16]", "shape = [8, 8, 8]")
                          .replace("lengths = [16.0, 16.0]", "lengths = [8.0, 8.0, 8.0]"), [], ["pfhub-bm1", "2D"]),
    "toml syntax": ("app = phasefield [", [], ["not valid TOML"]),
    "bad --set": (GOOD, ["--set", "model.kappa"], ["KEY=VALUE"]),
    "--set wrong type": (GOOD, ["--set", "time.adaptive=maybe"], ["time.adaptive", "boolean"]),
    "bad precision": (GOOD, ["--precision", "float16"], ["float32, float64"]),
    "too many devices": (GOOD, ["--devices", "64"], ["parallel.devices", "visible"]),
    "option and --set of one key": (GOOD, ["--stop-time", "1", "--set", 'stop.time="abc"'],
                                    ["--stop-time", "stop.time", "give it once"]),
    "text for a nondimensional time": (GOOD, ["--set", "stop.time=abc"],
                                       ["stop.time", "nondimensional", "plain number"]),
    "vtk on an ensemble": (GOOD + "[output]\nvtk = true\n", ["--members", "2", "--vary", "model.kappa=1,2"],
                           ["output.vtk", "ensemble"]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_case_gives_exit_2_and_a_message(tmp_path: Path, name: str):
    text, extra, fragments = CASES[name]
    case = tmp_path / "case.toml"
    case.write_text(text)
    result = CliRunner().invoke(app, ["run", str(case), "--out", str(tmp_path / "run"), "-q", *extra])
    assert result.exit_code == 2, result.output
    message = result.stderr
    assert "Traceback" not in result.output + message
    for fragment in fragments:
        assert fragment in message.replace("\n", " "), (fragment, message)
    if not extra:
        assert str(case) in message.replace("\n", "")


def test_missing_file(tmp_path: Path):
    result = CliRunner().invoke(app, ["run", str(tmp_path / "nope.toml"), "-q"])
    assert result.exit_code == 2 and "no such case file" in result.stderr


def test_unknown_case_name():
    result = CliRunner().invoke(app, ["run", "pfhub-bm9", "-q"])
    assert result.exit_code == 2 and "pfhub-bm1a" in result.stderr


def test_directory_is_not_a_case(tmp_path: Path):
    result = CliRunner().invoke(app, ["run", str(tmp_path) + "/", "-q"])
    assert result.exit_code == 2 and "is a directory" in result.stderr


def test_unknown_benchmark():
    result = CliRunner().invoke(app, ["validate", "pfhub-bm99"])
    assert result.exit_code == 2 and "pfhub-bm1a" in result.stderr


def test_restart_of_a_non_run(tmp_path: Path):
    result = CliRunner().invoke(app, ["run", "--restart", str(tmp_path), "-q"])
    assert result.exit_code == 2 and "not a run directory" in result.stderr


def test_existing_run_is_not_overwritten(tmp_path: Path):
    case = tmp_path / "case.toml"
    case.write_text(GOOD)
    out = tmp_path / "run"
    first = CliRunner().invoke(app, ["run", str(case), "--out", str(out), "-q"])
    assert first.exit_code == 0, first.output
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    second = CliRunner().invoke(app, ["run", str(case), "--out", str(out), "-q"])
    assert second.exit_code == 2 and "already holds a run" in second.stderr
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
