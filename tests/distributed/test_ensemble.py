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


@pytest.mark.xdist_group("ensemble")
def test_climate_members_equal_separate_runs(tmp_path):
    heights = [0.0, 1000.0, 2000.0]
    common = ["grid.truncation=21", "output.plots=false", "output.times=[]"]
    run_case("williamson-tc5", out=tmp_path / "ens", stop_time="12 h", progress=False, overrides=common,
             ensemble={"members": 3, "vary": {"initial.mountain_height": heights}})
    with xr.open_dataset(tmp_path / "ens" / "output.nc") as ens:
        ens = ens.load()
    for i, height in enumerate(heights):
        run_case("williamson-tc5", out=tmp_path / f"m{i}", stop_time="12 h", progress=False,
                 overrides=common + [f"initial.mountain_height={height}"])
        with xr.open_dataset(tmp_path / f"m{i}" / "output.nc") as one:
            # Batched Legendre matrix products sum in another order: round-off of h ~ 5e3 m.
            difference = float(np.max(np.abs(one["h"].values - ens["h"].isel(member=i).values)))
            print(f"mountain {height:g} m: max |dh| = {difference:.2e} m")
            assert difference < 1e-9
    # The mountain matters: the members differ by metres.
    assert float(np.max(np.abs(ens["h"].isel(member=0) - ens["h"].isel(member=2)))) > 1.0


@pytest.mark.xdist_group("ensemble")
def test_cardiac_members_equal_separate_runs(tmp_path):
    sigmas = [0.1, 0.1334, 0.17]
    common = ["output.plots=false", "output.times=[]"]
    run_case("niederer-dx0.5", out=tmp_path / "ens", stop_time=6.0, progress=False, overrides=common,
             ensemble={"members": 3, "vary": {"model.sigma_l": sigmas}})
    with xr.open_dataset(tmp_path / "ens" / "output.nc") as ens:
        ens = ens.load()
    for i in (0, 2):
        run_case("niederer-dx0.5", out=tmp_path / f"s{i}", stop_time=6.0, progress=False,
                 overrides=common + [f"model.sigma_l={sigmas[i]}"])
        with xr.open_dataset(tmp_path / f"s{i}" / "output.nc") as one:
            difference = float(np.max(np.abs(one["V"].values - ens["V"].isel(member=i).values)))
            print(f"sigma_l {sigmas[i]}: max |dV| = {difference:.2e} mV")
            assert difference < 1e-9
    assert float(np.max(np.abs(ens["V"].isel(member=0) - ens["V"].isel(member=2)))) > 1.0
