"""Pseudo-ECG (the [ecg] table): a plane wave in a strip against the closed form of a travelling dipole."""

import numpy as np
import pytest
import xarray as xr

from hanami.errors import CaseError
from hanami.runner import load_case, run_case

STRIP = """
app = "cardiac"
name = "ecg-strip"
precision = "float64"
[grid]
lengths = [40.0, 1.0]
dx = 0.25
[model]
fibre = [1.0, 0.0]
[[stimulus]]
strength = 50000.0
duration = 2.0
lower = [0.0, 0.0]
upper = [1.5, 1.0]
[ecg]
electrodes = { side = [20.0, 6.5], ahead = [55.0, 0.5], behind = [-15.0, 0.5] }
[[ecg.leads]]
name = "side"
positive = "side"
[[ecg.leads]]
name = "ahead"
positive = "ahead"
[[ecg.leads]]
name = "across"
positive = "ahead"
negative = "behind"
[time]
dt = 0.02
adaptive = false
[stop]
time = 72.0
[diagnostics]
every_iterations = 5
[output]
times = [72.0]
"""


@pytest.mark.xdist_group("ecg")
def test_a_plane_wave_seen_from_afar_is_a_travelling_dipole(tmp_path):
    """Verification against the far field of the wavefront, a dipole p moving along the strip at s(t)
    (s from the computed activation times): phi = p (x_e - s) / ((x_e - s)^2 + d^2)^(3/2) at an
    electrode d = 6 mm to the side of x_e = 20 mm: positive while the wave approaches, zero as it
    passes, negative after, extremes at s = x_e -/+ d / sqrt(2) (measured 15.57, 19.77, 23.82 mm
    against 15.76, 20, 24.24: within 0.5 mm, half the upstroke's width); on the axis 35 mm ahead,
    phi (x_e - s)^2 = p stays constant (measured within 4 %), and a bipolar lead is the difference."""
    case = tmp_path / "strip.toml"
    case.write_text(STRIP)
    result = run_case(case, out=tmp_path / "run", progress=False)
    with xr.open_dataset(tmp_path / "run" / "diagnostics.nc", decode_times=False) as d:
        t, side, ahead, across = (d[k].values for k in ("time", "ecg_side", "ecg_ahead", "ecg_across"))
        assert d["ecg_side"].attrs["units"] == "mV"
    act = result.dataset["activation_time"].isel(time=-1).sel(y=0.5).values
    front = np.interp(t, act, result.dataset["x"].values)
    away = (front > 8.0) & (front < 32.0)
    d, x_e = 6.0, 20.0
    assert front[np.argmax(side)] == pytest.approx(x_e - d / np.sqrt(2), abs=0.5)
    assert front[np.argmin(side)] == pytest.approx(x_e + d / np.sqrt(2), abs=0.5)
    crossing = np.flatnonzero((side[:-1] > 0) & (side[1:] <= 0) & away[1:])
    assert len(crossing) == 1 and front[crossing[0]] == pytest.approx(x_e, abs=0.5)
    moment = ahead[away] * (55.0 - front[away]) ** 2
    assert np.all(ahead[away] > 0) and np.ptp(moment) < 0.1 * moment.mean()
    assert np.all(across[away] > ahead[away])  # minus the behind electrode, which reads negative
    assert (tmp_path / "run" / "ecg.png").exists()


def test_electrodes_are_checked(tmp_path):
    with pytest.raises(CaseError, match="lead 'x' uses electrode 'nowhere'"):
        load_case("niederer-dx0.5", ['ecg.electrodes={a = [30.0, 3.0, 1.0]}',
                                     'ecg.leads=[{name = "x", positive = "nowhere"}]'])
    with pytest.raises(CaseError, match="needs 3 coordinates"):
        load_case("niederer-dx0.5", ["ecg.electrodes={a = [30.0, 3.0]}"])
    with pytest.raises(CaseError, match="at least dx"):
        run_case("niederer-dx0.5", out=tmp_path / "r", overrides=["ecg.electrodes={a = [10.0, 3.0, 1.0]}"],
                 progress=False, stop_time=1.0)
