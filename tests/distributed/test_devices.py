"""BM1a laid out on 4 (fake CPU) devices equals the 1-device run to round-off."""

import numpy as np
import xarray as xr

FOUR = {"XLA_FLAGS": "--xla_force_host_platform_device_count=4"}
ARGS = ["pfhub-bm1a", "-q", "--stop-time", "100", "--set", "output.plots=false"]

# The sharded FFTs sum in another order; differences stay at round-off and
# the adaptive step sequence is unchanged.
TOLERANCE = 1e-10


def test_four_devices_equal_one(tmp_path, cli):
    one, four = tmp_path / "one", tmp_path / "four"
    r1 = cli("run", *ARGS, "--out", str(one), "--devices", "1", env=FOUR)
    r4 = cli("run", *ARGS, "--out", str(four), "--devices", "4", env=FOUR)
    assert r1.returncode == 0, r1.stderr
    assert r4.returncode == 0, r4.stderr
    with xr.open_dataset(one / "output.nc") as a, xr.open_dataset(four / "output.nc") as b:
        # each output names the devices its run used (the process saw four both times)
        assert a.attrs["device"].startswith("1 x cpu") and b.attrs["device"].startswith("4 x cpu")
        assert (a.attrs["devices_used"], b.attrs["devices_used"]) == (1, 4)
        assert list(a["iteration"].values) == list(b["iteration"].values)
        difference = float(np.max(np.abs(a["c"].values - b["c"].values)))
        print(f"max |c(4 devices) - c(1 device)| = {difference:.3e}")
        assert difference < TOLERANCE
