"""Every app's files as the communities' tools read them: the IOOS compliance checker (CF-1.8, pinned),
ParaView's NetCDF CF reader (VTK), cf-xarray, and the VTK image data series `output.vtk` writes.

Each output is a small run of a shipped case; the checks compare what each tool reads with
xarray's view of the same file.
"""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from hanami.errors import CaseError
from hanami.runner import run_case
from tests.cf_tools import cf_findings, read_with_vtk_cf_reader

pytestmark = pytest.mark.xdist_group("cf-outputs")

BOX = ["grid.shape=[24, 24]", "grid.lengths=[24.0, 24.0]", "output.plots=false"]
# name: (case, overrides, stop time, probe coordinates or None)
RUNS = {
    "cahn-hilliard": ("pfhub-bm1a", BOX + ["output.vtk=true"], 1.0, {"x": [3.0, 10.5], "y": [4.0, 20.0]}),
    "ostwald": ("pfhub-bm2a", BOX, 0.05, None),
    "dendrite": ("pfhub-bm3-quick", ["grid.shape=[24, 24]", "grid.lengths=[19.2, 19.2]", "output.plots=false"],
                 0.5, None),
    "manufactured": ("pfhub-bm7", ["grid.shape=[40, 20]", "output.plots=false"], 0.01, None),
    "nucleation": ("pfhub-bm8c-quick", ["grid.shape=[40, 40]", "grid.lengths=[20.0, 20.0]", "initial.count=4",
                                        "output.plots=false"], 0.5, None),
    "shallow-water": ("williamson-tc5", ["grid.truncation=10", "output.plots=false"], "2 hours",
                      {"lat": [10.0, -45.5], "lon": [20.0, 300.0]}),
    "tissue": ("niederer-dx0.5", ["output.vtk=true", "output.plots=false"], 2.0,
               {"x": [1.0, 5.2], "y": [1.0, 2.0], "z": [0.5, 1.5]}),
    "cell": ("tp06-cell", ["output.plots=false"], 3.0, None),
    "ensemble": ("pfhub-bm1a", BOX, 1.0, {"x": [3.0], "y": [4.0]}),
    "zarr": ("pfhub-bm1a", BOX + ["output.format=zarr"], 1.0, None),
}
ENSEMBLE = {"members": 2, "vary": {"model.kappa": [1.5, 2.0]}}
# Phase-field boxes are nondimensional: CF names no axis for a dimensionless x, y, so the checker
# cannot guess their type and warns about the order it cannot verify (T, Y, X is what is written).
NONDIMENSIONAL = {"cahn-hilliard", "ostwald", "dendrite", "manufactured", "nucleation", "ensemble"}
NETCDF = len(RUNS) - 1


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("cf")
    out = {}
    for name, (case, overrides, stop, points) in RUNS.items():
        probes = None
        if points is not None:
            probes = root / f"{name}-probes.nc"
            xr.Dataset(coords={k: ("probe", v) for k, v in points.items()}).to_netcdf(probes)
        out[name] = run_case(case, out=root / name, overrides=overrides, stop_time=stop, progress=False,
                             ensemble=ENSEMBLE if name == "ensemble" else None, probes=probes).run_dir
    return out


def _files(runs: dict[str, Path]) -> list[tuple[str, Path]]:
    return [(name, path) for name, run in runs.items() for path in sorted(run.glob("*.nc"))]


def test_every_output_passes_the_cf_checker(runs):
    """0 errors on every app's output.nc and probes.nc; the only warning is the documented one."""
    checked = []
    for name, path in _files(runs):
        found = cf_findings(path)
        assert found["errors"] == [], (name, path.name, found["errors"])
        allowed = [w for w in found["warnings"] if name in NONDIMENSIONAL and "§2.4" in w
                   and "y (U), x (U)" in w]
        assert sorted(found["warnings"]) == sorted(allowed), (name, path.name, found["warnings"])
        checked.append(f"{name}/{path.name}")
    assert len(checked) == NETCDF + len(RUNS) + 4  # output.nc, every diagnostics.nc, the probes of four


def test_zarr_store_has_the_netcdf_form(runs):
    """The checker reads NetCDF only (not Zarr 3): the store must hold what the checked NetCDF file holds."""
    with xr.open_zarr(runs["zarr"] / "output.zarr", decode_times=False) as z, \
            xr.open_dataset(runs["cahn-hilliard"] / "output.nc", decode_times=False) as n:
        assert set(z.variables) == set(n.variables)
        for name in n.variables:
            assert z[name].dims == n[name].dims and z[name].dtype == n[name].dtype, name
            assert z[name].attrs == n[name].attrs, name
        same = {"Conventions", "title", "case_name", "app", "precision"}
        assert {k: z.attrs[k] for k in same} == {k: n.attrs[k] for k in same}
        assert "hanami" in z.attrs["history"]


def test_the_checker_catches_what_cf_forbids(runs, tmp_path):
    """The checker itself fails a file with the faults hanami's files used to have."""
    with xr.open_dataset(runs["tissue"] / "output.nc", decode_times=False) as ds:
        bad = ds.load()
    bad["time"].attrs["units"] = "ms"
    bad["iteration"] = bad["iteration"].astype(np.int64)
    bad["x"].encoding["_FillValue"] = -1.0
    bad.to_netcdf(tmp_path / "bad.nc")
    errors = " ".join(cf_findings(tmp_path / "bad.nc")["errors"])
    assert "int64" in errors and "_FillValue" in errors and "since" in errors


