"""A run that blows up stops with exit 3, says where and why, and keeps its last good checkpoint."""

import numpy as np

from hanami.core.checkpoint import list_checkpoints, load_checkpoint


def test_huge_dt_gives_exit_3_and_keeps_the_checkpoint(tmp_path, cli):
    out = tmp_path / "run"
    result = cli("run", "pfhub-bm1a", "--out", str(out), "-q", "--stop-time", "2000",
                 "--set", "grid.shape=[64, 64]", "--set", "grid.lengths=[64.0, 64.0]",
                 "--set", "model.stabilisation=0.0", "--set", "time.adaptive=false", "--set", "time.dt=5.0",
                 "--set", "time.order=1", "--checkpoint-every", "50")
    assert result.returncode == 3, result.stdout + result.stderr
    message = " ".join(result.stderr.split())
    assert "Traceback" not in message
    assert "blew up at t =" in message and "iteration" in message and "field 'c'" in message
    assert "time step is probably too large" in message
    checkpoints = list_checkpoints(out / "checkpoints")
    assert checkpoints and str(checkpoints[-1].name) in message
    state, history, _ = load_checkpoint(checkpoints[-1])
    assert np.all(np.isfinite(state.fields["c"]))
    assert history and all(np.isfinite(row["free_energy"]) for row in history)
