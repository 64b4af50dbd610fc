"""The phase-field app: Cahn–Hilliard spinodal decomposition (PFHub BM1) and dendritic
solidification (PFHub BM3), one `model.kind` each."""

from __future__ import annotations

import functools
from pathlib import Path

import xarray as xr

from hanami.apps.base import App, Built, SurrogateSettings, Validation, ValidationOption
from hanami.apps.phasefield import plots
from hanami.apps.phasefield.benchmarks import BENCHMARKS
from hanami.apps.phasefield.bm2_validate import validate_bm2
from hanami.apps.phasefield.bm3_validate import validate_bm3
from hanami.apps.phasefield.bm7_validate import validate_bm7
from hanami.apps.phasefield.bm8_validate import validate_bm8
from hanami.apps.phasefield.build import BUILDERS
from hanami.apps.phasefield.case import PhaseFieldCase
from hanami.apps.phasefield.differentiation import DIFFERENTIATION
from hanami.apps.phasefield.ostwald import order_parameter_names
from hanami.apps.phasefield.validate import validate_bm1


class PhaseFieldApp(App):
    name = "phasefield"
    description = ("phase field: Cahn-Hilliard spinodal decomposition (PFHub BM1), Ostwald ripening (PFHub BM2), "
                   "dendritic solidification (PFHub BM3), Allen-Cahn manufactured solution (PFHub BM7), nucleation (PFHub BM8)")
    schema = PhaseFieldCase
    cases_dir = Path(__file__).parent / "cases"
    summary_keys = ("free_energy", "bulk_energy", "gradient_energy", "mass", "c_min", "c_max", "solid_fraction", "tip_position", "tip_velocity",
                    "enthalpy", "U_min", "U_max", "phi_min", "phi_max")
    output_fields = ("c", *order_parameter_names(12), "phi", "U")
    differentiation = DIFFERENTIATION
    surrogate = SurrogateSettings(domain="box", mirror_symmetric=True)
    benchmarks = BENCHMARKS
    validations = tuple(
        Validation(f"pfhub-bm1{variant}", f"PFHub BM1{variant}: F(t) against PRISMS-PF, MEMPHIS and MOOSE; mass "
                   "conserved; F never increases", functools.partial(validate_bm1, variant),
                   quick="stop at t = 1000 (else 10^4)")
        for variant in ("a", "b")) + tuple(
        Validation(f"pfhub-bm2{variant}", f"PFHub BM2{variant} (verification): F(0) against a quadrature of the "
                   "initial state; mass conserved; F never increases; self-convergence in dt and dx",
                   functools.partial(validate_bm2, variant),
                   quick="stop at t = 10 (else 1000); time-step study to t = 10 (else 10 and 100)")
        for variant in ("a", "b")) + (
        Validation("pfhub-bm3", "PFHub BM3: tip position, solid fraction and F at t = 1500 against AMPE and "
                   "MOOSE; steady tip velocity; enthalpy conserved; diagonal symmetry", validate_bm3,
                   options=(ValidationOption("dx", float, "grid spacing [W0] in place of the shipped 0.4 (dt "
                                             "follows); 0.8 runs 16 times faster, ~3 % from converged"),
                            ValidationOption("run", str, "judge this finished `hanami run pfhub-bm3` directory "
                                             "instead of running the case")),
                   quick="pfhub-bm3-quick (96 x 96 box to t = 150) against the same on a grid twice as fine"),
        Validation("pfhub-bm7", "PFHub BM7a (verification): L2 error against the manufactured solution at t = 8 "
                   "on halved grids (order 2) and halved steps (IMEX Euler, order 1)", validate_bm7,
                   quick="grids 100-400 along x, steps on 400 x 200 (else grids 200-800, steps on 800 x 400)"),
        Validation("pfhub-bm8a", "PFHub BM8a: seeds of 0.99 and 1.01 r* dissolve and grow; solid fraction and F "
                   "at t = 100 against FiPy", functools.partial(validate_bm8, "pfhub-bm8a"),
                   quick="stop at t = 100 (else 200)"),
        *(Validation(name, f"PFHub BM8{name[-1]}: Avrami exponent over realisations against JMAK's {n}",
                     functools.partial(validate_bm8, name),
                     options=(ValidationOption("realisations", int, "runs with initial.seed = 0, 1, ... "
                                                                    "(default 10, quick 8)"),),
                     quick=f"8 realisations of {name}-quick (a 200 x 200 box)")
          for name, n in (("pfhub-bm8b", 2), ("pfhub-bm8c", 3))),)

    def build(self, case: PhaseFieldCase) -> Built:
        return BUILDERS[case.model.kind](case)

    def plot(self, run_dir: Path, dataset: xr.Dataset, history: list[dict[str, float]]) -> list[Path]:
        if "U" in dataset:
            return plots.dendrite(run_dir, dataset, history)
        if "phi" in dataset:
            return plots.order_parameter(run_dir, dataset, history)
        return plots.composition(run_dir, dataset, history)
