"""Pictures (and the BM3 contour files) of finished phase-field runs."""

from __future__ import annotations

import tomllib
from pathlib import Path

import contourpy
from hanami.core.plotting import plt
import numpy as np  # noqa: E402
import xarray as xr  # noqa: E402

from hanami.apps.phasefield.nucleation import avrami_fit, count_particles  # noqa: E402
from hanami.core.files import write_text  # noqa: E402


def _save(fig: plt.Figure, path: Path, written: list[Path]) -> None:
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    written.append(path)


def composition(run_dir: Path, dataset: xr.Dataset, history: list[dict[str, float]]) -> list[Path]:
    """Cahn–Hilliard: the final c (mid-plane in 3D) and F(t) on log axes."""
    written: list[Path] = []
    final = dataset["c"].isel(time=-1)
    if final.ndim == 3:
        final = final.isel(z=final.sizes["z"] // 2)
    fig, ax = plt.subplots(figsize=(5.2, 4.5), dpi=110)
    if final.ndim == 2:
        mesh = ax.pcolormesh(dataset["x"], dataset["y"], final.values.T, cmap="viridis", shading="auto")
        ax.set_aspect("equal")
        ax.set_ylabel("y")
        fig.colorbar(mesh, ax=ax, label="c")
    else:
        ax.plot(dataset["x"], final.values)
        ax.set_ylabel("c")
    ax.set_xlabel("x")
    ax.set_title(f"c at t = {float(dataset['time'][-1]):.6g}")
    _save(fig, run_dir / "c_final.png", written)
    etas = [name for name in dataset.data_vars if name.startswith("eta")]
    if etas and final.ndim == 2:
        _grains(run_dir, dataset, etas, written)

    t = np.array([row["time"] for row in history])
    energy = np.array([row["free_energy"] for row in history])
    keep = t > 0
    fig, ax = plt.subplots(figsize=(5.5, 4.0), dpi=110)
    ax.loglog(t[keep], energy[keep], lw=1.5)
    ax.set_xlabel("time t")
    ax.set_ylabel("total free energy F")
    ax.set_title("free energy")
    ax.grid(True, which="both", alpha=0.3)
    _save(fig, run_dir / "free_energy.png", written)
    return written


def _grains(run_dir: Path, dataset: xr.Dataset, etas: list[str], written: list[Path]) -> None:
    """Ostwald ripening: c beside the sum of eta_i^2 at the last output (as the PFHub BM2 figures)."""
    last = dataset.isel(time=-1)
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.5), dpi=110)
    for ax, (label, values) in zip(axes, (("c", last["c"].values),
                                          ("sum of eta_i^2", sum(last[n].values ** 2 for n in etas)))):
        mesh = ax.pcolormesh(dataset["x"], dataset["y"], values.T, cmap="viridis", shading="auto")
        ax.set_aspect("equal")
        ax.set_xlabel("x")
        ax.set_ylabel("y")
        fig.colorbar(mesh, ax=ax, label=label)
        ax.set_title(f"{label} at t = {float(dataset['time'][-1]):.6g}")
    _save(fig, run_dir / "grains_final.png", written)


def order_parameter(run_dir: Path, dataset: xr.Dataset, history: list[dict[str, float]]) -> list[Path]:
    """Allen–Cahn: the final phi and the solid fraction and F over time."""
    written: list[Path] = []
    fig, ax = plt.subplots(figsize=(6.0, 4.2), dpi=110)
    mesh = ax.pcolormesh(dataset["x"], dataset["y"], dataset["phi"].isel(time=-1).values.T, cmap="viridis",
                         shading="auto", vmin=0.0, vmax=1.0)
    ax.set_aspect("equal")
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    fig.colorbar(mesh, ax=ax, label="phi")
    ax.set_title(f"phi at t = {float(dataset['time'][-1]):.6g}")
    _save(fig, run_dir / "phi_final.png", written)
    t = np.array([row["time"] for row in history])
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), dpi=110)
    for ax, key, label in zip(axes, ("solid_fraction", "free_energy"), ("solid fraction (mean of phi)", "F")):
        ax.plot(t, [row[key] for row in history], lw=1.5)
        ax.set_xlabel("time t")
        ax.set_ylabel(label)
        ax.grid(True, alpha=0.3)
    _save(fig, run_dir / "history.png", written)
    if tomllib.loads(dataset.attrs.get("case_toml", "")).get("initial", {}).get("kind") == "nuclei":
        _nucleation(run_dir, dataset, history, written)
    return written


