"""`hanami validate galewsky`: the barotropically unstable jet of Galewsky et al. (2004) at day 6.

Galewsky, Scott & Polvani (2004), Tellus A 56, 429-440, doi:10.3402/tellusa.v56i5.14436,
publish no error norms for the perturbed jet, only maps of the relative vorticity
at day 6 from a converged high-resolution run. So the check is convergence: the
vorticity at day 6 at T42, T63, T85 against a run of the same code at T213 (T170
with --quick; any T with --reference-truncation), made by this command and cached
with the TC5/TC6 references; every run takes the reference's step, so the
errors measure the spatial truncation. The relative l2 error of the vorticity
must fall with resolution, and mass, energy and potential enstrophy drift stay
within their limits. Writes validation.json and `vorticity_day6.png` (the
northern hemisphere of every run and of the reference, as Galewsky et al.'s
figure 4).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from hanami.apps.climate import analysis  # noqa: E402
from hanami.apps.climate import references as ref  # noqa: E402
from hanami.apps.climate.validate import (_common, _finish, _precision, conservation, reference_plan,  # noqa: E402
                                          reference_solution, step_for)
from hanami.core.files import default_run_dir  # noqa: E402
from hanami.apps.base import CaseRunner  # noqa: E402

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
    """The perturbed jet at T42, T63, T85 against T213 (T170 with --quick); return the exit status."""
    console = console or Console()
    t_ref, truncations = reference_plan(quick, reference_truncation, quick_reference=170)
    run_dir = Path(out) if out else default_run_dir(f"validate-{CASE}")
    prec = precision or runner.load_case(CASE, list(overrides)).case.precision
    ref_times, ref_fields, ref_grid = reference_solution(runner, CASE, t_ref, prec, list(overrides), progress, console,
                                                         fields=FIELDS)
    day = float(ref_times[-1]) / ref.DAY
    dt = step_for(t_ref)
    table = Table(title=f"{CASE}: relative vorticity at day {day:g} against T{t_ref} (l2 relative to its norm)")
    for col in ("T", "vorticity l2", "vorticity linf", "h l2", "max |zeta| [1/s]", ""):
        table.add_column(col, justify="right")
    runs, passed, l2s = {}, True, []
    maps = {}
    for t in truncations:
        result = runner.run_case(CASE, out=run_dir / f"T{t}", precision=precision, progress=progress,
                          overrides=[f"grid.truncation={t}", f"time.dt={dt!r}"] + list(overrides))
        grid = runner.load_case(run_dir / f"T{t}" / "case.toml").case.grid.build(ref_grid.radius)
        zeta = result.dataset["vorticity"].values[-1]
        vort = analysis.error_norms(zeta, analysis.interpolate(ref_fields["vorticity"][-1], ref_grid, grid), grid)
        h = analysis.error_norms(result.dataset["h"].values[-1], analysis.interpolate(ref_fields["h"][-1], ref_grid,
                                                                                       grid), grid)
        cons = conservation(result, CASE, _precision(result))
        ok = all(c["passed"] for c in cons.values())
        passed &= ok
        l2s.append(vort["l2"])
        maps[f"T{t}"] = (zeta, grid)
        runs[f"T{t}"] = {"truncation": t, "dt": dt, "day": float(result.dataset["time"].values[-1]) / ref.DAY,
                         "vorticity": vort, "h": h, "max_abs_vorticity": float(np.max(np.abs(zeta))),
                         "conservation": cons, "passed": ok, **_common(result)}
        table.add_row(str(t), f"{vort['l2']:.3e}", f"{vort['linf']:.3e}", f"{h['l2']:.2e}",
                      f"{runs[f'T{t}']['max_abs_vorticity']:.3e}", "[green]pass[/]" if ok else "[red]FAIL[/]")
    console.print(table)
    converges = all(b < a for a, b in zip(l2s, l2s[1:]))
    passed &= converges
    rates = [float(np.log(a / b) / np.log(tb / ta)) for a, b, ta, tb in zip(l2s, l2s[1:], truncations, truncations[1:])]
    console.print(f"vorticity l2 falls with resolution: {'[green]yes[/]' if converges else '[red]NO[/]'} "
                  f"(observed order in T: {', '.join(f'{r:.2f}' for r in rates)})")
    maps[f"T{t_ref} (reference)"] = (ref_fields["vorticity"][-1], ref_grid)
    figure = plot_vorticity(run_dir / f"vorticity_day{day:g}.png", maps, day)
    report = {"benchmark": CASE, "passed": passed, "quick": quick, "reference_truncation": t_ref,
              "reference_dt": dt, "day": day, "converges": converges, "vorticity_l2_order_in_T": rates,
              "reference_max_abs_vorticity": float(np.max(np.abs(ref_fields["vorticity"][-1]))),
              "figure": str(figure), "runs": runs}
    return _finish(report, run_dir, console)