def test_time_axis_and_model_clock(runs):
    """CF time axis in the model's unit from 2000-01-01, the model clock beside it, history, conventions."""
    with xr.open_dataset(runs["tissue"] / "output.nc") as ds:
        assert ds["time"].dtype.kind == "M" and ds.attrs["Conventions"] == "CF-1.8"
        elapsed = (ds["time"] - ds["time"][0]).values / np.timedelta64(1, "ms")
        np.testing.assert_allclose(elapsed, ds["model_time"].values)
        assert ds["model_time"].attrs["units"] == "ms" and ds["model_time"].values[-1] == 2.0
        assert ds["V"].dims == ("time", "z", "y", "x") and ds["iteration"].dtype == np.int32
        assert "hanami" in ds.attrs["history"] and len(ds.attrs["history"].splitlines()) == 1
    with xr.open_dataset(runs["shallow-water"] / "output.nc") as ds:
        assert ds["model_time"].attrs["units"] == "s" and float(ds["model_time"][-1]) == 7200.0
        assert (ds["time"][-1] - ds["time"][0]).values == np.timedelta64(2, "h")


def test_cf_xarray_finds_axes_and_standard_names(runs):
    import cf_xarray  # noqa: F401  (registers the .cf accessor)

    with xr.open_dataset(runs["shallow-water"] / "output.nc") as ds:
        assert set(ds.cf.axes) == {"T", "X", "Y"}
        assert ds.cf["latitude"].name == "lat" and ds.cf["longitude"].name == "lon" and ds.cf["time"].name == "time"
        assert ds.cf["eastward_wind"].name == "u" and ds.cf["surface_altitude"].name == "orography"
    with xr.open_dataset(runs["tissue"] / "output.nc") as ds:
        assert {k: v for k, v in ds.cf.axes.items()} == {"T": ["time"], "X": ["x"], "Y": ["y"], "Z": ["z"]}


@pytest.mark.parametrize("name, variable", [("cahn-hilliard", "c"), ("tissue", "V"), ("shallow-water", "h")])
def test_paraview_cf_reader_reads_the_grid_and_values(runs, name, variable):
    """vtkNetCDFCFReader (ParaView's reader): extent, spacing, times and one field as xarray reads them."""
    path = runs[name] / "output.nc"
    sphere = name == "shallow-water"
    grid, values, times = read_with_vtk_cf_reader(path, variable, -1, rectilinear=sphere)
    with xr.open_dataset(path, decode_times=False) as ds:
        field = ds[variable].isel(time=-1)
        np.testing.assert_allclose(times, ds["time"].values)
        axes = ["lon", "lat"] if sphere else [d for d in ("x", "y", "z") if d in field.dims]
        for k, axis in enumerate(axes):
            np.testing.assert_allclose(grid[k], ds[axis].values, rtol=1e-6, atol=1e-9)
        # VTK stores x fastest: the file's (..., y, x) array flattened in C order
        np.testing.assert_array_equal(values, field.values.ravel())


def test_vtk_series_matches_the_dataset(runs):
    """output.vtk: a .vti per output time listed in output.pvd with the model times; same grid, names, values."""
    from vtkmodules.util.numpy_support import vtk_to_numpy
    from vtkmodules.vtkIOXML import vtkXMLImageDataReader

    run = runs["tissue"]
    entries = ElementTree.parse(run / "output.pvd").getroot().find("Collection").findall("DataSet")
    with xr.open_dataset(run / "output.nc", decode_times=False) as ds:
        assert [float(e.get("timestep")) for e in entries] == list(ds["model_time"].values)
        for index, entry in enumerate(entries):
            reader = vtkXMLImageDataReader()
            reader.SetFileName(str(run / entry.get("file")))
            reader.Update()
            image = reader.GetOutput()
            assert image.GetDimensions() == (ds.sizes["x"], ds.sizes["y"], ds.sizes["z"])
            np.testing.assert_allclose(image.GetSpacing(), [float(ds[d][1] - ds[d][0]) for d in "xyz"])
            np.testing.assert_allclose(image.GetOrigin(), [float(ds[d][0]) for d in "xyz"])
            for name in ("V", "activation_time"):
                np.testing.assert_array_equal(vtk_to_numpy(image.GetPointData().GetArray(name)),
                                              ds[name].isel(time=index).values.ravel())
                assert image.GetFieldData().GetAbstractArray(f"{name}_units").GetValue(0) == ds[name].attrs["units"]
            assert vtk_to_numpy(image.GetFieldData().GetArray("TimeValue"))[0] == ds["model_time"].values[index]
    # A 2-D box: one .vti per output time, one layer thick
    box = runs["cahn-hilliard"]
    with xr.open_dataset(box / "output.nc", decode_times=False) as ds:
        assert len(list((box / "vtk").glob("*.vti"))) == ds.sizes["time"]
    reader = vtkXMLImageDataReader()
    reader.SetFileName(str(box / "vtk" / "output_0000.vti"))
    reader.Update()
    assert reader.GetOutput().GetDimensions() == (24, 24, 1)


def test_vtk_output_refused_on_the_sphere(tmp_path):
    with pytest.raises(CaseError, match="output.vtk.*Cartesian"):
        run_case("williamson-tc2", out=tmp_path / "run", overrides=["output.vtk=true", "grid.truncation=10"],
                 stop_time="1 hours", progress=False)
    assert not (tmp_path / "run").exists()  # refused before anything is written
