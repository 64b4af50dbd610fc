"""`hanami validate galewsky`: the barotropically unstable jet of Galewsky et al. (2004) at day 6.

Galewsky, Scott & Polvani (2004), Tellus A 56, 429-440, doi:10.3402/tellusa.v56i5.14436,
publish no error norms for the perturbed jet, only maps of the relative vorticity
at day 6 from a converged high-resolution run. So:

* verification by self-convergence: the vorticity (and h) at day 6 at T42, T63,
  T85 against a run of the same code at T213 (T170 with --quick; any T with
  --reference-truncation), made by this command and cached with the TC5/TC6
  references, every run at the reference's step (the errors measure the spatial
  truncation); the relative l2 error of the vorticity must fall with resolution;
  mass within rounding, energy and potential enstrophy never gained and their
  loss falling with resolution, and the largest potential vorticity never above
  its start;
* validation: the day-6 vorticity and h against dinosaur's at the same
  truncation and step (`peers`), within the sum of the two codes' truncation
  errors.

Writes validation.json and `vorticity_day6.png` (the northern hemisphere of every
run and of the reference, as Galewsky et al.'s figure 4).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hanami.core.plotting import plt
import numpy as np  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from hanami.apps.base import CaseRunner, check, finish  # noqa: E402
from hanami.apps.climate import analysis, peers  # noqa: E402
from hanami.apps.climate import references as ref  # noqa: E402
from hanami.apps.climate.reference_runs import (reference_plan, reference_run_dirs, reference_solution,  # noqa: E402
                                                run_at_truncation, step_for)
from hanami.apps.climate.validate import _common, _print_costs  # noqa: E402
from hanami.apps.climate.verdicts import (falls, invariant_checks, loss_checks,  # noqa: E402
                                         potential_vorticity_check, potential_vorticity_max)
from hanami.core.files import default_run_dir  # noqa: E402

CASE = "galewsky"
FIELDS = ("h", "vorticity")


def plot_vorticity(path: Path, maps: dict[str, tuple[np.ndarray, Any]], day: float) -> Path:
    """Relative vorticity [1/s] north of the equator, one panel per run, on a common colour scale."""
    limit = max(float(np.max(np.abs(f))) for f, _ in maps.values())
    fig, axes = plt.subplots(len(maps), 1, figsize=(8.0, 1.9 * len(maps) + 0.6), dpi=110, sharex=True,
                             squeeze=False)
    for ax, (label, (field, grid)) in zip(axes[:, 0], maps.items()):
        north = grid.lat >= 0
        mesh = ax.pcolormesh(grid.lon, grid.lat[north], field[north], cmap="RdBu_r", vmin=-limit, vmax=limit,
                             shading="auto")
        ax.set_ylabel("lat [deg N]")
        ax.set_title(f"{label}, day {day:g}", fontsize=9)
    axes[-1, 0].set_xlabel("longitude [degrees east]")
    fig.colorbar(mesh, ax=axes[:, 0], label="relative vorticity [s-1]", shrink=0.8)
    fig.savefig(path)
    plt.close(fig)
    return path


def validate_galewsky(runner: CaseRunner, *, out: Path | None = None, quick: bool = False, overrides: list[str] = (),
                      precision: str | None = None, progress: bool = True, console: Console | None = None,
                      reference_truncation: int | None = None) -> int:
    """The perturbed jet at T42, T63, T85 against T213 (T170 with --quick) and dinosaur; return the exit status."""
    console = console or Console()
    t_ref, truncations = reference_plan(quick, reference_truncation, quick_reference=170)
    run_dir = Path(out) if out else default_run_dir(f"validate-{CASE}")
    prec = precision or runner.load_case(CASE, list(overrides)).case.precision
    ref_times, ref_fields, ref_grid = reference_solution(runner, CASE, t_ref, prec, list(overrides), progress, console,
                                                         fields=FIELDS)
    day = float(ref_times[-1]) / ref.DAY
    dt = step_for(t_ref)
    omega = runner.load_case(CASE, list(overrides)).case.model.omega
    ref_q_max = float(potential_vorticity_max(ref_fields["vorticity"][-1:], ref_fields["h"][-1:], ref_grid.lat,
                                              omega)[0])
    table = Table(title=f"{CASE}: day {day:g} against T{t_ref} (l2 relative to its norm) and dinosaur")
    for col in ("T", "vorticity l2", "vorticity linf", "h l2", "max |zeta| [1/s]", "vorticity l2(hanami - dinosaur)"):
        table.add_column(col, justify="right")
    runs, checks, results, maps = {}, [], {}, {}
    for t in truncations:
        label = f"T{t}"
        result, case, grid = run_at_truncation(runner, CASE, run_dir, t, dt, list(overrides), precision, progress,
                                               ref_grid.radius)
        results[label] = result
        zetas, hs = result.dataset["vorticity"].values, result.dataset["h"].values
        errors = {name: analysis.error_norms(field[-1], analysis.interpolate(ref_fields[name][-1], ref_grid, grid),
                                             grid)
                  for name, field in (("vorticity", zetas), ("h", hs))}
        maps[label] = (zetas[-1], grid)
        runs[label] = {"truncation": t, "dt": dt, "day": float(result.dataset["time"].values[-1]) / ref.DAY,
                       "l2": errors["vorticity"]["l2"], **errors, "max_abs_vorticity": float(np.max(np.abs(zetas[-1]))),
                       **_common(result)}
        compared = {}
        for name, field in (("vorticity", zetas), ("h", hs)):
            checks.append(check(f"{label}: {name} l2 at day {day:g}", "verification", errors[name]["l2"], None,
                                limit="-", reference=f"T{t_ref}", source=ref.SELF_CONVERGENCE.format(ref=t_ref),
                                linf=errors[name]["linf"]))
            compared[name] = peers.field_check(label, case, name, field[-1], grid, errors[name]["l2"],
                                               f"T{t_ref} run")
            checks.append(compared[name])
        checks += invariant_checks(label, result)
        q_max = potential_vorticity_max(zetas, hs, grid.lat, case.model.omega)
        runs[label]["potential_vorticity_max"] = [float(x) for x in q_max]
        checks.append(potential_vorticity_check(label, q_max))
        checks.append(peers.potential_vorticity_check(label, case, float(q_max[-1]), abs(q_max[-1] - ref_q_max),
                                                      f"T{t_ref} run"))
        peer = compared["vorticity"]["value"]
        table.add_row(str(t), f"{errors['vorticity']['l2']:.3e}", f"{errors['vorticity']['linf']:.3e}",
                      f"{errors['h']['l2']:.2e}", f"{runs[label]['max_abs_vorticity']:.3e}",
                      "-" if peer is None else f"{peer:.2e}")
    console.print(table)
    _print_costs(runs, console)
    l2s = {k: v["vorticity"]["l2"] for k, v in runs.items()}
    vorticity = falls("vorticity l2 falls with T", l2s, ref.SELF_CONVERGENCE.format(ref=t_ref))
    checks.append(vorticity)
    checks += loss_checks("", results, diffusion=True)
    maps[f"T{t_ref} (reference)"] = (ref_fields["vorticity"][-1], ref_grid)
    figure = plot_vorticity(run_dir / f"vorticity_day{day:g}.png", maps, day)
    report = {"benchmark": CASE, "quick": quick, "reference_truncation": t_ref, "reference_dt": dt, "day": day,
              "converges": vorticity["passed"], "vorticity_l2_order_in_T": vorticity["order"],
              "reference_max_abs_vorticity": float(np.max(np.abs(ref_fields["vorticity"][-1]))),
              "reference_potential_vorticity_max": ref_q_max,
              "figure": str(figure), "runs": runs, "checks": checks}
    return finish(report, run_dir, console, extra_runs=reference_run_dirs(CASE, t_ref, prec, list(overrides)))