def _nucleation(run_dir: Path, dataset: xr.Dataset, history: list[dict[str, float]], written: list[Path]) -> None:
    """BM8: `nucleation.csv` (time, fraction, energy, particle_count at the output times, the PFHub upload's
    columns) and the Avrami plot with the fitted exponent."""
    periodic = tomllib.loads(dataset.attrs["case_toml"])["grid"].get("boundary", "periodic") == "periodic"
    rows = ["time,fraction,energy,particle_count"]
    for i, t in enumerate(dataset["time"].values):
        row = min(history, key=lambda r: abs(r["time"] - float(t)))
        count = count_particles(dataset["phi"].isel(time=i).values, periodic)
        rows.append(f"{float(t)!r},{row['solid_fraction']!r},{row['free_energy']!r},{count}")
    write_text(run_dir / "nucleation.csv", "\n".join(rows) + "\n")
    written.append(run_dir / "nucleation.csv")
    t = np.array([row["time"] for row in history])
    y = np.array([row["solid_fraction"] for row in history])
    n, error, points = avrami_fit(t, y)
    if points < 3:
        return
    keep = (t > 0) & (y > 0) & (y < 1)
    fig, ax = plt.subplots(figsize=(5.5, 4.0), dpi=110)
    ax.plot(np.log(t[keep]), np.log(-np.log(1 - y[keep])), lw=1.5, label="hanami")
    window = (t > 0) & (y > 0.02) & (y < 0.9)
    x = np.log(t[window])
    fit = np.polyfit(x, np.log(-np.log(1 - y[window])), 1)
    ax.plot(x, np.polyval(fit, x), "k--", label=f"fit 0.02 < Y < 0.9: n = {n:.3f} +- {error:.3f}")
    ax.set_xlabel("ln t")
    ax.set_ylabel("ln(-ln(1 - Y))")
    ax.set_title("Avrami plot")
    ax.legend()
    ax.grid(True, alpha=0.3)
    _save(fig, run_dir / "avrami.png", written)


def zero_contour(x: np.ndarray, y: np.ndarray, phi: np.ndarray) -> list[np.ndarray]:
    """The lines of phi = 0 (marching squares, linear along cell edges): arrays of (x, y) points.

    The walls x = 0 and y = 0 are mirror lines of the no-flux box, where phi equals its value
    in the first cells to second order; those values are put on the walls so that the lines
    end on the axes, as the PFHub contour does.

    Arguments:
        x, y: the cell-centre coordinates of the two axes.
        phi: field of shape (len(x), len(y)).
    """
    walls = np.pad(np.asarray(phi, np.float64), ((1, 0), (1, 0)), mode="edge")
    generator = contourpy.contour_generator(np.concatenate([[0.0], x]), np.concatenate([[0.0], y]), walls.T,
                                            line_type="Separate")
    return sorted((np.asarray(line) for line in generator.lines(0.0)), key=len, reverse=True)


def write_contour_csv(path: Path, lines: list[np.ndarray]) -> Path:
    """The phi = 0 contour for the PFHub upload: CSV with header `x,y`, the points of the longest
    line (the crystal's outline) in order along it, starting on the x axis."""
    rows = ["x,y"]
    if lines:
        outline = lines[0] if lines[0][0, 1] <= lines[0][-1, 1] else lines[0][::-1]
        rows += [f"{px:.8g},{py:.8g}" for px, py in outline]
    write_text(path, "\n".join(rows) + "\n")
    return path


def dendrite(run_dir: Path, dataset: xr.Dataset, history: list[dict[str, float]]) -> list[Path]:
    """BM3: phi at the last output with its phi = 0 contour, the tip position and velocity against
    time, and one contour CSV per output time (`contour_phi0_t<time>.csv`)."""
    written: list[Path] = []
    x, y = dataset["x"].values, dataset["y"].values
    for i, t in enumerate(dataset["time"].values):
        lines = zero_contour(x, y, dataset["phi"].isel(time=i).values)
        written.append(write_contour_csv(run_dir / f"contour_phi0_t{float(t):g}.csv", lines))
    final = dataset["phi"].isel(time=-1).values
    fig, ax = plt.subplots(figsize=(5.4, 4.6), dpi=110)
    mesh = ax.pcolormesh(x, y, final.T, cmap="RdBu_r", vmin=-1, vmax=1, shading="auto")
    for line in zero_contour(x, y, final):
        ax.plot(line[:, 0], line[:, 1], "k-", lw=0.8)
    ax.set_aspect("equal")
    ax.set_xlabel("x / W0")
    ax.set_ylabel("y / W0")
    ax.set_title(f"phi and phi = 0 at t = {float(dataset['time'][-1]):.6g}")
    fig.colorbar(mesh, ax=ax, label="phi")
    _save(fig, run_dir / "phi_final.png", written)

    t = np.array([row["time"] for row in history])
    tip = np.array([row["tip_position"] for row in history])
    speed = np.array([row["tip_velocity"] for row in history])
    fig, (left, right) = plt.subplots(1, 2, figsize=(9.0, 3.8), dpi=110)
    left.plot(t, tip, lw=1.5)
    left.set_xlabel("time t / tau0")
    left.set_ylabel("tip position x / W0")
    right.plot(t[1:], speed[1:], lw=1.0)
    right.set_xlabel("time t / tau0")
    right.set_ylabel("tip velocity / (W0 / tau0)")
    for ax in (left, right):
        ax.grid(True, alpha=0.3)
    _save(fig, run_dir / "tip.png", written)
    return written
