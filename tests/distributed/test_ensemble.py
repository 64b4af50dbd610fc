"""Ensembles: N members as one vmapped batch equal N separate runs."""

import numpy as np
import pytest
import xarray as xr

from hanami.runner import run_case

KAPPAS = [1.5, 2.0, 2.5, 3.0]
COMMON = ["pfhub-bm1a", "-q", "--stop-time", "20", "--set", "output.plots=false", "--set", "output.times=[10]"]

# Members are vmapped: batched FFTs and reductions may sum in another order than
# a single run's; each member keeps its own adaptive step sequence.
TOLERANCE = 1e-11


@pytest.mark.xdist_group("ensemble")
def test_four_members_equal_four_runs(tmp_path, cli):
    result = cli("run", *COMMON, "--out", str(tmp_path / "ens"), "--vary",
                 "model.kappa=" + ",".join(map(str, KAPPAS)))
    assert result.returncode == 0, result.stderr
    with xr.open_dataset(tmp_path / "ens" / "output.nc") as ens:
        ens = ens.load()
    assert ens.sizes["member"] == 4
    assert list(ens["model_kappa"].values) == KAPPAS
    for i, kappa in enumerate(KAPPAS):
        run_case("pfhub-bm1a", out=tmp_path / f"k{i}", stop_time=20.0, progress=False,
                 overrides=[f"model.kappa={kappa}", "output.plots=false", "output.times=[10]"])
        with xr.open_dataset(tmp_path / f"k{i}" / "output.nc") as one:
            one = one.load()
        assert list(one["time"].values) == list(ens["time"].values)
        c_diff = float(np.max(np.abs(one["c"].values - ens["c"].isel(member=i).values)))
        f_diff = float(np.max(np.abs(one["free_energy"].values - ens["free_energy"].isel(member=i).values)))
        print(f"member {i} (kappa {kappa}): max |dc| = {c_diff:.2e}, max |dF| = {f_diff:.2e}")
        assert c_diff < TOLERANCE and f_diff < TOLERANCE * 1e3
    # The members really differ (kappa sets the interface energy).
    assert np.ptp(ens["free_energy"].isel(time=-1).values) > 10.0


@pytest.mark.slow
@pytest.mark.xdist_group("ensemble")
def test_members_split_over_devices_and_restart(tmp_path, cli):
    four = {"XLA_FLAGS": "--xla_force_host_platform_device_count=4"}
    vary = ["--vary", "model.kappa=1.5:3", "--members", "4", "--set", "checkpoint.interval=10"]
    whole = cli("run", *COMMON, *vary, "--out", str(tmp_path / "one"), "--devices", "1", env=four)
    assert whole.returncode == 0, whole.stderr
    split = cli("run", *COMMON[:3], "10", *COMMON[4:], *vary, "--out", str(tmp_path / "four"), "--devices", "4",
                env=four)
    assert split.returncode == 0, split.stderr
    resumed = cli("run", "--restart", str(tmp_path / "four"), "--stop-time", "20", "-q", "--devices", "4", env=four)
    assert resumed.returncode == 0, resumed.stderr
    with xr.open_dataset(tmp_path / "one" / "output.nc") as a, xr.open_dataset(tmp_path / "four" / "output.nc") as b:
        assert b.attrs["devices_used"] == 4 and a.attrs["devices_used"] == 1
        assert list(a["time"].values) == list(b["time"].values)
        difference = float(np.max(np.abs(a["c"].values - b["c"].values)))
        print(f"4 members on 4 devices, restarted at t = 10, vs 1 device: max |dc| = {difference:.2e}")
        assert difference < TOLERANCE


@pytest.mark.parametrize("vary, message", [
    (["--vary", "model.kapa=1,2"], "model.kapa"),
    (["--vary", "model.kappa=1,2", "--members", "3"], "2 values for 3 members"),
    (["--vary", "grid.shape=[100,100],[200,200]"], "members must share the grid"),
    (["--vary", "model.kappa=1:2"], "needs --members"),
    (["--vary", "precision=float32,float64"], "cannot vary"),
])
def test_bad_ensembles_are_refused(tmp_path, cli, vary, message):
    result = cli("run", *COMMON, "--out", str(tmp_path / "bad"), *vary)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "bad").exists()


def _members_equal_separate_runs(tmp_path, case, key, values, stop_time, field, overrides=()):
    """An ensemble varying `key` equals separate runs (members 0 and last); the members differ."""
    common = [*overrides, "output.plots=false", "output.times=[]"]
    run_case(case, out=tmp_path / "ens", stop_time=stop_time, progress=False, overrides=common,
             ensemble={"members": len(values), "vary": {key: values}})
    with xr.open_dataset(tmp_path / "ens" / "output.nc") as ens:
        ens = ens.load()
    for i in (0, len(values) - 1):
        run_case(case, out=tmp_path / f"m{i}", stop_time=stop_time, progress=False,
                 overrides=common + [f"{key}={values[i]}"])
        with xr.open_dataset(tmp_path / f"m{i}" / "output.nc") as one:
            # Batched matrix products and stencils may sum in another order: round-off only.
            difference = float(np.max(np.abs(one[field].values - ens[field].isel(member=i).values)))
            print(f"{case} {key} = {values[i]}: max |d{field}| = {difference:.2e}")
            assert difference < 1e-9
    # The varied value matters: the members differ by more than round-off.
    assert float(np.max(np.abs(ens[field].isel(member=0) - ens[field].isel(member=-1)))) > 1.0


@pytest.mark.xdist_group("ensemble")
def test_climate_members_equal_separate_runs(tmp_path):
    _members_equal_separate_runs(tmp_path, "williamson-tc5", "initial.mountain_height", [0.0, 1000.0, 2000.0],
                                 "12 h", "h", ["grid.truncation=21"])


@pytest.mark.xdist_group("ensemble")
def test_cardiac_members_equal_separate_runs(tmp_path):
    _members_equal_separate_runs(tmp_path, "niederer-dx0.5", "model.sigma_l", [0.1, 0.1334, 0.17], 6.0, "V")
