"""What a run directory holds: resolved case, CF dataset (NetCDF or Zarr), summary, plots."""

import json
import tomllib
from pathlib import Path

import numpy as np
import xarray as xr

ARGS = ["pfhub-bm1a", "-q", "--stop-time", "20", "--set", "grid.shape=[48, 48]",
        "--set", "grid.lengths=[48.0, 48.0]", "--set", "output.times=[0.0, 5.0, 10.0]"]


def test_run_directory_contents(tmp_path, cli):
    out = tmp_path / "run"
    result = cli("run", *ARGS, "--set", "model.kappa=1.5", "--out", str(out))
    assert result.returncode == 0, result.stderr
    case = tomllib.loads((out / "case.toml").read_text())
    assert case["model"]["kappa"] == 1.5 and case["stop"]["time"] == 20.0
    assert case["time"]["tolerance"] == 1e-4  # defaults are written out too
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "completed" and summary["time"] == 20.0
    assert set(summary["timings_s"]) >= {"compile", "run", "output"}
    prov = summary["provenance"]
    assert prov["precision"] == "float64" and prov["jax_version"] and prov["device"] and prov["git_revision"]
    assert prov["devices_used"] == 1
    with xr.open_dataset(out / "output.nc") as ds:
        # The model clock beside the CF time axis (model units counted as seconds from 2000-01-01).
        assert list(ds["model_time"].values) == [0.0, 5.0, 10.0, 20.0]
        assert ds["time"].values[-1] - ds["time"].values[0] == np.timedelta64(20, "s")
        assert ds["c"].dims == ("time", "y", "x") and ds["c"].shape == (4, 48, 48)
        assert ds["c"].dtype == np.float64
        assert ds["c"].attrs["long_name"] == "composition" and ds.attrs["Conventions"] == "CF-1.8"
        assert ds["x"].values[1] - ds["x"].values[0] == 1.0
        assert tomllib.loads(ds.attrs["case_toml"])["model"]["kappa"] == 1.5
        energy = ds["free_energy"].values
        assert np.all(np.diff(energy) < 0)
        np.testing.assert_allclose(ds["c"].mean(("x", "y")).values, ds["c"].values[0].mean(), rtol=1e-13)
    for picture in ("c_final.png", "free_energy.png"):
        assert (out / picture).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    leftovers = [p.name for p in out.rglob("*") if p.name.endswith(".tmp")]
    assert not leftovers


def test_zarr_output_float32(tmp_path, cli):
    out = tmp_path / "run"
    result = cli("run", *ARGS, "--set", "output.format=zarr", "--precision", "float32", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert not (out / "output.nc").exists()
    with xr.open_zarr(out / "output.zarr", decode_times=False) as ds:
        assert ds["c"].dtype == np.float32
        assert list(ds["time"].values) == [0.0, 5.0, 10.0, 20.0]
        assert ds.attrs["precision"] == "float32"
        assert np.all(np.isfinite(ds["c"].values))


def test_list_shows_shipped_cases(cli):
    result = cli("list")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert any(line.startswith("pfhub-bm1a") and "periodic" in line for line in lines)
    assert any(line.startswith("pfhub-bm1b") for line in lines)
    # The README's example lists every shipped case, as the command prints it.
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    shown = readme.split("$ hanami list\n", 1)[1].split("```", 1)[0].splitlines()
    assert shown == lines
