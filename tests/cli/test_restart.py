"""Exact restarts: a run killed with SIGKILL mid-way, restarted from its newest
checkpoint, finishes bit for bit equal to an uninterrupted run."""

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import xarray as xr

from hanami.core.checkpoint import list_checkpoints

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ARGS = ["pfhub-bm1a", "-q", "--stop-time", "400", "--checkpoint-every", "20",
        "--set", "grid.shape=[96, 96]", "--set", "grid.lengths=[96.0, 96.0]",
        "--set", "output.times=[0.0, 10.0, 100.0]", "--set", "output.interval=50.0",
        "--set", "output.plots=false", "--set", "time.tolerance=1e-5"]


def assert_same_run(a, b):
    with xr.open_dataset(a / "output.nc") as da, xr.open_dataset(b / "output.nc") as db:
        assert list(da["time"].values) == list(db["time"].values)
        assert np.array_equal(da["c"].values, db["c"].values)
        assert np.array_equal(da["free_energy"].values, db["free_energy"].values)
        assert np.array_equal(da["iteration"].values, db["iteration"].values)
    sa, sb = (json.loads((d / "summary.json").read_text()) for d in (a, b))
    assert sa["iteration"] == sb["iteration"] and sa["diagnostics"] == sb["diagnostics"]
    last_a = list_checkpoints(a / "checkpoints")[-1]
    last_b = list_checkpoints(b / "checkpoints")[-1]
    with np.load(last_a) as ca, np.load(last_b) as cb:
        for key in ("field/c", "t", "iteration", "dt", "rejected", "history/values"):
            assert np.array_equal(ca[key], cb[key]), key


def test_sigkill_then_restart_is_bit_for_bit(tmp_path, cli):
    whole = tmp_path / "whole"
    assert cli("run", *ARGS, "--out", str(whole)).returncode == 0

    killed = tmp_path / "killed"
    proc = subprocess.Popen([sys.executable, "-m", "hanami.cli", "run", *ARGS, "--out", str(killed)],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and len(list_checkpoints(killed / "checkpoints")) < 3:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    kept = list_checkpoints(killed / "checkpoints")
    assert kept, "no checkpoint before the kill"
    assert not (killed / "summary.json").exists(), "the run finished before it was killed; kill it sooner"

    result = cli("run", "--restart", str(killed), "-q")
    assert result.returncode == 0, result.stderr
    assert_same_run(whole, killed)
    # CF history: the restart appends its own entry to the first run's
    with xr.open_dataset(whole / "output.nc") as dw, xr.open_dataset(killed / "output.nc") as dk:
        first, restart = dk.attrs["history"].splitlines()
        assert len(dw.attrs["history"].splitlines()) == 1 and "--restart" not in first
        assert f"--restart {killed}" in restart and "hanami run" in restart


@pytest.mark.slow
def test_restart_with_a_later_stop_time_continues(tmp_path, cli):
    out = tmp_path / "run"
    assert cli("run", *ARGS[:2], "--stop-time", "50", *ARGS[4:], "--out", str(out)).returncode == 0
    result = cli("run", "--restart", str(out), "-q", "--stop-time", "120")
    assert result.returncode == 0, result.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["time"] == 120.0
    with xr.open_dataset(out / "output.nc") as ds:
        times = list(ds["model_time"].values)
    assert times == [0.0, 10.0, 50.0, 100.0, 120.0]
    again = cli("run", "--restart", str(out), "-q", "--stop-time", "100")
    assert again.returncode == 2 and "already reached" in again.stderr


def test_restart_refuses_a_changed_grid_or_precision(tmp_path, cli):
    out = tmp_path / "run"
    assert cli("run", *ARGS[:2], "--stop-time", "5", *ARGS[4:], "--out", str(out)).returncode == 0
    for change in (["--set", "grid.shape=[64, 64]"], ["--precision", "float32"]):
        result = cli("run", "--restart", str(out), "-q", "--stop-time", "10", *change)
        assert result.returncode == 2, result.stderr
        assert "does not match the case" in result.stderr and "Traceback" not in result.stderr
