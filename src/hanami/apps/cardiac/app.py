"""The cardiac app: builds a single-cell or monodomain run from a case, and plots it."""

from __future__ import annotations

import json
from pathlib import Path

from hanami.core.plotting import plt
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import xarray as xr  # noqa: E402

from hanami.apps.base import App, Built, Validation, ValidationOption  # noqa: E402
from hanami.apps.cardiac.benchmarks import BENCHMARKS  # noqa: E402
from hanami.apps.cardiac.case import CardiacCase  # noqa: E402
from hanami.apps.cardiac.differentiation import DIFFERENTIATION  # noqa: E402
from hanami.apps.cardiac.diffusion import conductivity_to_diffusivity, diffusion_tensor  # noqa: E402
from hanami.apps.cardiac.fibres import node_fibres, tensor_field  # noqa: E402
from hanami.apps.cardiac.ecg import lead_weights, potential_factor  # noqa: E402
from hanami.apps.cardiac.geometry import ventricle  # noqa: E402
from hanami.apps.cardiac.node_files import read_tissue  # noqa: E402
from hanami.apps.cardiac.ionic import ionic_model  # noqa: E402
from hanami.apps.cardiac.model import Monodomain, SingleCell  # noqa: E402
from hanami.apps.cardiac.validate import validate_niederer  # noqa: E402
from hanami.apps.cardiac.validate_cell import validate_tp06_cell  # noqa: E402
from hanami.core.files import write_text  # noqa: E402
from hanami.core.integrate import fixed_step  # noqa: E402
from hanami.core.output import FieldLayout  # noqa: E402
from hanami.core.state import State  # noqa: E402
from hanami.apps.cardiac.stencil import field_coefficients, field_stable_dt, node_volumes, stable_dt  # noqa: E402
from hanami.errors import CaseError  # noqa: E402

AXES = ("x", "y", "z")
MAX_BEATS_IN_SUMMARY = 50
ATTRS = {
    "V": {"long_name": "transmembrane potential", "units": "mV"},
    "Ca_i": {"long_name": "intracellular free calcium concentration", "units": "mmol L-1"},
    "activation_time": {"long_name": "first upward crossing of 0 mV (NaN: not activated)", "units": "ms"},
    "V_min": {"long_name": "minimum of V", "units": "mV"},
    "V_max": {"long_name": "maximum of V", "units": "mV"},
    "activated_fraction": {"long_name": "fraction of nodes activated", "units": "1"},
    "activation_max": {"long_name": "latest activation time so far", "units": "ms"},
    "time": {"units": "ms"},
}
# Per-beat measures of a single-cell run (beat 1, 2, ...): the attributes of each.
BEAT_ATTRS = {
    "apd90": {"long_name": "action potential duration at 90 % repolarisation", "units": "ms"},
    "V_rest": {"long_name": "resting potential before the upstroke", "units": "mV"},
    "V_peak": {"long_name": "peak potential of the action potential", "units": "mV"},
    "dVdt_max": {"long_name": "maximum upstroke velocity", "units": "mV ms-1"},
}
ATTRS.update({f"{key}_beat{i + 1}": {**attrs, "long_name": f"{attrs['long_name']}, beat {i + 1}"}
              for key, attrs in BEAT_ATTRS.items() for i in range(MAX_BEATS_IN_SUMMARY)})


def build_tissue(case: CardiacCase) -> Monodomain:
    """The monodomain model of a case with a grid; refuses an unstable explicit dt (`CaseError`)."""
    m = case.model
    grid = case.grid.build()
    d_long = conductivity_to_diffusivity(m.sigma_l, m.chi, m.cm)
    d_trans = conductivity_to_diffusivity(m.sigma_t, m.chi, m.cm)
    tensor = diffusion_tensor(d_long, d_trans, tuple(m.fibre))
    field = None
    tissue = {"file": lambda: read_tissue(case.grid.tissue_file, grid),
              "lv-ellipsoid": lambda: ventricle(grid).tissue}.get(case.grid.tissue, lambda: None)()
    if m.fibre_field == "uniform" and tissue is None:
        limit = stable_dt(tensor, grid.spacing)
        rule = "1 / (2 sum D_ii / dx_i^2)"
    else:
        fibres = node_fibres(m.fibre_field, grid, direction=tuple(m.fibre), angle_endo=m.fibre_angle_endo,
                             angle_epi=m.fibre_angle_epi, path=m.fibre_file)
        field = field_coefficients(tensor_field(fibres, d_long, d_trans), grid, case.precision, tissue)
        limit = field_stable_dt(field, grid.shape)
        rule = (f"the Gershgorin bound of the {m.fibre_field} fibre field's operator"
                + (" on the tissue mask" if tissue is not None else ""))
    if m.diffusion == "explicit" and case.time.dt > limit * (1 + 1e-12):
        raise CaseError(
            f"time.dt = {case.time.dt:g} ms is too large for explicit diffusion at dx = {case.grid.dx:g} mm: "
            f"the largest stable dt is {limit:.6g} ms ({rule} with D_l = {d_long:.4g}, "
            f"D_t = {d_trans:.4g} mm^2/ms). Lower time.dt to at most {limit:.6g} ms or set "
            "model.diffusion = \"implicit\".")
    tol = m.cg_tolerance if case.precision == "float64" else max(m.cg_tolerance, 1e-5)
    leads, names = None, ()
    if case.ecg.electrodes:
        resolved = case.ecg.resolved_leads()
        weights = lead_weights(grid, node_volumes(grid, tissue), case.ecg.electrodes, resolved,
                               potential_factor(m.chi, m.cm, case.ecg.sigma_e))
        leads, names = jnp.asarray(weights, case.precision), tuple(name for name, _, _ in resolved)
    return Monodomain(grid=grid, ionic=ionic_model(m.ionic, m.cell_type),
                      tensor=tuple(tuple(float(v) for v in row) for row in tensor), protocols=case.protocols(),
                      field=field, diffusion=m.diffusion, cg_tol=tol, cg_maxiter=m.cg_maxiter, dtype=case.precision,
                      # the nodes of the tissue cells: a tissue node on no such cell is not coupled to any
                      tissue=None if tissue is None else jnp.asarray(node_volumes(grid, tissue) > 0, case.precision),
                      leads=leads, lead_names=names)


