"""Case files beyond BM1: any rectangle, parameters and seed; 1D and 3D boxes."""

import numpy as np
import pytest

from hanami.runner import run_case


@pytest.mark.parametrize("boundary,shape,lengths", [
    ("periodic", [64, 40], [80.0, 50.0]),
    ("no-flux", [48, 30], [60.0, 30.0]),
    ("no-flux", [12, 10, 8], [24.0, 20.0, 16.0]),
    ("periodic", [128], [100.0]),
])
def test_rectangle_with_random_start_conserves_mass_and_lowers_energy(tmp_path, boundary, shape, lengths):
    result = run_case("pfhub-bm1a", out=tmp_path / "run", stop_time=50.0, progress=False, overrides=[
        f"grid.shape={shape}", f"grid.lengths={lengths}", f'grid.boundary="{boundary}"',
        'initial.kind="random"', "initial.seed=7", "initial.c0=0.45", "initial.epsilon=0.05",
        "model.kappa=1.0", "model.mobility=2.0", "model.rho_s=3.0", "model.c_alpha=0.2", "model.c_beta=0.8",
        "output.times=[0.0, 25.0]"])
    ds = result.dataset
    assert ds["c"].shape == (3, *shape)
    energy = np.array([row["free_energy"] for row in result.history])
    mass = np.array([row["mass"] for row in result.history])
    assert np.all(np.diff(energy) <= 1e-10 * abs(energy[0]))
    assert energy[-1] < 0.9 * energy[0]  # phase separation has started
    assert np.max(np.abs(mass - mass[0])) < 1e-13
    assert (tmp_path / "run" / "c_final.png").exists()


def test_seed_changes_the_start(tmp_path):
    finals = []
    for seed in (1, 2):
        result = run_case("pfhub-bm1a", out=tmp_path / f"s{seed}", stop_time=1.0, progress=False, overrides=[
            "grid.shape=[32, 32]", "grid.lengths=[32.0, 32.0]", 'initial.kind="random"', f"initial.seed={seed}",
            "output.plots=false"])
        finals.append(result.dataset["c"].values[0])
    assert not np.array_equal(finals[0], finals[1])
