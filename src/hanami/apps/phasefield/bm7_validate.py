"""`hanami validate pfhub-bm7`: the manufactured-solution convergence study (PFHub BM7a).

Verification only (an exact solution, no other code): the L2 error at t = 8,
sqrt(sum (phi - eta_exact)^2 dx dy) as the statement defines it, on

* a sequence of grids (dx halved) with the third-order IMEX pair at dt = 0.01, whose time error
  is negligible (2e-8 of the 3.4e-4 error at 400 x 200: dt 0.01 against 0.005); formal order 2
  (the five-point Laplacian);
* a sequence of steps (dt halved) with the first-order IMEX Euler pair on the finest grid of the
  study, whose space error is below a quarter of the smallest time error; formal order 1.

It passes when the order observed on the finest pair of each study lies within 0.1 of the
formal order (the statement asks for at least three runs in each study).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

from hanami.apps.base import CaseRunner, check, finish
from hanami.apps.phasefield.build import allen_cahn
from hanami.core.files import default_run_dir

ORDER_TOLERANCE = 0.1
SPACE_STEP = 0.01
TIME_STEPS = (0.2, 0.1, 0.05)
GRIDS = {True: (100, 200, 400), False: (200, 400, 800)}  # points along x (y has half)


def l2_error(runner: CaseRunner, result: Any) -> float:
    """L2 error of the last output against the exact solution at its time."""
    case = runner.load_case(result.run_dir / "case.toml").case
    model = allen_cahn(case)
    x, y = model.grid.mesh()
    last = result.dataset["phi"].isel(time=-1)
    exact = np.asarray(model.manufactured.exact(x, y, float(last["time"])))
    return float(np.sqrt(np.sum((last.values - exact) ** 2) * model.grid.cell_volume))


def _orders(errors: list[float]) -> list[float | None]:
    return [None] + [math.log2(a / b) if a > 0 and b > 0 else math.nan for a, b in zip(errors, errors[1:])]


def _study(runner: CaseRunner, run_dir: Path, label: str, runs: list[tuple[str, list[str]]], formal: int,
           overrides: list[str], precision: str | None, progress: bool) -> dict[str, Any]:
    rows, provenance = [], None
    for name, extra in runs:
        result = runner.run_case("pfhub-bm7", out=run_dir / label / name,
                                 overrides=overrides + extra + ["output.times=[0.0, 8.0]"],
                                 precision=precision, progress=progress)
        rows.append({"run": name, "error": l2_error(runner, result), "steps": result.summary["iteration"],
                     "run_seconds": result.summary["timings_s"]["run"], "run_dir": str(result.run_dir)})
        provenance = result.summary["provenance"]
    for row, order in zip(rows, _orders([r["error"] for r in rows])):
        row["order"] = order
    last = rows[-1]["order"]
    return check(f"{label}: observed order of the finest pair", "verification", last,
                 abs(last - formal) <= ORDER_TOLERANCE, name=f"{label}_order", formal_order=formal,
                 reference=f"formal {formal}", limit=f"{formal} +- {ORDER_TOLERANCE}", runs=rows,
                 source="exact (manufactured) solution of PFHub BM7 and the formal order of the discretisation; "
                        "margin 0.1: the finest pairs depart from it by at most 0.04 (docs/allen-cahn.md)",
                 provenance=provenance)


def print_report(report: dict[str, Any], console: Console) -> None:
    for study in report["checks"]:
        table = Table(title=f"pfhub-bm7 {study['name'].replace('_order', '')}: L2 error at t = 8")
        for column in ("run", "L2 error", "observed order", "steps", "run [s]"):
            table.add_column(column, justify="right")
        for row in study["runs"]:
            order = "-" if row["order"] is None else f"{row['order']:.3f}"
            table.add_row(row["run"], f"{row['error']:.4e}", order, str(row["steps"]), f"{row['run_seconds']:.1f}")
        console.print(table)


def validate_bm7(runner: CaseRunner, *, out: Path | None = None, quick: bool = False, overrides: list[str] = (),
                 precision: str | None = None, progress: bool = True, console: Console | None = None) -> int:
    """Run the space and time studies, print both tables, write validation.json; the exit status."""
    console = console or Console()
    run_dir = Path(out) if out else default_run_dir("validate-pfhub-bm7")
    overrides = list(overrides)
    grids = GRIDS[quick]
    space_runs = [(f"{n}x{n // 2}", [f"grid.shape=[{n}, {n // 2}]", f"time.dt={SPACE_STEP!r}",
                                     'model.scheme="imex-ark3"']) for n in grids]
    time_runs = [(f"dt={dt:g}", [f"grid.shape=[{grids[-1]}, {grids[-1] // 2}]", f"time.dt={dt!r}",
                                 'model.scheme="imex-euler"']) for dt in TIME_STEPS]
    checks = [_study(runner, run_dir, "space", space_runs, 2, overrides, precision, progress),
              _study(runner, run_dir, "time", time_runs, 1, overrides, precision, progress)]
    report = {"benchmark": "pfhub-bm7", "quick": quick, "checks": checks, "time": 8.0,
              "provenance": checks[0]["provenance"]}
    print_report(report, console)
    return finish(report, run_dir, console)
