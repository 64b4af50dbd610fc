"""The phase-field app: builds a Cahn–Hilliard run from a case and plots its results."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Callable

import jax.numpy as jnp
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import xarray as xr  # noqa: E402

from hanami.apps.base import App, Built, SurrogateSettings, Validation  # noqa: E402
from hanami.apps.phasefield.benchmarks import BENCHMARKS  # noqa: E402
from hanami.apps.phasefield.case import PhaseFieldCase  # noqa: E402
from hanami.apps.phasefield.differentiation import DIFFERENTIATION  # noqa: E402
from hanami.apps.phasefield.model import CahnHilliard  # noqa: E402
from hanami.apps.phasefield.validate import validate_bm1  # noqa: E402
from hanami.core.integrate import Attempt, adaptive, fixed_step  # noqa: E402
from hanami.core.output import FieldLayout  # noqa: E402
from hanami.core.state import State  # noqa: E402

AXES = ("x", "y", "z")


def cahn_hilliard(case: PhaseFieldCase) -> CahnHilliard:
    m = case.model
    return CahnHilliard(grid=case.grid.build(), kappa=m.kappa, mobility=m.mobility, rho_s=m.rho_s,
                        c_alpha=m.c_alpha, c_beta=m.c_beta, stabilisation=m.resolved_stabilisation(),
                        dtype=case.precision)


# The model of each `model.kind` (the schema's `model` table is a union tagged by `kind`).
MODELS: dict[str, Callable[[PhaseFieldCase], CahnHilliard]] = {"cahn-hilliard": cahn_hilliard}


def build_model(case: PhaseFieldCase) -> CahnHilliard:
    """The model the case's `model.kind` names."""
    return MODELS[case.model.kind](case)


class PhaseFieldApp(App):
    name = "phasefield"
    description = "phase field: Cahn-Hilliard spinodal decomposition (PFHub BM1)"
    schema = PhaseFieldCase
    cases_dir = Path(__file__).parent / "cases"
    summary_keys = ("free_energy", "mass", "c_min", "c_max")
    output_fields = ("c",)
    differentiation = DIFFERENTIATION
    surrogate = SurrogateSettings(domain="box", mirror_symmetric=True)
    benchmarks = BENCHMARKS
    validations = tuple(
        Validation(f"pfhub-bm1{variant}", f"PFHub BM1{variant}: F(t) against PRISMS-PF, MEMPHIS and MOOSE; mass "
                   "conserved; F never increases", functools.partial(validate_bm1, variant),
                   quick="stop at t = 1000 (else 10^4)")
        for variant in ("a", "b"))

    def build(self, case: PhaseFieldCase) -> Built:
        model = build_model(case)
        grid = model.grid
        c0 = jnp.asarray(case.initial.build(grid), dtype=case.precision)
        state = State.start({"c": c0}, dt=case.time.dt)
        dims = AXES[: grid.ndim]
        coords = {d: (grid.axis(i), {"long_name": f"{d} coordinate", "units": "1"}) for i, d in enumerate(dims)}
        attrs = {
            "c": {"long_name": "composition", "units": "1"},
            "free_energy": {"long_name": "total free energy F", "units": "1"},
            "mass": {"long_name": "mean composition", "units": "1"},
            "c_min": {"long_name": "minimum of c", "units": "1"},
            "c_max": {"long_name": "maximum of c", "units": "1"},
            "time": {"units": "1"},
        }
        def attempt_for(model: CahnHilliard) -> Attempt:
            if case.time.adaptive:
                return adaptive(model.estimate, tolerance=case.time.tolerance, dt_min=case.time.dt_min,
                                dt_max=case.time.dt_max, error_order=1, safety=case.time.safety)
            if case.time.order == 2:
                return fixed_step(lambda fields, dt: model.estimate(fields, dt)[0])
            return fixed_step(model.step)

        periods = {d: grid.lengths[i] for i, d in enumerate(dims)} if grid.boundary == "periodic" else {}
        return Built(model=model, state=state, attempt=attempt_for(model),
                     layout=FieldLayout(dims, coords, attrs, periods=periods), attempt_for=attempt_for)

    def plot(self, run_dir: Path, dataset: xr.Dataset, history: list[dict[str, float]]) -> list[Path]:
        written = []
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
        fig.tight_layout()
        written.append(run_dir / "c_final.png")
        fig.savefig(written[-1])
        plt.close(fig)

        t = np.array([row["time"] for row in history])
        energy = np.array([row["free_energy"] for row in history])
        keep = t > 0
        fig, ax = plt.subplots(figsize=(5.5, 4.0), dpi=110)
        ax.loglog(t[keep], energy[keep], lw=1.5)
        ax.set_xlabel("time t")
        ax.set_ylabel("total free energy F")
        ax.set_title("free energy")
        ax.grid(True, which="both", alpha=0.3)
        fig.tight_layout()
        written.append(run_dir / "free_energy.png")
        fig.savefig(written[-1])
        plt.close(fig)
        return written
