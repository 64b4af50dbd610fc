"""Two local processes with jax.distributed (gloo on CPU) equal one process."""

import json

import numpy as np
import pytest
import xarray as xr

from hanami.core.distributed import detect_launch

ARGS = ["-q", "--set", "output.plots=false", "--set", "output.times=[25]"]

# The 2-process FFTs split the grid between processes; sums run in another order.
TOLERANCE = 1e-10


@pytest.mark.slow
@pytest.mark.xdist_group("processes")
def test_two_processes_equal_one_and_restart(tmp_path, cli):
    one = cli("run", "pfhub-bm1a", *ARGS, "--stop-time", "50", "--out", str(tmp_path / "one"))
    assert one.returncode == 0, one.stderr
    # Stopped half way and restarted on the same process count.
    two = cli("run", "pfhub-bm1a", *ARGS, "--stop-time", "25", "--out", str(tmp_path / "two"), "--processes", "2")
    assert two.returncode == 0, two.stderr
    more = cli("run", "--restart", str(tmp_path / "two"), "--stop-time", "50", "-q", "--processes", "2")
    assert more.returncode == 0, more.stderr
    summary = json.loads((tmp_path / "two" / "summary.json").read_text())
    assert summary["provenance"]["processes"] == 2 and summary["provenance"]["devices_used"] == 2
    with xr.open_dataset(tmp_path / "one" / "output.nc") as a, xr.open_dataset(tmp_path / "two" / "output.nc") as b:
        assert list(a["model_time"].values) == list(b["model_time"].values) == [0.0, 25.0, 50.0]
        assert list(a["iteration"].values) == list(b["iteration"].values)
        difference = float(np.max(np.abs(a["c"].values - b["c"].values)))
        print(f"2 processes (restarted at t = 25) vs 1: max |dc| = {difference:.2e}")
        assert difference < TOLERANCE


def test_a_failing_process_stops_the_others(tmp_path, cli):
    # A case error is found by every process; the launcher reports it once and exits 2.
    result = cli("run", "pfhub-bm1a", "-q", "--set", "model.kappa=-1", "--out", str(tmp_path / "bad"),
                 "--processes", "2", timeout=120)
    assert result.returncode == 2
    assert "model.kappa" in result.stderr


@pytest.mark.parametrize("env, expected", [
    ({}, None),
    ({"SLURM_NTASKS": "8", "SLURM_PROCID": "3", "SLURM_STEP_ID": "0", "SLURM_JOB_ID": "42"}, ("slurm", 8, 3)),
    ({"SLURM_NTASKS": "8", "SLURM_PROCID": "0", "SLURM_JOB_ID": "42"}, None),  # the batch script, not srun
    ({"OMPI_COMM_WORLD_SIZE": "4", "OMPI_COMM_WORLD_RANK": "2"}, ("openmpi", 4, 2)),
    ({"OMPI_COMM_WORLD_SIZE": "1", "OMPI_COMM_WORLD_RANK": "0"}, None),
    ({"HANAMI_NUM_PROCESSES": "2", "HANAMI_PROCESS_ID": "1", "HANAMI_COORDINATOR": "h:1"}, ("hanami", 2, 1)),
])
def test_launch_detection(env, expected):
    launch = detect_launch(env)
    got = None if launch is None else (launch.launcher, launch.num_processes, launch.process_id)
    assert got == expected
