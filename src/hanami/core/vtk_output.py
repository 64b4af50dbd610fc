"""VTK image data for ParaView: one `.vti` per output time and a `.pvd` series.

ParaView opens hanami's NetCDF directly (its NetCDF CF reader); `output.vtk = true`
also writes what ParaView's XML readers open with no reader choice: `vtk/output_NNNN.vti`
(every output field as point data, the grid's origin and spacing, the model time as
`TimeValue`, each field's units as a string array `<field>_units`) and `output.pvd`,
which lists the files with their model times. Files are written by VTK's own
writer (`vtkXMLImageDataWriter`); the series file by the standard library's XML
writer. Cartesian grids only (x, y, z uniformly spaced): a latitude-longitude
grid is not image data.
"""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from pathlib import Path

import numpy as np
import xarray as xr

from hanami.core.files import atomic_path
from hanami.errors import CaseError

CARTESIAN_DIMS = ("x", "y", "z")


def check_vtk_grid(dims: tuple[str, ...], coords: dict[str, tuple[np.ndarray, dict[str, str]]], source: str) -> None:
    """Refuse `output.vtk` for a grid VTK image data cannot hold (`CaseError`, naming the file and key)."""
    grid = tuple(d for d in dims if d != "member")
    if "member" in dims:
        raise CaseError(f"{source}: output.vtk: VTK output is for single runs; an ensemble writes one dataset "
                        "with a 'member' dimension (output.nc), which ParaView's NetCDF CF reader opens")
    if not grid or any(d not in CARTESIAN_DIMS for d in grid):
        raise CaseError(f"{source}: output.vtk: VTK image data needs a Cartesian grid (x, y[, z]); this app's fields "
                        f"are on ({', '.join(grid) or 'no grid'}). Open output.nc in ParaView (NetCDF CF reader) "
                        "instead, or set output.vtk = false")
    for d in grid:
        values = np.asarray(coords[d][0], np.float64)
        if len(values) > 2 and not np.allclose(np.diff(values), values[1] - values[0], rtol=1e-9, atol=0):
            raise CaseError(f"{source}: output.vtk: coordinate '{d}' is not uniformly spaced; VTK image data needs "
                            "uniform spacing")


class VtkSeries:
    """Writes the snapshots of a dataset (hanami order: time, x, y[, z]) as `.vti` files and a `.pvd` series.

    Arguments:
        run_dir: the run directory (files go to `vtk/` and `output.pvd` there).
    """

    def __init__(self, run_dir: Path):
        self.run_dir = Path(run_dir)
        self.written: dict[int, float] = {}

    def write(self, ds: xr.Dataset) -> None:
        """Write the snapshots not written yet (by index), then the series file."""
        fields = [n for n, v in ds.data_vars.items() if v.dims[:1] == ("time",) and v.ndim > 1]
        times = np.asarray(ds["time"].values, np.float64)
        (self.run_dir / "vtk").mkdir(parents=True, exist_ok=True)
        for index, when in enumerate(times):
            if self.written.get(index) == when:
                continue
            _write_vti(self.run_dir / "vtk" / f"output_{index:04d}.vti", ds, fields, index)
            self.written[index] = float(when)
        for index in [i for i in self.written if i >= len(times)]:
            del self.written[index]
        _write_pvd(self.run_dir / "output.pvd", [(self.written[i], f"vtk/output_{i:04d}.vti")
                                                 for i in sorted(self.written)])


def _write_vti(path: Path, ds: xr.Dataset, fields: list[str], index: int) -> None:
    from vtkmodules.util.numpy_support import numpy_to_vtk
    from vtkmodules.vtkCommonCore import vtkDoubleArray, vtkStringArray
    from vtkmodules.vtkCommonDataModel import vtkImageData
    from vtkmodules.vtkIOXML import vtkXMLImageDataWriter

    grid = [d for d in CARTESIAN_DIMS if d in ds[fields[0]].dims]
    image = vtkImageData()
    image.SetDimensions(*[ds.sizes[d] for d in grid], *([1] * (3 - len(grid))))
    image.SetOrigin(*[float(ds[d].values[0]) for d in grid], *([0.0] * (3 - len(grid))))
    image.SetSpacing(*[float(ds[d].values[1] - ds[d].values[0]) if ds.sizes[d] > 1 else 1.0 for d in grid],
                     *([1.0] * (3 - len(grid))))
    for name in fields:
        # VTK stores x fastest: Fortran order of the (x, y, z) array.
        values = ds[name].isel(time=index).transpose(*grid).values
        array = numpy_to_vtk(np.ascontiguousarray(values.ravel(order="F")), deep=True)
        array.SetName(name)
        image.GetPointData().AddArray(array)
        units = vtkStringArray()
        units.SetName(f"{name}_units")
        units.InsertNextValue(str(ds[name].attrs.get("units", "1")))
        image.GetFieldData().AddArray(units)
    when = vtkDoubleArray()
    when.SetName("TimeValue")
    when.InsertNextValue(float(ds["time"].values[index]))
    image.GetFieldData().AddArray(when)
    with atomic_path(path) as tmp:
        writer = vtkXMLImageDataWriter()
        writer.SetFileName(str(tmp))
        writer.SetInputData(image)
        if not writer.Write():
            raise OSError(f"{path}: VTK could not write the image data")


def _write_pvd(path: Path, entries: list[tuple[float, str]]) -> None:
    root = ElementTree.Element("VTKFile", type="Collection", version="0.1", byte_order="LittleEndian")
    collection = ElementTree.SubElement(root, "Collection")
    for when, name in entries:
        ElementTree.SubElement(collection, "DataSet", timestep=repr(when), group="", part="0", file=name)
    ElementTree.indent(root)
    with atomic_path(path) as tmp:
        ElementTree.ElementTree(root).write(tmp, encoding="utf-8", xml_declaration=True)
