"""Cardiac and climate laid out on 2 and 4 (fake CPU) devices, and on 2 processes, equal 1 device.

Neither app's first axis divides by the device counts here (41 nodes along x;
43 zonal wavenumbers at T42), so these runs also check the padded layout.
"""

import numpy as np
import pytest
import xarray as xr

FOUR = {"XLA_FLAGS": "--xla_force_host_platform_device_count=4"}
RUNS = {
    "cardiac": ["niederer-dx0.5", "--stop-time", "8", "--set", "output.times=[4]"],
    "climate": ["williamson-tc5", "--stop-time", "43200", "--set", "grid.truncation=42",
                "--set", "output.times=[21600]"],
}
COMPARED = {"cardiac": ("V", "activation_time"), "climate": ("h", "vorticity", "u")}

# A partitioned stencil or transform may sum in another order: differences stay at
# round-off (relative to the field's scale).
RELATIVE_TOLERANCE = 1e-12


def _compare(app, one, other, label):
    with xr.open_dataset(one / "output.nc") as a, xr.open_dataset(other / "output.nc") as b:
        assert list(a["time"].values) == list(b["time"].values)
        assert list(a["iteration"].values) == list(b["iteration"].values)
        for name in COMPARED[app]:
            x, y = a[name].values, b[name].values
            assert np.array_equal(np.isnan(x), np.isnan(y)), name
            scale = np.nanmax(np.abs(x))
            difference = float(np.nanmax(np.abs(x - y)) / scale)
            print(f"{app} {label}: max |d{name}| / max |{name}| = {difference:.2e}")
            assert difference < RELATIVE_TOLERANCE
        return b.attrs


@pytest.mark.parametrize("app", ["cardiac", pytest.param("climate", marks=pytest.mark.slow)])
def test_devices_equal_one(app, tmp_path, cli):
    args = [*RUNS[app], "-q", "--set", "output.plots=false"]
    one = cli("run", *args, "--out", str(tmp_path / "d1"), "--devices", "1", env=FOUR)
    assert one.returncode == 0, one.stderr
    for n in (2, 4):
        result = cli("run", *args, "--out", str(tmp_path / f"d{n}"), "--devices", str(n), env=FOUR)
        assert result.returncode == 0, result.stderr
        attrs = _compare(app, tmp_path / "d1", tmp_path / f"d{n}", f"{n} devices")
        assert attrs["devices_used"] == n


@pytest.mark.slow
@pytest.mark.xdist_group("processes")
@pytest.mark.parametrize("app", sorted(RUNS))
def test_two_processes_equal_one(app, tmp_path, cli):
    args = [*RUNS[app], "-q", "--set", "output.plots=false"]
    one = cli("run", *args, "--out", str(tmp_path / "p1"))
    assert one.returncode == 0, one.stderr
    two = cli("run", *args, "--out", str(tmp_path / "p2"), "--processes", "2")
    assert two.returncode == 0, two.stderr
    attrs = _compare(app, tmp_path / "p1", tmp_path / "p2", "2 processes")
    assert attrs["processes"] == 2