def build_cell(case: CardiacCase) -> SingleCell:
    return SingleCell(ionic=ionic_model(case.model.ionic, case.model.cell_type), protocols=case.protocols(),
                      dtype=case.precision)


class CardiacApp(App):
    name = "cardiac"
    description = "cardiac electrophysiology: monodomain + ten Tusscher-Panfilov 2006 (Niederer 2011)"
    schema = CardiacCase
    cases_dir = Path(__file__).parent / "cases"
    summary_keys = ("V_min", "V_max", "activated_fraction", "activation_max", "V", "Ca_i",
                    *(f"apd90_beat{i + 1}" for i in range(MAX_BEATS_IN_SUMMARY)),
                    *(f"{key}_beat{i + 1}" for i in range(MAX_BEATS_IN_SUMMARY)
                      for key in ("V_rest", "V_peak", "dVdt_max")))
    output_fields = ("V", "Ca_i", "activation_time")
    differentiation = DIFFERENTIATION
    benchmarks = BENCHMARKS
    validations = (
        Validation("niederer", "Niederer et al. 2011 slab: activation times at P1-P9 at every shipped dx down to "
                   "--dx, their convergence (observed order, Richardson-extrapolated P8); P8 at dx 0.1 in the "
                   "cited codes' spread", validate_niederer,
                   options=(ValidationOption("dx", float, "finest grid spacing to run [mm]: 0.5, 0.2, 0.1 or 0.05 "
                                             "(0.05 is sized for a GPU)"),),
                   quick="stop at t = 60 ms"),
        Validation("tp06-cell", "single TP06 cell, beat 1: APD90 beside the cited codes; APD90, resting and peak V "
                   "and max dV/dt beside scipy's solve_ivp on the same equations, within a time-step study's band",
                   validate_tp06_cell, quick="time-step study at dt and dt/2 only, no run after 100 ms of rest"),
    )

    def build(self, case: CardiacCase) -> Built:
        if case.grid is None:
            model = build_cell(case)
            layout = FieldLayout((), {}, ATTRS)
        else:
            model = build_tissue(case)
            grid = model.grid
            dims = AXES[: grid.ndim]
            coords = {d: (grid.axis(i), {"long_name": f"{d} coordinate", "units": "mm"})
                      for i, d in enumerate(dims)}
            leads = {f"ecg_{name}": {"long_name": f"pseudo-ECG lead {name}: extracellular potential "
                                                  f"{positive}" + (f" - {negative}" if negative else ""),
                                     "units": "mV"} for name, positive, negative in case.ecg.resolved_leads()}
            layout = FieldLayout(dims, coords, {**ATTRS, **leads})
        state = State.start(model.initial_state(), dt=case.time.dt)
        return Built(model=model, state=state, attempt=fixed_step(model.step, timed=True), layout=layout,
                     attempt_for=lambda m: fixed_step(m.step, timed=True))

    def plot(self, run_dir: Path, dataset: xr.Dataset, history: list[dict[str, float]]) -> list[Path]:
        if "activation_time" in dataset:
            return plot_tissue(run_dir, dataset) + plot_ecg(run_dir, history)
        return plot_cell(run_dir, dataset, history)


