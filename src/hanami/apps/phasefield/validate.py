"""`hanami validate pfhub-bm1a | pfhub-bm1b`: run BM1 and judge it against PFHub.

Passes when every F(t) with a published figure lies in its band
(`references.bands`), the mean of c is conserved to round-off, and F never
increases between recorded diagnostics.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from hanami.apps.phasefield.references import CHECK_TIMES, bands, published
from hanami.apps.base import CaseRunner, RunResult
from hanami.core.files import default_run_dir, write_text

# Round-off allowances, relative: accumulated over thousands of steps (float32
# drifts ~1e-5 by t = 1000 from the FFT round trips).
MASS_TOLERANCE = {"float64": 1e-11, "float32": 1e-4}
ENERGY_TOLERANCE = {"float64": 1e-10, "float32": 1e-5}


def _value_at(history: list[dict[str, float]], t: float, key: str) -> float:
    for row in history:
        if abs(row["time"] - t) <= 1e-9 * max(1.0, t):
            return row[key]
    return math.nan


def judge(result: RunResult, variant: str, precision: str) -> dict[str, Any]:
    """Compare a finished BM1 run with the published figures; return the report."""
    history = result.history
    stop = history[-1]["time"]
    refs = published(variant)
    limits = bands(variant)
    checks = []
    for t in CHECK_TIMES:
        if t > stop + 1e-9:
            continue
        value = _value_at(history, t, "free_energy")
        band = limits.get(t)
        checks.append({"time": t, "free_energy": value,
                       "published": {code: figures[t] for code, figures in refs.items() if t in figures},
                       "band": [band.low, band.high] if band else None,
                       "passed": band.contains(value) if band else None})
    mass0 = history[0]["mass"]
    mass_drift = max(abs(row["mass"] - mass0) for row in history) / abs(mass0)
    increases = [(a["time"], b["time"], b["free_energy"] - a["free_energy"])
                 for a, b in zip(history, history[1:])
                 if b["free_energy"] > a["free_energy"] + ENERGY_TOLERANCE[precision] * abs(a["free_energy"])]
    passed = (all(c["passed"] is not False for c in checks) and mass_drift <= MASS_TOLERANCE[precision]
              and not increases)
    return {
        "benchmark": f"pfhub-bm1{variant}",
        "passed": passed,
        "checks": checks,
        "mass_relative_drift": mass_drift,
        "mass_tolerance": MASS_TOLERANCE[precision],
        "free_energy_increases": [{"from": a, "to": b, "increase": d} for a, b, d in increases[:20]],
        "free_energy_samples": len(history),
        "steps": result.summary["iteration"],
        "rejected_attempts": result.summary["rejected_attempts"],
        "run_seconds": result.summary["timings_s"]["run"],
        "compile_seconds": result.summary["timings_s"]["compile"],
        "run_dir": str(result.run_dir),
        "provenance": result.summary["provenance"],
    }


def print_report(report: dict[str, Any], console: Console) -> None:
    codes = sorted({code for c in report["checks"] for code in c["published"]})
    table = Table(title=f"{report['benchmark']}: total free energy F(t)")
    table.add_column("t", justify="right")
    table.add_column("hanami", justify="right", style="bold")
    for code in codes:
        table.add_column(code, justify="right")
    table.add_column("band", justify="center")
    table.add_column("", justify="center")
    for c in report["checks"]:
        verdict = {True: "[green]pass[/]", False: "[red]FAIL[/]", None: "-"}[c["passed"]]
        band = f"[{c['band'][0]:.2f}, {c['band'][1]:.2f}]" if c["band"] else "-"
        table.add_row(f"{c['time']:g}", f"{c['free_energy']:.3f}",
                      *[f"{c['published'][k]:g}" if k in c["published"] else "-" for k in codes], band, verdict)
    console.print(table)
    mass_ok = report["mass_relative_drift"] <= report["mass_tolerance"]
    console.print(f"mass (mean c) relative drift: {report['mass_relative_drift']:.2e} "
                  f"(allowed {report['mass_tolerance']:.0e}) {'[green]pass[/]' if mass_ok else '[red]FAIL[/]'}")
    n_up = len(report["free_energy_increases"])
    console.print(f"F never increases over {report['free_energy_samples']} samples: "
                  f"{'[green]pass[/]' if not n_up else f'[red]FAIL[/] ({n_up} increases)'}")
    console.print(f"{report['steps']} steps ({report['rejected_attempts']} rejected), "
                  f"run {report['run_seconds']:.2f} s after {report['compile_seconds']:.2f} s compile")
    console.print("[bold green]VALIDATED[/]" if report["passed"] else "[bold red]NOT VALIDATED[/]")


def validate_bm1(variant: str, runner: CaseRunner, *, out: Path | None = None, quick: bool = False, overrides: list[str] = (),
                 precision: str | None = None, progress: bool = True, console: Console | None = None) -> int:
    """Run BM1a/b, print the table, write validation.json; return the exit status."""
    console = console or Console()
    name = f"pfhub-bm1{variant}"
    run_dir = Path(out) if out else default_run_dir(f"validate-{name}")
    extra = ["output.times=[0.0, 1.0, 10.0, 100.0, 1000.0, 10000.0]"] + list(overrides)
    result = runner.run_case(name, out=run_dir, overrides=extra, stop_time=1000.0 if quick else 10000.0,
                      precision=precision, progress=progress)
    report = judge(result, variant, result.summary["provenance"]["precision"])
    report["quick"] = quick
    write_text(run_dir / "validation.json", json.dumps(report, indent=2))
    print_report(report, console)
    console.print(f"written: {run_dir / 'validation.json'}")
    return 0 if report["passed"] else 1
