"""`hanami validate niederer --dx DX`: the Niederer et al. 2011 slab at every shipped
resolution down to DX, activation times at P1 ... P9 beside the published ones.

Passes when
* P8 at the finest resolution run lies in the spread of the published codes at
  their finest resolution (`references.P8_BAND`), and
* activation times converge as dx shrinks: at every point activated in every run
  they do not increase from one resolution to the next finer (finite differences
  conduct too slowly on coarse grids, and less so as dx shrinks), and with three
  or more resolutions the largest change between successive runs shrinks.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

from hanami.apps.cardiac.references import P8_BAND, POINTS, PUBLISHED_P8
from hanami.apps.base import CaseRunner, RunResult
from hanami.core.files import default_run_dir, write_text
from hanami.errors import CaseError

RESOLUTIONS = (0.5, 0.2, 0.1)  # shipped cases niederer-dx{dx}


def point_times(result: RunResult) -> dict[str, float]:
    """Activation time [ms] at P1 ... P9 from a finished run (NaN: not activated)."""
    act = result.dataset["activation_time"].isel(time=-1)
    return {name: float(act.sel(x=p[0], y=p[1], z=p[2], method="nearest")) for name, p in POINTS.items()}


def judge(times: dict[float, dict[str, float]]) -> dict[str, Any]:
    """The pass/fail verdict from activation times by dx (coarse to fine)."""
    dxs = sorted(times, reverse=True)
    finest = dxs[-1]
    p8 = times[finest]["P8"]
    p8_ok = bool(np.isfinite(p8) and P8_BAND.contains(p8))
    common = [p for p in POINTS if all(np.isfinite(times[d][p]) for d in dxs)]
    changes = [max((abs(times[a][p] - times[b][p]) for p in common), default=math.nan)
               for a, b in zip(dxs, dxs[1:])]
    monotone = all(times[b][p] <= times[a][p] + 1e-6 for a, b in zip(dxs, dxs[1:]) for p in common)
    shrinking = all(later < earlier for earlier, later in zip(changes, changes[1:]))
    converges = len(dxs) >= 2 and bool(common) and monotone and shrinking
    return {"p8_finest": p8, "p8_band": [P8_BAND.low, P8_BAND.high], "p8_passed": p8_ok,
            "common_points": common, "max_change_between_resolutions": changes,
            "monotone": monotone, "changes_shrink": shrinking, "converges": converges,
            "passed": p8_ok and converges}


def print_report(report: dict[str, Any], console: Console) -> None:
    dxs = [r["dx"] for r in report["runs"]]
    table = Table(title="Niederer benchmark: activation time \\[ms] (- = not activated by the stop time)")
    table.add_column("point")
    for r in report["runs"]:
        table.add_column(f"hanami dx {r['dx']:g}", justify="right", style="bold")
    codes = [(code, dx) for code, by_dx in PUBLISHED_P8.items() for dx in sorted(by_dx)]
    for code, dx in codes:
        table.add_column(f"{code} {dx:g}", justify="right")
    for name in POINTS:
        row = [f"{r['times'][name]:.2f}" if np.isfinite(r["times"][name]) else "-" for r in report["runs"]]
        pub = [f"{PUBLISHED_P8[c][d]:g}" if name == "P8" else "" for c, d in codes]
        table.add_row(name, *row, *pub)
    console.print(table)
    v = report["verdict"]
    mark = "[green]pass[/]" if v["p8_passed"] else "[red]FAIL[/]"
    console.print(f"P8 at dx {dxs[-1]:g}: {v['p8_finest']:.2f} ms; published spread [{v['p8_band'][0]:g}, "
                  f"{v['p8_band'][1]:g}] ms {mark}")
    changes = ", ".join(f"{c:.2f}" for c in v["max_change_between_resolutions"])
    mark = "[green]pass[/]" if v["converges"] else "[red]FAIL[/]"
    console.print(f"convergence over {', '.join(v['common_points']) or 'no common points'}: largest change "
                  f"between successive dx [{changes}] ms, monotone {v['monotone']}, shrinking "
                  f"{v['changes_shrink']} {mark}")
    for r in report["runs"]:
        console.print(f"dx {r['dx']:g}: {r['nodes']} nodes, {r['steps']} steps, run {r['run_seconds']:.1f} s "
                      f"(compile {r['compile_seconds']:.1f} s), {r['node_steps_per_second']:.3g} node-steps/s")
    console.print("[bold green]VALIDATED[/]" if report["passed"] else "[bold red]NOT VALIDATED[/]")


def validate_niederer(runner: CaseRunner, *, out: Path | None = None, quick: bool = False, overrides: list[str] = (),
                      precision: str | None = None, progress: bool = True, console: Console | None = None,
                      dx: float | None = None) -> int:
    """Run the slab at each shipped dx >= `dx`, print the table, write validation.json."""
    console = console or Console()
    finest = 0.1 if dx is None else dx
    if not any(abs(finest - d) < 1e-9 for d in RESOLUTIONS):
        raise CaseError(f"--dx {finest:g}: allowed values are {', '.join(f'{d:g}' for d in RESOLUTIONS)}")
    run_dir = Path(out) if out else default_run_dir("validate-niederer")
    runs = []
    for d in (d for d in RESOLUTIONS if d >= finest - 1e-9):
        result = runner.run_case(f"niederer-dx{d:g}", out=run_dir / f"dx{d:g}", overrides=list(overrides),
                          stop_time=60.0 if quick else None, precision=precision, progress=progress)
        s = result.summary
        nodes = int(np.prod([result.dataset.sizes[a] for a in ("x", "y", "z")]))
        runs.append({"dx": d, "times": point_times(result), "nodes": nodes, "steps": s["iteration"],
                     "run_seconds": s["timings_s"]["run"], "compile_seconds": s["timings_s"]["compile"],
                     "node_steps_per_second": nodes * s["iteration"] / max(s["timings_s"]["run"], 1e-12),
                     "run_dir": str(result.run_dir), "provenance": s["provenance"]})
    verdict = judge({r["dx"]: r["times"] for r in runs})
    report = {"benchmark": "niederer", "finest_dx": finest, "quick": quick, "runs": runs,
              "published_p8": {c: {str(k): v for k, v in by.items()} for c, by in PUBLISHED_P8.items()},
              "verdict": verdict, "passed": verdict["passed"]}
    write_text(run_dir / "validation.json", json.dumps(report, indent=2, default=float))
    print_report(report, console)
    console.print(f"written: {run_dir / 'validation.json'}")
    return 0 if report["passed"] else 1
