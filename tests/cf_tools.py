"""The communities' own tools on hanami's files: the IOOS compliance checker (CF-1.8) and VTK's readers."""

from __future__ import annotations

import functools
import warnings
from pathlib import Path

import numpy as np

CF = "cf:1.8"


@functools.cache
def _suite():
    from compliance_checker.runner import CheckSuite

    suite = CheckSuite()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # its IOOS SOS checkers, unused here
        suite.load_all_available_checkers()
    return suite


def cf_findings(path: Path) -> dict[str, list[str]]:
    """The checker's failed checks: `errors` (its high priority, what `compliance-checker` lists under
    Errors) and `warnings` (medium priority), each as "section: message" strings."""
    suite = _suite()
    dataset = suite.load_dataset(str(path))
    try:
        results, crashes = suite.run_all(dataset, [CF], skip_checks=[])[CF]
        assert not crashes, f"the checker crashed on {path}: {crashes}"
        report = suite.build_structure(CF, results, str(path), 2)
    finally:
        dataset.close()
    found: dict[str, list[str]] = {"errors": [], "warnings": []}
    for key, priority in (("errors", "high_priorities"), ("warnings", "medium_priorities")):
        for result in report[priority]:
            if result.value[0] < result.value[1]:
                found[key] += [f"{result.name}: {m}" for m in result.msgs] or [result.name]
    return found


def read_with_vtk_cf_reader(path: Path, variable: str, time_index: int, rectilinear: bool = False):
    """(grid, values, times) as ParaView's NetCDF CF reader sees `variable` at one output time.

    grid: per axis (x, y, z) the point coordinates; values: the array in VTK's order (x fastest).
    """
    from vtkmodules.util.numpy_support import vtk_to_numpy
    from vtkmodules.vtkCommonExecutionModel import vtkStreamingDemandDrivenPipeline
    from vtkmodules.vtkIONetCDF import vtkNetCDFCFReader

    reader = vtkNetCDFCFReader()
    reader.SetFileName(str(path))
    reader.UpdateMetaData()
    reader.SphericalCoordinatesOff()  # lon/lat as plane coordinates, as ParaView's reader option does
    if rectilinear:
        reader.SetOutputTypeToRectilinear()
    for i in range(reader.GetNumberOfVariableArrays()):
        name = reader.GetVariableArrayName(i)
        reader.SetVariableArrayStatus(name, int(name == variable))
    reader.UpdateInformation()
    times = np.array(reader.GetOutputInformation(0).Get(vtkStreamingDemandDrivenPipeline.TIME_STEPS()))
    reader.UpdateTimeStep(float(times[time_index]))
    data = reader.GetOutput()
    values = vtk_to_numpy(data.GetPointData().GetArray(variable))
    if rectilinear:
        grid = [vtk_to_numpy(a) for a in (data.GetXCoordinates(), data.GetYCoordinates(), data.GetZCoordinates())]
    else:
        dims, origin, spacing = data.GetDimensions(), data.GetOrigin(), data.GetSpacing()
        grid = [origin[k] + spacing[k] * np.arange(dims[k]) for k in range(3)]
    return grid, values, times
