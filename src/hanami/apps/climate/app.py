"""The climate app: builds a shallow-water run from a case and plots its results."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import equinox as eqx
import jax
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import xarray as xr  # noqa: E402

from hanami.apps.base import Built  # noqa: E402
from hanami.apps.climate import initial as ic  # noqa: E402
from hanami.apps.climate.case import ClimateCase  # noqa: E402
from hanami.apps.climate.model import ShallowWater  # noqa: E402
from hanami.core.integrate import fixed_step  # noqa: E402
from hanami.core.output import FieldLayout  # noqa: E402
from hanami.core.sphere import SphereGrid  # noqa: E402
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
    "time": {"units": "seconds since 2000-01-01 00:00:00"},
}


OROGRAPHY = {"long_name": "height of the ground (orography)", "units": "m", "standard_name": "surface_altitude"}


def initial_grid_fields(case: ClimateCase, grid: SphereGrid) -> tuple[np.ndarray, ...]:
    """u, v [m/s], free-surface height h [m] and orography hs [m] on the grid, float64."""
    lon, lat = grid.mesh()
    planet = case.model.planet()
    kind = case.initial.kind
    if kind == "williamson-2":
        return ic.williamson2(lon, lat, planet, alpha=case.initial.alpha, u0=case.initial.u0)
    if kind == "williamson-5":
        u0 = 20.0 if case.initial.u0 is None else case.initial.u0
        return ic.williamson5(lon, lat, planet, u0=u0, mountain=case.initial.mountain_height)
    if kind == "williamson-6":
        return ic.williamson6(lon, lat, planet)
    return ic.galewsky(lon, lat, planet, perturbation=case.initial.perturbation)


def build_model(case: ClimateCase) -> tuple[ShallowWater, dict[str, jax.Array]]:
    """The model (with its t = 0 invariants as reference) and the initial fields."""
    planet = case.model.planet()
    grid = case.grid.build(planet.radius)
    u, v, h, hs = initial_grid_fields(case, grid)
    depth = h - hs
    weights = grid.area_weights()
    mean_depth = float(np.sum(depth * weights) / np.sum(weights))
    m = case.model
    model = ShallowWater.create(grid, planet, mean_depth, case.time.dt, dtype=case.precision, raw_nu=m.raw_nu,
                                raw_alpha=m.raw_alpha, diffusion_order=m.diffusion_order,
                                diffusion_time=m.diffusion_time, orography=hs,
                                axis_tilt=case.initial.alpha, scheme=m.scheme)
    spectral = model.spectral_state(u, v, depth)
    if case.initial.kind == "galewsky":
        # Galewsky et al. set the constant so that the global mean height is 10 km.
        spectral["h"][0, 0] = 0.0
        model = dataclasses.replace(model, mean_depth=10000.0)
    fields = model.initial_fields(spectral)
    reference = tuple(float(x) for x in _invariants(model, fields))
    return dataclasses.replace(model, reference=reference), fields


@eqx.filter_jit
def _invariants(model: ShallowWater, fields: dict[str, jax.Array]) -> tuple[jax.Array, ...]:
    return model.invariants(fields)


class ClimateApp:
    name = "climate"
    schema = ClimateCase
    cases_dir = Path(__file__).parent / "cases"
    summary_keys = ("mass", "mass_drift", "energy", "energy_drift", "enstrophy", "enstrophy_drift", "max_wind",
                    "cfl", "h_min", "h_max")

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
