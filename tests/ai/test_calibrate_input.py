"""hanami calibrate refuses bad input with one message and exit status 2."""

import numpy as np
import pytest
import xarray as xr

SMALL = ["--set", "grid.shape=[16,16]", "--set", "grid.lengths=[16.0,16.0]", "--set", "time.dt=0.05"]


@pytest.fixture
def observations(tmp_path):
    """c on the 16 x 16 grid at t = 0.5 and 1 (fields layout), and a file of the wrong shape."""
    good = xr.Dataset({"c": (("time", "x", "y"), np.full((2, 16, 16), 0.5), {"units": "1"})},
                      coords={"time": [0.5, 1.0]})
    good.to_netcdf(tmp_path / "good.nc")
    good.isel(x=slice(0, 8)).to_netcdf(tmp_path / "short.nc")
    good.assign_coords(time=[0.5, 1.01]).to_netcdf(tmp_path / "offgrid.nc")
    good.rename({"c": "temperature"}).to_netcdf(tmp_path / "unknown.nc")
    xr.Dataset({"c": (("time", "x", "y"), np.zeros((2, 16, 16)), {"units": "K"})},
               coords={"time": [0.5, 1.0]}).to_netcdf(tmp_path / "kelvin.nc")
    return tmp_path


@pytest.mark.parametrize("file, extra, message", [
    ("good.nc", ["--params", "model.kapa"], "differentiable parameters are: model.kappa, model.mobility"),
    ("short.nc", ["--params", "model.kappa"], "dimension 'x' has 8 points"),
    ("offgrid.nc", ["--params", "model.kappa"], "not a whole number of the case's steps"),
    ("unknown.nc", ["--params", "model.kappa"], "no observed variable of this app"),
    ("kelvin.nc", ["--params", "model.kappa"], "is in 'K'"),
    ("good.nc", ["--params", "model.kappa", "--bounds", "model.kappa=3:4"], "exclude the start value 2"),
    ("missing.nc", ["--params", "model.kappa"], "no such observation file"),
    ("good.nc", ["--params", "model.kappa", "--tolerance", "-1"], "--tolerance -1"),
])
def test_bad_calibration_input(observations, cli, file, extra, message):
    out = observations / "fit"
    result = cli("calibrate", "pfhub-bm1a", "--observations", str(observations / file), *SMALL, *extra,
                 "--out", str(out), "-q", "--steps", "2")
    assert result.returncode == 2, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr
    assert not (out / "calibration.json").exists()
