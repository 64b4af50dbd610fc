"""`hanami validate niederer --dx DX`: the Niederer et al. 2011 slab at every shipped
resolution down to DX, activation times at P1 ... P9 with their convergence in dx,
beside the codes of the benchmark.

Checks (labels as in `hanami.apps.base.checks`):

* verification, self-convergence: no point activates later on a finer grid (a
  7-point finite-difference scheme conducts too slowly on coarse grids, less so as dx
  shrinks), and with three or more resolutions the largest change between successive
  runs shrinks; all nine points take part (a point not activated by the stop time
  counts as later than the stop time). The observed order of each point (from the
  three finest resolutions where it activates, refinement ratios free) and the
  Richardson-extrapolated P8 are reported without a band.
* validation: P8 at dx 0.1 mm inside the cited codes' spread at that resolution
  (`references.P8_BAND`); at a coarser finest dx, or when the stop time comes before
  P8 activates (`--quick`), P8 is reported beside the codes' figures without a verdict.
"""

from __future__ import annotations

import math
import statistics
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr
from rich.console import Console
from rich.table import Table

from hanami.apps.base import CaseRunner, RunResult
from hanami.apps.base.checks import check, finish
from hanami.apps.cardiac.references import (
    P8_BAND,
    P8_BAND_DX,
    P8_BAND_SOURCE,
    PEERS,
    POINTS,
    peer_figures,
)
from hanami.core.convergence import extrapolate, observed_order
from hanami.core.files import default_run_dir
from hanami.errors import CaseError

RESOLUTIONS = (0.5, 0.2, 0.1, 0.05)  # shipped cases niederer-dx{dx} [mm]; 0.05 is sized for a GPU
DEFAULT_DX = 0.1
QUICK_STOP = 60.0  # [ms]
ROUND_OFF = 1e-6  # [ms]: a later activation on a finer grid smaller than this is round-off
SELF = "self-convergence"


def point_time(act: xr.DataArray, point: tuple[float, float, float]) -> float:
    """Activation time [ms] at a point: the node's where it is a node, else linear between nodes."""
    where = dict(zip(("x", "y", "z"), point))
    if all(np.isclose(act[axis].values, value, atol=1e-9).any() for axis, value in where.items()):
        return float(act.sel(where, method="nearest"))
    return float(act.interp(where))  # P9 at dx 0.2: midway between nodes in y and z


def point_times(result: RunResult) -> dict[str, float]:
    """Activation time [ms] at P1 ... P9 from a finished run (NaN: not activated)."""
    act = result.dataset["activation_time"].isel(time=-1)
    return {name: point_time(act, p) for name, p in POINTS.items()}


def convergence_table(times: dict[float, dict[str, float]]) -> dict[str, dict[str, Any]]:
    """Per point: times by dx, and the observed order and Richardson limit [ms] from the three
    finest resolutions where the point activates (NaN with fewer or without convergence)."""
    dxs = sorted(times, reverse=True)
    table = {}
    for name in POINTS:
        finite = [(d, times[d][name]) for d in dxs if math.isfinite(times[d][name])]
        order = limit = math.nan
        used = [d for d, _ in finite[-3:]]
        if len(finite) >= 3:
            h, q = zip(*finite[-3:])
            order = observed_order(h, q)
            if math.isfinite(order):
                limit = extrapolate(h[1], q[1], h[2], q[2], order)
        table[name] = {"times": {f"{d:g}": times[d][name] for d in dxs}, "order": order, "extrapolated": limit,
                       "from_dx": used if len(finite) >= 3 else []}
    return table