def plot_ecg(run_dir: Path, history: list[dict[str, float]]) -> list[Path]:
    """The pseudo-ECG leads against time (ecg.png), when the case has electrodes."""
    names = [k for k in history[-1] if k.startswith("ecg_")]
    if not names:
        return []
    rows = sorted({int(r["iteration"]): r for r in history}.values(), key=lambda r: r["time"])
    t = np.array([r["time"] for r in rows])
    fig, axes = plt.subplots(len(names), 1, figsize=(7.0, 1.6 * len(names) + 0.6), dpi=110, sharex=True,
                             squeeze=False)
    for ax, name in zip(axes[:, 0], names):
        ax.plot(t, [r[name] for r in rows], "k-", lw=1.0)
        ax.axhline(0.0, color="0.7", lw=0.5)
        ax.set_ylabel(f"{name[4:]} [mV]")
    axes[-1, 0].set_xlabel("time [ms]")
    axes[0, 0].set_title("pseudo-ECG")
    fig.tight_layout()
    path = run_dir / "ecg.png"
    fig.savefig(path)
    plt.close(fig)
    return [path]


def plot_cell(run_dir: Path, dataset: xr.Dataset, history: list[dict[str, float]]) -> list[Path]:
    """V(t) with the APD90 of every beat; also writes apd90.json."""
    last = history[-1]
    apds = [last[k] for k in sorted((k for k in last if k.startswith("apd90_beat")), key=lambda k: int(k[10:]))]
    write_text(run_dir / "apd90.json", json.dumps({"apd90_ms": apds}, indent=2))
    fig, ax = plt.subplots(figsize=(7.0, 3.8), dpi=110)
    ax.plot(dataset["time"], dataset["V"], lw=1.2)
    ax.set_xlabel("time [ms]")
    ax.set_ylabel("V [mV]")
    label = ", ".join(f"{a:.1f}" for a in apds[:6]) + (" ..." if len(apds) > 6 else "")
    ax.set_title(f"single cell; APD90 per beat [ms]: {label}")
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    path = run_dir / "V_trace.png"
    fig.savefig(path)
    plt.close(fig)
    return [path, run_dir / "apd90.json"]


def _section(dataset: xr.Dataset) -> tuple[dict[str, int], str, str]:
    """The plane to draw: the z = 0 face of a box; the long-axis section (y at the middle) of a
    tissue mask whose z = 0 face is mostly outside (an analytic ventricle)."""
    if "z" not in dataset.dims:
        return {}, "x", "y"
    face = dataset["activation_time"].isel(time=-1, z=0)
    if float(face.notnull().mean()) > 0.5 or not bool(dataset["activation_time"].notnull().any()):
        return {"z": 0}, "x", "y"
    return {"y": dataset.sizes["y"] // 2}, "x", "z"


def _draw(ax, fig, dataset: xr.Dataset, da: xr.DataArray, across: str, up: str, label: str, **style) -> None:
    """A 2-D map of `da` (already cut to a plane or a line) with its colour bar."""
    if da.ndim == 2:
        mesh = ax.pcolormesh(dataset[across], dataset[up], da.transpose(up, across).values, shading="auto", **style)
        ax.set_aspect("equal")
        ax.set_ylabel(f"{up} [mm]")
        fig.colorbar(mesh, ax=ax, label=label)
    else:
        ax.plot(dataset[across], da.values)
        ax.set_ylabel(label)


def plot_tissue(run_dir: Path, dataset: xr.Dataset) -> list[Path]:
    """Activation map on the z = 0 face (a ventricle: its long-axis section) and up to four V snapshots."""
    written = []
    cut, across, up = _section(dataset)
    act = dataset["activation_time"].isel(time=-1, **cut)
    fig, ax = plt.subplots(figsize=(7.0, 3.2 if up == "y" else 5.0), dpi=110)
    _draw(ax, fig, dataset, act, across, up, "activation time [ms]", cmap="turbo")
    if act.ndim == 2 and bool(act.notnull().any()):
        ax.contour(dataset[across], dataset[up], act.transpose(up, across).values, colors="k", linewidths=0.5,
                   levels=10)
    ax.set_xlabel(f"{across} [mm]")
    where = ", ".join(f"{k} = {float(dataset[k][i]):g} mm" for k, i in cut.items())
    ax.set_title("activation time" + (f" ({where})" if where else ""))
    fig.tight_layout()
    written.append(run_dir / "activation_map.png")
    fig.savefig(written[-1])
    plt.close(fig)

    times = dataset["time"].values
    picks = np.unique(np.linspace(0, len(times) - 1, min(4, len(times))).round().astype(int))
    fig, axes = plt.subplots(len(picks), 1, figsize=(7.0, 1.9 * len(picks)), dpi=110, squeeze=False)
    for ax, i in zip(axes[:, 0], picks):
        _draw(ax, fig, dataset, dataset["V"].isel(time=i, **cut), across, up, "V [mV]", cmap="viridis",
              vmin=-90, vmax=40)
        if dataset["V"].ndim == 2:  # (time, x): a line
            ax.set_ylim(-95, 50)
        ax.set_title(f"V at t = {times[i]:g} ms", fontsize=9)
    fig.tight_layout()
    written.append(run_dir / "V_snapshots.png")
    fig.savefig(written[-1])
    plt.close(fig)
    return written
