"""Norms of a phase-field state for benchmark records, so that a fast wrong answer shows."""

from __future__ import annotations

from typing import Any, Callable, Sequence

import jax
import numpy as np

from hanami.apps.base import Built
from hanami.core.simulation import Simulation


def final_norms(c: np.ndarray, free_energy: float, t: float, mass0: float,
                history: Sequence[dict[str, float]] = ()) -> dict[str, Any]:
    """Norms of a final state.

    Arguments:
        c: the final composition field (host array).
        free_energy: F of that field [energy units of the benchmark].
        t: the simulated time it belongs to.
        mass0: mean of the initial c; `mass_drift` is the change since.
        history: diagnostics rows with `free_energy`; gives `max_energy_rise`,
            the largest increase of F between consecutive rows (0 when F never rose).

    Returns:
        time, free_energy, rms_c (sqrt of the mean of c^2), std_c (RMS of
        c - mean c), mass, mass_drift, c_min, c_max, finite, max_energy_rise.
    """
    c = np.asarray(c, dtype=np.float64)
    energies = np.array([row["free_energy"] for row in history if "free_energy" in row])
    rise = float(max(0.0, np.max(np.diff(energies)))) if energies.size > 1 else None
    return {
        "time": float(t),
        "free_energy": float(free_energy),
        "rms_c": float(np.sqrt(np.mean(c * c))),
        "std_c": float(np.std(c)),
        "mass": float(np.mean(c)),
        "mass_drift": float(np.mean(c) - mass0),
        "c_min": float(np.min(c)),
        "c_max": float(np.max(c)),
        "finite": bool(np.all(np.isfinite(c))),
        "max_energy_rise": rise,
    }


def norms(built: Built) -> Callable[[Simulation], dict[str, Any]]:
    """The `final` block of a run of `built` (see `hanami.apps.base.Norms`): the initial mass is read now."""
    mass0 = float(np.mean(np.asarray(built.state.fields["c"], np.float64)))

    def final(sim: Simulation) -> dict[str, Any]:
        c = np.asarray(jax.device_get(sim.state.fields["c"]))
        return final_norms(c, sim.history[-1]["free_energy"], sim.time, mass0, sim.history)

    return final


def dendrite_norms(built: Built) -> Callable[[Simulation], dict[str, Any]]:
    """The `final` block of a BM3 run: the benchmark's figures and the enthalpy drift since t = 0."""
    enthalpy0 = float(built.model.diagnostics(built.state.fields)["enthalpy"])

    def final(sim: Simulation) -> dict[str, Any]:
        last = sim.history[-1]
        phi = np.asarray(jax.device_get(sim.state.fields["phi"]))
        return {"time": float(sim.time), "tip_position": float(last["tip_position"]),
                "solid_fraction": float(last["solid_fraction"]), "free_energy": float(last["free_energy"]),
                "enthalpy_drift": float(last["enthalpy"]) - enthalpy0, "finite": bool(np.all(np.isfinite(phi)))}

    return final


def allen_cahn_norms(built: Built) -> Callable[[Simulation], dict[str, Any]]:
    """The `final` block of an Allen–Cahn run (BM8): solid fraction, F and the range of phi."""

    def final(sim: Simulation) -> dict[str, Any]:
        last = sim.history[-1]
        phi = np.asarray(jax.device_get(sim.state.fields["phi"]))
        return {"time": float(sim.time), "solid_fraction": float(last["solid_fraction"]),
                "free_energy": float(last["free_energy"]), "phi_min": float(np.min(phi)),
                "phi_max": float(np.max(phi)), "finite": bool(np.all(np.isfinite(phi)))}

    return final
