"""`hanami validate tp06-cell`: the first beat of the shipped single TP06 cell (1 Hz,
first stimulus at 10 ms), its APD90, resting and peak potential and max dV/dt.

Checks (labels as in `hanami.apps.base.checks`):

* validation: APD90 of beat 1 at the case's dt inside the two independent codes'
  agreement stated in shared/BENCHMARKS.md (291.5 +- 0.2 ms); with the first stimulus
  after 100 ms of rest, APD90 beside the notes' 299.5 ms (no spread stated: reported);
* verification, same equations with an independent integrator: each figure at the
  case's dt against scipy's `solve_ivp` (`cell_reference.py`), within hanami's own
  error band at that dt: Roache's GCI of a time-step study (dt, dt/2, dt/4; Fs 1.25
  with the observed order, Fs 3 with the formal order 1 where it is not observed or
  with `--quick`, which runs dt and dt/2 only), plus the reference's change between
  two tolerances. The model paper (ten Tusscher & Panfilov 2006) is the source of the
  equations both integrate.

Units: time [ms], V [mV], dV/dt [mV/ms].
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from hanami.apps.base import CaseRunner
from hanami.apps.base.checks import check, finish
from hanami.apps.cardiac.ionic import ionic_model
from hanami.apps.cardiac.references import (
    APD90_BAND,
    APD90_BEAT1,
    APD90_BEAT1_REST100,
    APD90_REST100_SOURCE,
    APD90_SOURCE,
    TP06_PAPER,
)
from hanami.core.convergence import (
    SAFETY_ASSUMED,
    SAFETY_OBSERVED,
    gci_coarse,
    observed_order,
)
from hanami.core.files import default_run_dir
from hanami.errors import CaseError

CASE = "tp06-cell"
BEAT_WINDOW = 410.0  # [ms] after the first stimulus: beat 1 repolarises by about 300 ms
DT_DIVISORS = (1, 2, 4)  # the time-step study: the case's dt over these
QUICK_DT_DIVISORS = (1, 2)
FORMAL_ORDER = 1.0  # Rush-Larsen gates and forward-Euler rest are first order in dt
METHOD = "BDF"
TOLERANCES = ((1e-10, 1e-12), (1e-8, 1e-10))  # (rtol, atol): the reference, then the looser one
REST_START = 100.0  # [ms]: the first stimulus after 100 ms of rest
# figure: (label, summary key prefix, `Beat` attribute)
FIGURES = (("APD90 beat 1 [ms]", "apd90", "apd90"), ("V rest beat 1 [mV]", "V_rest", "v_rest"),
           ("V peak beat 1 [mV]", "V_peak", "v_peak"), ("dV/dt max beat 1 [mV/ms]", "dVdt_max", "dvdt_max"))


def beat_figures(summary: dict[str, Any]) -> dict[str, float]:
    """Beat 1's figures from a run's summary.json, by `Beat` attribute name."""
    diagnostics = summary["diagnostics"]
    return {attr: float(diagnostics.get(f"{key}_beat1", math.nan)) for _, key, attr in FIGURES}


def error_band(dts: list[float], values: list[float]) -> dict[str, Any]:
    """hanami's error band at the coarsest dt from its time-step study (Roache's GCI).

    With three steps the order is the observed one, at most the formal order (a larger
    observed order, from errors that partly cancel, would shrink the band), with Fs 1.25;
    otherwise the formal order with Fs 3.
    """
    observed, order, safety = math.nan, FORMAL_ORDER, SAFETY_ASSUMED
    if len(dts) >= 3:
        observed = observed_order(dts[:3], values[:3])
        if math.isfinite(observed):
            order, safety = min(observed, FORMAL_ORDER), SAFETY_OBSERVED
    band = gci_coarse(dts[0], values[0], dts[1], values[1], order, safety)
    return {"gci": band, "order": order, "order_observed": observed, "safety": safety}


def cell_checks(hanami: dict[float, dict[str, float]], reference: dict[str, float], loose: dict[str, float],
                label: str, rest100: float | None = None) -> list[dict[str, Any]]:
    """The labelled checks from hanami's figures by dt [ms] and the reference's at two tolerances."""
    dts = sorted(hanami, reverse=True)
    base = hanami[dts[0]]
    checks = [check("APD90 beat 1 [ms]", "validation", base["apd90"],
                    APD90_BAND.contains(base["apd90"]) if math.isfinite(base["apd90"]) else False,
                    limit=f"[{APD90_BAND.low:g}, {APD90_BAND.high:g}]", source=APD90_SOURCE,
                    reference=f"{APD90_BEAT1:g} (two codes)", dt=dts[0])]
    if rest100 is not None:
        checks.append(check("APD90 beat 1 after 100 ms of rest [ms]", "validation", rest100, None,
                            limit="no band: no spread stated", source=APD90_REST100_SOURCE,
                            reference=f"{APD90_BEAT1_REST100:g}", dt=dts[0]))
    study = ", ".join(f"{d:g}" for d in dts)
    for name, _, attr in FIGURES:
        values = [hanami[d][attr] for d in dts]
        ref, tolerance = reference[attr], abs(reference[attr] - loose[attr])
        diff = abs(values[0] - ref)
        if not all(map(math.isfinite, values + [ref])):
            checks.append(check(f"{name} vs solve_ivp", "verification", values[0], False, limit="finite figures",
                                reference=f"{ref:.6g}", source=f"same equations, independent integrator: {label}"))
            continue
        band = error_band(dts, values)
        allowed = band["gci"] + tolerance
        how = (f"order {band['order']:.2f}, observed {band['order_observed']:.2f}"
               if math.isfinite(band["order_observed"]) else f"formal order {band['order']:g}")
        checks.append(check(
            f"{name} vs solve_ivp", "verification", values[0], diff <= allowed,
            limit=f"|diff| <= {allowed:.3g} (GCI Fs {band['safety']:g}, {how}; + reference tolerance {tolerance:.1g})",
            reference=f"{ref:.6g}",
            source=(f"same equations ({TP06_PAPER}), independent integrator: {label}; band: hanami's time-step "
                    f"study dt {study} ms (Roache 1994 GCI) + the reference's change from rtol {TOLERANCES[1][0]:g}"),
            difference=diff, hanami_by_dt={f"{d:g}": hanami[d][attr] for d in dts}, reference_loose=loose[attr],
            **band))
    return checks


def _table(report: dict[str, Any], console: Console) -> None:
    dts = [r["dt"] for r in report["runs"]]
    table = Table(title="TP06 single cell, beat 1: hanami by dt \\[ms] beside scipy solve_ivp")
    for column in ("figure", *(f"hanami dt {d:g}" for d in dts), "scipy (reference)", "scipy (looser)"):
        table.add_column(column, justify="left" if column == "figure" else "right")
    for name, _, attr in FIGURES:
        table.add_row(name, *(f"{r['figures'][attr]:.6f}" for r in report["runs"]),
                      f"{report['reference'][attr]:.6f}", f"{report['reference_loose'][attr]:.6f}")
    console.print(table)
    for r in report["runs"]:
        console.print(f"dt {r['dt']:g}: {r['steps']} steps, run {r['run_seconds']:.2f} s "
                      f"(compile {r['compile_seconds']:.2f} s)")
    for key in ("reference", "reference_loose"):
        console.print(f"{report[key + '_integrator']}: {report[key + '_seconds']:.1f} s")


def validate_tp06_cell(runner: CaseRunner, *, out: Path | None = None, quick: bool = False, overrides: list[str] = (),
                       precision: str | None = None, progress: bool = True, console: Console | None = None) -> int:
    """Run beat 1 at dt, dt/2 (and dt/4), integrate it with scipy, print the checks, write validation.json."""
    # on use: scipy.integrate costs 0.3 s at every command's start
    from hanami.apps.cardiac.cell_reference import integrator_label, reference_beat

    console = console or Console()
    run_dir = Path(out) if out else default_run_dir("validate-tp06-cell")
    case = runner.load_case(CASE, list(overrides)).case
    if case.grid is not None or not case.protocols():
        raise CaseError(f"validate {CASE}: the case must stay a single paced cell (no [grid], one [[stimulus]])")
    protocol = case.protocols()[0]
    stop = protocol.start + BEAT_WINDOW
    runs = []
    for k in QUICK_DT_DIVISORS if quick else DT_DIVISORS:
        dt = case.time.dt / k
        result = runner.run_case(CASE, out=run_dir / f"dt{dt:g}", overrides=[*overrides, f"time.dt={dt!r}"],
                                 stop_time=stop, precision=precision, progress=progress)
        s = result.summary
        runs.append({"dt": dt, "figures": beat_figures(s), "steps": s["iteration"], "run_seconds": s["timings_s"]["run"],
                     "compile_seconds": s["timings_s"]["compile"], "run_dir": str(result.run_dir),
                     "provenance": s["provenance"]})
    rest100 = None
    if not quick:
        result = runner.run_case(CASE, out=run_dir / "rest100", overrides=[*overrides, f"stimulus.0.start={REST_START!r}"],
                                 stop_time=REST_START + BEAT_WINDOW, precision=precision, progress=progress)
        rest100 = beat_figures(result.summary)["apd90"]
    ionic = ionic_model(case.model.ionic, case.model.cell_type)
    report: dict[str, Any] = {"benchmark": CASE, "quick": quick, "stop_time": stop, "runs": runs,
                              "apd90_rest100": rest100, "provenance": runs[0]["provenance"]}
    for key, (rtol, atol) in zip(("reference", "reference_loose"), TOLERANCES):
        began = time.perf_counter()
        report[key] = reference_beat(ionic, protocol, stop, method=METHOD, rtol=rtol, atol=atol).figures()
        report[key + "_seconds"] = time.perf_counter() - began
        report[key + "_integrator"] = integrator_label(METHOD, rtol, atol)
    report["checks"] = cell_checks({r["dt"]: r["figures"] for r in runs}, report["reference"],
                                   report["reference_loose"], report["reference_integrator"], rest100)
    _table(report, console)
    return finish(report, run_dir, console)
