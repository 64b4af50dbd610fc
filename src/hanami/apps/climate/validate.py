"""`hanami validate williamson-tc2 | williamson-tc5 | williamson-tc6 | galewsky-steady`.

Every check is labelled (see `hanami.apps.base.checks` and `references`):

* williamson-tc2 (verification): l1, l2, linf of h after 5 days at alpha = 0,
  pi/4, pi/2 against the exact steady solution, and every invariant, within
  rounding (eps per step).
* galewsky-steady: the unperturbed jet over 6 days at T85. Verification: without
  hyperdiffusion the jet is an exact steady state, so max |h - h0| is the
  imbalance that the truncation of the analytic jet leaves and must fall with
  resolution (T63, T85); invariants. Validation: hanami's final h against
  dinosaur's of the same configuration, with and without the diffusion.
* williamson-tc5 / -tc6: verification by self-convergence: errors of h at T42,
  T63 (and T85) against a run of the same code at T213 (T106 with --quick; any T
  with --reference-truncation), made by this command and cached (see
  `reference_runs`), all runs at the reference's step; the largest l2 over the
  run must fall with resolution; invariants. Validation: the final h against
  dinosaur's at the same truncation and step (`peers`). TC6 also measures the
  wave-4 pattern speed at 40 N, its reference value being the high-resolution
  run's (self-convergence), and, having no diffusion, runs T42 at half the step
  too (its energy loss is the RAW filter's). GME norms are reported beside, unjudged.

Each prints its table, then the labelled checks, and writes validation.json.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

from hanami.apps.base import CaseRunner, RunResult, check, finish
from hanami.apps.climate import analysis, peers
from hanami.apps.climate import references as ref
from hanami.apps.climate.build import initial_grid_fields
from hanami.apps.climate.reference_runs import (reference_plan, reference_run_dirs, reference_solution,
                                                run_at_truncation, step_for)
from hanami.apps.climate.verdicts import drifts, falls, invariant_checks, loss_checks
from hanami.core.files import default_run_dir


def _common(result: RunResult) -> dict[str, Any]:
    s = result.summary
    return {"run_dir": str(result.run_dir), "steps": s["iteration"], "run_seconds": s["timings_s"]["run"],
            "compile_seconds": s["timings_s"]["compile"], "conservation": drifts(result)}


def _print_costs(runs: dict[str, Any], console: Console) -> None:
    for name, run in runs.items():
        console.print(f"{name}: {run['steps']} steps in {run['run_seconds']:.2f} s "
                      f"(+{run['compile_seconds']:.2f} s compile)")


# -- TC2 ---------------------------------------------------------------------------------------
def validate_tc2(runner: CaseRunner, *, out: Path | None = None, quick: bool = False, overrides: list[str] = (),
                 precision: str | None = None, progress: bool = True, console: Console | None = None) -> int:
    """Run TC2 at three tilts against the exact solution; print the tables, write validation.json."""
    console = console or Console()
    run_dir = Path(out) if out else default_run_dir("validate-williamson-tc2")
    table = Table(title="williamson-tc2: h error against the exact solution (Gaussian-weighted, as STSWM)")
    for col in ("alpha", "day", "l1", "l2", "linf", "steps"):
        table.add_column(col, justify="right")
    runs, checks = {}, []
    for label, alpha in ref.TC2_ALPHAS.items():
        sub = run_dir / f"alpha-{label.replace('/', '_')}"
        result = runner.run_case("williamson-tc2", out=sub, overrides=[f"initial.alpha={alpha!r}"] + list(overrides),
                                 stop_time=86400.0 if quick else None, precision=precision, progress=progress)
        case = runner.load_case(sub / "case.toml").case
        grid = case.grid.build(case.model.radius)
        h, truth = result.dataset["h"].values, initial_grid_fields(case, grid)[2]
        norms = analysis.error_norms(h[-1], truth, grid)
        steps = int(result.summary["iteration"])
        bound = ref.representation_bound(case.grid.truncation, steps, case.precision)
        name = f"alpha={label}"
        checks.append(check(f"{name}: h l2 error", "verification", norms["l2"], norms["l2"] <= bound,
                            limit=f"<= {bound:.1e}", reference="0 (steady)", l1=norms["l1"], linf=norms["linf"],
                            l2_initial=analysis.error_norms(h[0], truth, grid)["l2"], steps=steps,
                            source=ref.EXACT_TC2 + f" (eps = {ref.eps(case.precision):.3g}, {steps} steps)"))
        checks += invariant_checks(name, result, steady=True)
        runs[name] = {"alpha": alpha, "day": result.summary["time"] / ref.DAY, **norms, **_common(result)}
        table.add_row(label, f"{runs[name]['day']:g}", f"{norms['l1']:.2e}", f"{norms['l2']:.2e}",
                      f"{norms['linf']:.2e}", str(steps))
    console.print(table)
    _print_costs(runs, console)
    return finish({"benchmark": "williamson-tc2", "quick": quick, "runs": runs, "checks": checks}, run_dir, console)


# -- Galewsky steady jet -------------------------------------------------------------------------
def validate_galewsky_steady(runner: CaseRunner, *, out: Path | None = None, quick: bool = False,
                             overrides: list[str] = (), precision: str | None = None, progress: bool = True,
                             console: Console | None = None) -> int:
    """The unperturbed jet, shipped and without hyperdiffusion (T85, and T63 for the convergence)."""
    console = console or Console()
    run_dir = Path(out) if out else default_run_dir("validate-galewsky-steady")
    inviscid = ["model.diffusion_time=0"]
    variants = {"shipped": [], "inviscid": inviscid, "inviscid-T63": inviscid + ["grid.truncation=63"]}
    extra = ['stop.time="2 days"'] if quick else []
    runs, checks, cases, finals = {}, [], {}, {}
    table = Table(title="galewsky-steady: max |h(t) - h(0)| [m]")
    for col in ("run", "T", "day", "max |dh|", "dinosaur (same configuration)"):
        table.add_column(col, justify="right")
    for name, settings in variants.items():
        result = runner.run_case("galewsky-steady", out=run_dir / name, overrides=extra + settings + list(overrides),
                                 precision=precision, progress=progress)
        case = cases[name] = runner.load_case(run_dir / name / "case.toml").case
        h = result.dataset["h"].values
        finals[name] = h[-1]
        change = analysis.max_height_change(h[-1], h[0])
        runs[name] = {"truncation": case.grid.truncation, "day": result.summary["time"] / ref.DAY,
                      "max_abs_dh": change, "max_abs_dh_by_output": [analysis.max_height_change(x, h[0]) for x in h],
                      **_common(result)}
        checks += invariant_checks(name, result)
        _, stored = peers.find(case)
        table.add_row(name, str(case.grid.truncation), f"{runs[name]['day']:g}", f"{change:.3e}",
                      f"{stored['max_abs_dh']:.3e}" if stored else "-")
    console.print(table)
    _print_costs(runs, console)
    checks.append(falls("inviscid: max |h - h0| falls with T [m]",
                        {"T63": runs["inviscid-T63"]["max_abs_dh"], "T85": runs["inviscid"]["max_abs_dh"]},
                        "self-convergence: without diffusion the jet is an exact steady state of the equations, "
                        "so only the truncation's imbalance moves it, which must fall with resolution"))
    grid = cases["shipped"].grid.build(cases["shipped"].model.radius)
    for name in ("shipped", "inviscid"):
        checks.append(peers.steady_check(name, cases[name], finals[name], grid, runs["inviscid"]["max_abs_dh"],
                                         cases["inviscid"]))
    return finish({"benchmark": "galewsky-steady", "quick": quick, "runs": runs, "checks": checks}, run_dir, console)


# -- TC5 / TC6 against a high-resolution run and the peer ----------------------------------------
def _speed_checks(label: str, case: Any, speed: tuple[float, float], ref_speed: tuple[float, float],
                  t_ref: int) -> list[dict[str, Any]]:
    """TC6 pattern speed at T against the reference run's (self-convergence) and against dinosaur's."""
    difference = speed[0] - ref_speed[0]
    resolution = 2 * math.hypot(speed[1], ref_speed[1])
    out = [check(f"{label}: wave-4 speed minus T{t_ref}'s [deg/day]", "verification", difference,
                 abs(difference) <= resolution if math.isfinite(resolution) else None,
                 limit=f"|.| <= {resolution:.3f}", reference=f"T{t_ref} {ref_speed[0]:.4f}", speed=speed[0],
                 source=(f"self-convergence: the speed of hanami's T{t_ref} run (same step) is the reference value; "
                         "band: twice the combined standard error of the two linear fits of the phase "
                         "(the speed's resolution)"))]
    out.append(peers.speed_check(label, case, speed[0], abs(difference), f"T{t_ref} run"))
    return out


def validate_convergence(case: str, runner: CaseRunner, *, out: Path | None = None, quick: bool = False,
                         overrides: list[str] = (), precision: str | None = None, progress: bool = True,
                         console: Console | None = None, reference_truncation: int | None = None) -> int:
    """TC5 or TC6 at T42, T63 (, T85) against T213 (T106 with --quick, or `reference_truncation`) and dinosaur."""
    console = console or Console()
    t_ref, truncations = reference_plan(quick, reference_truncation)
    run_dir = Path(out) if out else default_run_dir(f"validate-{case}")
    shipped = runner.load_case(case, list(overrides)).case
    prec = precision or shipped.precision
    ref_times, ref_fields, ref_grid = reference_solution(runner, case, t_ref, prec, list(overrides), progress, console)
    ref_h = ref_fields["h"]
    day = float(ref_times[-1]) / ref.DAY
    tc6 = case == "williamson-tc6"
    ref_speed = analysis.phase_speed_fit(ref_times, ref_h, ref_grid) if tc6 else None
    table = Table(title=f"{case}: h error at day {day:g} against T{t_ref} (verification) and dinosaur (validation)")
    for col in ("T", "l1", "l2", "linf", "max l2 over run", "l2(hanami - dinosaur)", *(("speed",) if tc6 else ())):
        table.add_column(col, justify="right")
    runs, checks, results = {}, [], {}
    dt = step_for(t_ref)  # every run at the reference's step: the errors measure the spatial truncation
    for t in truncations:
        label = f"T{t}"
        result, run_case, grid = run_at_truncation(runner, case, run_dir, t, dt, list(overrides), precision, progress,
                                                   ref_grid.radius)
        results[label] = result
        times, h = result.dataset["time"].values, result.dataset["h"].values
        norms = analysis.error_norms(h[-1], analysis.interpolate(ref_h[-1], ref_grid, grid), grid)
        # l2 at every output time the reference also has; a phase error makes the final-time figure
        # oscillate, so convergence is judged on the largest l2 over the run.
        by_time = {float(tt) / ref.DAY: analysis.error_norms(h[i], analysis.interpolate(ref_h[j], ref_grid, grid),
                                                             grid)["l2"]
                   for i, tt in enumerate(times) for j in np.flatnonzero(np.isclose(ref_times, tt))}
        entry = runs[label] = {"truncation": t, "dt": dt, **norms, "l2_by_day": by_time,
                               "l2_max": max(by_time.values()), **_common(result)}
        checks.append(check(f"{label}: h l2 at day {day:g}", "verification", norms["l2"], None, limit="-",
                            reference=f"T{t_ref}", source=ref.SELF_CONVERGENCE.format(ref=t_ref), l1=norms["l1"],
                            linf=norms["linf"], l2_max=entry["l2_max"]))
        peer = peers.field_check(label, run_case, "h", h[-1], grid, norms["l2"], f"T{t_ref} run")
        checks.append(peer)
        speed_cell = ()
        if tc6:
            speed = analysis.phase_speed_fit(times, h, grid)
            entry["pattern_speed_deg_per_day"], entry["pattern_speed_standard_error"] = speed
            checks += _speed_checks(label, run_case, speed, ref_speed, t_ref)
            speed_cell = (f"{speed[0]:.3f} +- {speed[1]:.3f}",)
        checks += invariant_checks(label, result)
        table.add_row(str(t), f"{norms['l1']:.2e}", f"{norms['l2']:.2e}", f"{norms['linf']:.2e}",
                      f"{entry['l2_max']:.2e}", "-" if peer["value"] is None else f"{peer['value']:.2e}", *speed_cell)
    console.print(table)
    _print_costs(runs, console)
    l2_max = {k: v["l2_max"] for k, v in runs.items()}
    checks.append(falls("largest h l2 over the run falls with T", l2_max, ref.SELF_CONVERGENCE.format(ref=t_ref)))
    diffusion = bool(shipped.model.diffusion_time)
    half_step = None
    if not diffusion:  # the loss is the RAW filter's: one more run, the coarsest at half the step
        coarsest = f"T{truncations[0]}"
        half = runner.run_case(case, out=run_dir / f"{coarsest}-half-step", precision=precision, progress=progress,
                               overrides=[f"grid.truncation={truncations[0]}", f"time.dt={dt / 2!r}"] + list(overrides))
        half_step = (coarsest, results[coarsest], half)
    checks += loss_checks("", results, diffusion, half_step)
    gme = ref.GME_L2[case]
    first = next(iter(runs))  # the coarsest
    checks.append(check(f"{first}: h l2 at day {gme['day']:g} beside GME", "validation",
                        runs[first]["l2_by_day"].get(gme["day"]), None, limit="-",
                        reference=f"GME ni 32 {gme['by_ni'][32]:.2e} to ni 192 {gme['by_ni'][192]:.2e}",
                        source=ref.GME_SOURCE))
    report = {"benchmark": case, "quick": quick, "reference_truncation": t_ref, "reference_dt": dt,
              "converges": all(b < a for a, b in zip(list(l2_max.values()), list(l2_max.values())[1:])),
              "runs": runs, "checks": checks}
    if tc6:
        haurwitz = ref.haurwitz_speed()
        report.update(reference_pattern_speed_deg_per_day=ref_speed[0], haurwitz_speed_deg_per_day=haurwitz,
                      pattern_speed_deg_per_day={k: v["pattern_speed_deg_per_day"] for k, v in runs.items()})
        checks.append(check(f"T{t_ref}: wave-4 speed at 40N [deg/day]", "validation", ref_speed[0], None, limit="-",
                            reference=f"{haurwitz:.2f}", source=ref.HAURWITZ_SOURCE))
    return finish(report, run_dir, console, extra_runs=reference_run_dirs(case, t_ref, prec, list(overrides)))
