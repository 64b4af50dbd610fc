"""The climate app: builds a shallow-water run from a case and plots its results."""

from __future__ import annotations

import functools
from pathlib import Path

from hanami.core.plotting import plt
import numpy as np  # noqa: E402
import xarray as xr  # noqa: E402

from hanami.apps.base import App, Built, SurrogateSettings, Validation, ValidationOption  # noqa: E402
from hanami.apps.climate.benchmarks import BENCHMARKS  # noqa: E402
from hanami.apps.climate.build import build_model, initial_grid_fields  # noqa: E402,F401 (re-exported)
from hanami.apps.climate.case import ClimateCase  # noqa: E402
from hanami.apps.climate.differentiation import DIFFERENTIATION  # noqa: E402
from hanami.apps.climate.validate import validate_convergence, validate_galewsky_steady, validate_tc2  # noqa: E402
from hanami.apps.climate.validate_galewsky import validate_galewsky  # noqa: E402
from hanami.core.integrate import fixed_step  # noqa: E402
from hanami.core.output import FieldLayout  # noqa: E402
from hanami.core.state import State  # noqa: E402

ATTRS = {
    "h": {"long_name": "height of the free surface above the reference sphere", "units": "m",
          "standard_name": "height_above_reference_ellipsoid"},
    "u": {"long_name": "eastward wind", "units": "m s-1", "standard_name": "eastward_wind"},
    "v": {"long_name": "northward wind", "units": "m s-1", "standard_name": "northward_wind"},
    "vorticity": {"long_name": "relative vorticity", "units": "s-1",
                  "standard_name": "atmosphere_relative_vorticity"},
    "divergence": {"long_name": "horizontal divergence of the wind", "units": "s-1",
                   "standard_name": "divergence_of_wind"},
    "mass": {"long_name": "total fluid volume", "units": "m3"},
    "mass_drift": {"long_name": "relative change of total mass since t = 0", "units": "1"},
    "energy": {"long_name": "total energy per unit density", "units": "m5 s-2"},
    "energy_drift": {"long_name": "relative change of total energy since t = 0", "units": "1"},
    "enstrophy": {"long_name": "total potential enstrophy", "units": "m2 s-2"},
    "enstrophy_drift": {"long_name": "relative change of potential enstrophy since t = 0", "units": "1"},
    "max_wind": {"long_name": "maximum wind speed", "units": "m s-1"},
    "cfl": {"long_name": "advective Courant number on the grid", "units": "1"},
    "h_min": {"long_name": "minimum of the free-surface height", "units": "m"},
    "h_max": {"long_name": "maximum of the free-surface height", "units": "m"},
    "time": {"units": "s"},
}


OROGRAPHY = {"long_name": "height of the ground (orography)", "units": "m", "standard_name": "surface_altitude"}


REFERENCE = ValidationOption("reference_truncation", int, "truncation T of the reference run of the same code")


class ClimateApp(App):
    name = "climate"
    description = "climate: global spectral shallow water on the sphere (Williamson 1992, Galewsky 2004)"
    schema = ClimateCase
    cases_dir = Path(__file__).parent / "cases"
    summary_keys = ("mass", "mass_drift", "energy", "energy_drift", "enstrophy", "enstrophy_drift", "max_wind",
                    "cfl", "h_min", "h_max")
    output_fields = ("h", "u", "v", "vorticity", "divergence")
    differentiation = DIFFERENTIATION
    surrogate = SurrogateSettings(domain="sphere", mirror_symmetric=False)
    benchmarks = BENCHMARKS
    validations = (
        Validation("williamson-tc2", "Williamson TC2 steady flow at three tilts: h error after 5 days at round-off",
                   validate_tc2, quick="1 day"),
        Validation("williamson-tc5", "Williamson TC5: h at T42, T63 (T85) against a high-resolution run "
                   "(self-convergence) and against dinosaur at the same truncation; invariants",
                   functools.partial(validate_convergence, "williamson-tc5"),
                   options=(REFERENCE,), quick="reference T106, T42 and T63 only"),
        Validation("williamson-tc6", "Williamson TC6 Rossby-Haurwitz wave: h and the wave-4 pattern speed against a "
                   "high-resolution run and against dinosaur; invariants",
                   functools.partial(validate_convergence, "williamson-tc6"),
                   options=(REFERENCE,), quick="reference T106, T42 and T63 only"),
        Validation("galewsky-steady", "Galewsky unperturbed jet: max |h(t) - h(0)| over 6 days with and without "
                   "hyperdiffusion, converging, against dinosaur", validate_galewsky_steady, quick="2 days"),
        Validation("galewsky", "Galewsky barotropic instability: day-6 vorticity at T42-T85 against a "
                   "high-resolution run, converging, and against dinosaur", validate_galewsky, options=(REFERENCE,),
                   quick="reference T170, T42 and T63 only"),
    )

    def build(self, case: ClimateCase) -> Built:
        model, fields = build_model(case)
        state = State.start(fields, dt=case.time.dt)
        grid = model.grid
        coords = {"lat": (grid.lat, {"long_name": "latitude (Gaussian, ascending: south to north)",
                                     "units": "degrees_north", "standard_name": "latitude"}),
                  "lon": (grid.lon, {"long_name": "longitude", "units": "degrees_east",
                                     "standard_name": "longitude"})}
        return Built(model=model, state=state, attempt=fixed_step(model.step),
                     layout=FieldLayout(("lat", "lon"), coords, ATTRS, periods={"lon": 360.0},
                                        statics={"orography": (("lat", "lon"), np.asarray(model.orography, np.float64),
                                                               OROGRAPHY)}),
                     attempt_for=lambda m: fixed_step(m.step))

    def plot(self, run_dir: Path, dataset: xr.Dataset, history: list[dict[str, float]]) -> list[Path]:
        written = []
        days = float(dataset["time"][-1]) / 86400.0
        for name, cmap in (("h", "viridis"), ("vorticity", "RdBu_r")):
            final = dataset[name].isel(time=-1)
            fig, ax = plt.subplots(figsize=(8.0, 4.2), dpi=110)
            kwargs = {}
            if name == "vorticity":
                limit = float(np.max(np.abs(final.values))) or 1.0
                kwargs = {"vmin": -limit, "vmax": limit}
            mesh = ax.pcolormesh(dataset["lon"], dataset["lat"], final.values, cmap=cmap, shading="auto", **kwargs)
            ax.set_xlabel("longitude [degrees east]")
            ax.set_ylabel("latitude [degrees north]")
            ax.set_title(f"{name} at day {days:.3g}")
            fig.colorbar(mesh, ax=ax, label=f"{name} [{ATTRS[name]['units']}]")
            fig.tight_layout()
            written.append(run_dir / f"{name}_final.png")
            fig.savefig(written[-1])
            plt.close(fig)
        t = np.array([row["time"] for row in history]) / 86400.0
        fig, ax = plt.subplots(figsize=(6.0, 4.0), dpi=110)
        for key in ("mass_drift", "energy_drift", "enstrophy_drift"):
            ax.plot(t, [abs(row[key]) + 1e-20 for row in history], label=key.replace("_", " "))
        ax.set_yscale("log")
        ax.set_xlabel("time [days]")
        ax.set_ylabel("|relative drift|")
        ax.legend()
        ax.grid(True, alpha=0.3)
        fig.tight_layout()
        written.append(run_dir / "conservation.png")
        fig.savefig(written[-1])
        plt.close(fig)
        return written