def p8_limit(times: dict[float, dict[str, float]], table: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Richardson-extrapolated P8 [ms]: at its own observed order where it activates at three
    resolutions, else from its two finest at the other points' observed orders (median, range)."""
    if math.isfinite(table["P8"]["order"]):
        value = table["P8"]["extrapolated"]
        return {"value": value, "order": table["P8"]["order"], "order_from": ["P8"], "range": [value, value]}
    finite = [(d, times[d]["P8"]) for d in sorted(times, reverse=True) if math.isfinite(times[d]["P8"])]
    others = {n: r["order"] for n, r in table.items() if n != "P8" and math.isfinite(r["order"])}
    if len(finite) < 2 or not others:
        return {"value": math.nan, "order": math.nan, "order_from": [], "range": [math.nan, math.nan]}
    (h1, q1), (h2, q2) = finite[-2:]
    order = statistics.median(others.values())
    ends = [extrapolate(h1, q1, h2, q2, p) for p in (min(others.values()), max(others.values()))]
    return {"value": extrapolate(h1, q1, h2, q2, order), "order": order, "order_from": sorted(others),
            "range": sorted(ends), "from_dx": [h1, h2]}


def _num(value: float) -> float | None:
    """A figure for a check: None where there is none (NaN)."""
    return value if math.isfinite(value) or math.isinf(value) else None


def _pair(ta: float, tb: float, stop: float) -> tuple[float, float, bool]:
    """(delay of the finer run, change, change is a lower bound) for one point, coarse ta, fine tb."""
    if math.isfinite(ta) and math.isfinite(tb):
        return tb - ta, abs(tb - ta), False
    if math.isfinite(ta):  # activated on the coarse grid only
        return math.inf, math.inf, False
    if math.isfinite(tb):  # activated on the finer grid only: later than `stop` on the coarse one
        return -(stop - tb), stop - tb, True
    return -math.inf, 0.0, True


def self_convergence(times: dict[float, dict[str, float]], stop: float) -> dict[str, Any]:
    """Delays on finer grids and the largest change between successive resolutions [ms], all points."""
    dxs = sorted(times, reverse=True)
    delays, changes, bounds = [], [], []
    for a, b in zip(dxs, dxs[1:]):
        pairs = [_pair(times[a][p], times[b][p], stop) for p in POINTS]
        delays.append(max(d for d, _, _ in pairs))
        changes.append(max(c for _, c, _ in pairs))
        bounds.append(any(lower for _, _, lower in pairs))
    ratio = changes[-1] / changes[-2] if len(changes) >= 2 and changes[-2] > 0 else math.nan
    return {"largest_delay": max(delays, default=math.nan), "max_change_between_resolutions": changes,
            "change_is_lower_bound": bounds, "change_ratio": ratio,
            "ratio_conclusive": len(changes) >= 2 and not bounds[-1]}


def niederer_checks(times: dict[float, dict[str, float]], stop: float) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The labelled checks and the verdict figures from activation times [ms] by dx [mm]."""
    dxs = sorted(times, reverse=True)
    finest = dxs[-1]
    table = convergence_table(times)
    conv = self_convergence(times, stop)
    p8x = p8_limit(times, table)
    orders = {n: r["order"] for n, r in table.items() if math.isfinite(r["order"])}
    p8 = times[finest]["P8"]
    dx_list = ", ".join(f"{d:g}" for d in dxs)
    checks = [
        check("largest delay on a finer grid, P1-P9 [ms]", "verification", _num(conv["largest_delay"]),
              conv["largest_delay"] <= ROUND_OFF if len(dxs) >= 2 else None, limit=f"<= {ROUND_OFF:g} (round-off)",
              source=SELF, resolutions=dxs),
        check("largest change between successive dx, last / previous", "verification", _num(conv["change_ratio"]),
              conv["change_ratio"] < 1.0 if conv["ratio_conclusive"] else None, limit="< 1", source=SELF,
              changes_ms=conv["max_change_between_resolutions"], lower_bounds=conv["change_is_lower_bound"]),
        check("observed order in dx, median over points", "verification",
              statistics.median(orders.values()) if orders else None, None, limit="-", source=SELF,
              orders=orders),
    ]
    fe = {c: v for c, v in peer_figures(P8_BAND_DX).items() if c != "FD 7-point"}
    fe_text = ", ".join(f"{c} {v:g}" for c, v in fe.items())
    checks.append(check("P8 extrapolated to dx -> 0 [ms]", "validation", _num(p8x["value"]), None,
                        limit=(f"no band; order {p8x['order']:.2f} from {', '.join(p8x['order_from'])}; range "
                               f"[{p8x['range'][0]:.2f}, {p8x['range'][1]:.2f}]"
                               if math.isfinite(p8x["value"]) else "no band; needs three resolutions"),
                        source=f"Richardson extrapolation of dx {dx_list}; finite-element codes at dx 0.1 "
                               "(shared/BENCHMARKS.md)", reference=f"finite elements at dx 0.1: {fe_text}",
                        extrapolation=p8x))
    at_band = abs(finest - P8_BAND_DX) < 1e-9
    cited = peer_figures(finest)
    reference = ", ".join(f"{c} {v:g}" for c, v in cited.items()) or "none cited at this dx"
    if at_band:
        passed = P8_BAND.contains(p8) if math.isfinite(p8) else None
        band = f"[{P8_BAND.low:g}, {P8_BAND.high:g}]" + ("" if math.isfinite(p8) else f"; not reached by {stop:g} ms")
        checks.append(check(f"P8 at dx {finest:g} [ms]", "validation", p8 if math.isfinite(p8) else None, passed,
                            limit=band, source=P8_BAND_SOURCE, reference=reference))
    else:
        why = f"no band at dx {finest:g}: finite-element figures only (the band is at dx {P8_BAND_DX:g})"
        checks.append(check(f"P8 at dx {finest:g} [ms]", "validation", p8 if math.isfinite(p8) else None, None,
                            limit=why, source=f"shared/BENCHMARKS.md (codes' P8 at dx {finest:g})",
                            reference=reference))
    verdict = {"p8_finest": p8, "p8_band": [P8_BAND.low, P8_BAND.high], "p8_band_dx": P8_BAND_DX,
               "p8_extrapolated": p8x["value"], "p8_order": p8x["order"], **conv}
    return checks, {"verdict": verdict, "convergence": table}


def _ms(t: float) -> str:
    return f"{t:.2f}" if math.isfinite(t) else "-"


def print_tables(report: dict[str, Any], console: Console) -> None:
    """Activation times with their convergence, and P8 of the codes of the benchmark."""
    runs = report["runs"]
    table = Table(title="Niederer benchmark: activation time \\[ms] (- = not activated by the stop time)")
    table.add_column("point")
    for r in runs:
        table.add_column(f"hanami dx {r['dx']:g}", justify="right", style="bold")
    table.add_column("observed order", justify="right")
    table.add_column("dx -> 0 (Richardson)", justify="right")
    for name, row in report["convergence"].items():
        table.add_row(name, *(_ms(r["times"][name]) for r in runs),
                      f"{row['order']:.2f}" if math.isfinite(row["order"]) else "-", _ms(row["extrapolated"]))
    console.print(table)
    peers = Table(title="P8 \\[ms] of the codes of the benchmark (shared/BENCHMARKS.md)")
    for column in ("code", "method", *(f"dx {d:g}" for d in RESOLUTIONS[:3]), "note"):
        peers.add_column(column, justify="right" if column.startswith("dx") else "left")
    for p in PEERS:
        peers.add_row(p.code, p.method, *(f"{p.p8[d]:g}" if d in p.p8 else "" for d in RESOLUTIONS[:3]), p.note)
    peers.add_row("hanami", "finite differences (7-point)",
                  *(_ms(next((r["times"]["P8"] for r in runs if abs(r["dx"] - d) < 1e-9), math.nan))
                    for d in RESOLUTIONS[:3]), "this run")
    console.print(peers)
    verdict = report["verdict"]
    if math.isfinite(verdict["p8_extrapolated"]):
        console.print(f"P8 extrapolated to dx -> 0: {verdict['p8_extrapolated']:.2f} ms "
                      f"(order {verdict['p8_order']:.2f})")
    for r in runs:
        console.print(f"dx {r['dx']:g}: {r['nodes']} nodes, {r['steps']} steps, run {r['run_seconds']:.1f} s "
                      f"(compile {r['compile_seconds']:.1f} s), {r['node_steps_per_second']:.3g} node-steps/s")


def validate_niederer(runner: CaseRunner, *, out: Path | None = None, quick: bool = False, overrides: list[str] = (),
                      precision: str | None = None, progress: bool = True, console: Console | None = None,
                      dx: float | None = None) -> int:
    """Run the slab at each shipped dx >= `dx` [mm], print the tables and checks, write validation.json."""
    console = console or Console()
    finest = DEFAULT_DX if dx is None else dx
    if not any(abs(finest - d) < 1e-9 for d in RESOLUTIONS):
        raise CaseError(f"--dx {finest:g}: allowed values are {', '.join(f'{d:g}' for d in RESOLUTIONS)}")
    run_dir = Path(out) if out else default_run_dir("validate-niederer")
    runs = []
    for d in (d for d in RESOLUTIONS if d >= finest - 1e-9):
        result = runner.run_case(f"niederer-dx{d:g}", out=run_dir / f"dx{d:g}", overrides=list(overrides),
                                 stop_time=QUICK_STOP if quick else None, precision=precision, progress=progress)
        s = result.summary
        nodes = int(np.prod([result.dataset.sizes[a] for a in ("x", "y", "z")]))
        runs.append({"dx": d, "times": point_times(result), "nodes": nodes, "steps": s["iteration"],
                     "stop_time": s["time"], "run_seconds": s["timings_s"]["run"],
                     "compile_seconds": s["timings_s"]["compile"],
                     "node_steps_per_second": nodes * s["iteration"] / max(s["timings_s"]["run"], 1e-12),
                     "run_dir": str(result.run_dir), "provenance": s["provenance"]})
    stop = min(r["stop_time"] for r in runs)
    checks, figures = niederer_checks({r["dx"]: r["times"] for r in runs}, stop)
    report = {"benchmark": "niederer", "finest_dx": finest, "quick": quick, "stop_time": stop, "runs": runs,
              **figures, "peers_p8": [{"code": p.code, "method": p.method, "published": p.published, "note": p.note,
                                       "p8": {f"{k:g}": v for k, v in p.p8.items()}} for p in PEERS],
              "provenance": runs[0]["provenance"], "checks": checks}
    print_tables(report, console)
    return finish(report, run_dir, console)
