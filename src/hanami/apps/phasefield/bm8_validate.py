"""`hanami validate pfhub-bm8a | pfhub-bm8b | pfhub-bm8c`: nucleation (PFHub BM8).

8a (one seed in a 100 x 100 periodic box, r* = 5):
* verification (classical nucleation theory): a seed of 1.01 r* grows, one of 0.99 r* dissolves;
* validation against FiPy (Guyer's PFHub upload `fipy_8a`: dx = 0.4, dt = 0.1, the values in
  `../shared/BENCHMARKS.md`): the solid fraction and F at t = 100 of the 1.01 r* seed, hanami at the
  same dx = 0.4. Band: FiPy's figure +- the discretisation error of dx = 0.4, measured by hanami's
  own refinement (|value(0.4) - value(0.2)| x 4/3, the Richardson estimate for second order).

8b / 8c (random seeds): the Avrami exponent n, the slope of ln(-ln(1 - Y)) against ln t over
0.02 < Y < 0.9 (the statement's window), per realisation (`initial.seed` = 0, 1, ...). Verification:
their mean against the exponent of KJMA's expected Y(t) built from one seed's growth measured in the
same box (`nucleation.kjma_prediction`), within two standard errors of the mean; the ideal JMAK
values, n = 2 (site saturation, 2D) and 3 (constant rate), hold for seeds growing at constant speed
from radius 0 and are printed beside (seeds of 2.2 r* start finite and accelerate as r*/r falls).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console

from hanami.apps.base import CaseRunner, check, finish
from hanami.apps.phasefield.bm3_validate import row_at
from hanami.apps.phasefield.nucleation import avrami_fit, kjma_prediction
from hanami.core.files import default_run_dir

# FiPy, PFHub upload fipy_8a (guyer/phasefieldbenchmark-8, benchmark8a.py; dx 0.4, dt 0.1), t = 100.
FIPY_T100 = {1.01: {"solid_fraction": 1.647161e-2, "free_energy": 2.868474},
             1.00: {"solid_fraction": 9.49016e-3, "free_energy": 3.550825}}
CHECK_TIME = 100.0
JMAK = {"pfhub-bm8b": 2.0, "pfhub-bm8c": 3.0}


def _run(runner: CaseRunner, name: str, out: Path, overrides: list[str], precision: str | None,
         progress: bool) -> Any:
    return runner.run_case(name, out=out, overrides=overrides, precision=precision, progress=progress)


def judge_8a(runs: dict[str, Any], finer: Any) -> list[dict[str, Any]]:
    checks = []
    for ratio, grows in ((1.01, True), (0.99, False)):
        history = runs[f"{ratio:.2f}"].history
        start, end = history[0]["solid_fraction"], history[-1]["solid_fraction"]
        passed = end > 1.5 * start if grows else end < 1e-3 * start
        checks.append(check(f"seed of {ratio} r* {'grows' if grows else 'dissolves'}: solid fraction at t = "
                            f"{history[-1]['time']:g}", "verification", end, passed, name=f"seed_{ratio}",
                            reference=f"t = 0: {start:.6g}", initial=start,
                            limit="> 1.5x initial" if grows else "< 1e-3x initial",
                            source="classical nucleation theory: r > r* grows, r < r* shrinks"))
    coarse = row_at(runs["1.01"].history, CHECK_TIME)
    fine = row_at(finer.history, CHECK_TIME)
    for name in ("solid_fraction", "free_energy"):
        error = abs(coarse[name] - fine[name]) * 4 / 3
        fipy = FIPY_T100[1.01][name]
        checks.append(check(f"{name} at t = {CHECK_TIME:g}, seed 1.01 r*, dx = 0.4", "validation", coarse[name],
                            abs(coarse[name] - fipy) <= error, name=name,
                            published={"FiPy (dx 0.4, dt 0.1)": fipy}, band=[fipy - error, fipy + error],
                            finer=fine[name], reference=f"FiPy {fipy:.6g}; hanami dx 0.2: {fine[name]:.6g}",
                            limit=f"[{fipy - error:.6g}, {fipy + error:.6g}]",
                            source="PFHub upload fipy_8a (FiPy, dx 0.4, dt 0.1; shared/BENCHMARKS.md); band: "
                                   "hanami's dx = 0.4 error, 4/3 |dx 0.4 - dx 0.2| (Richardson, order 2)"))
    return checks


def _series(history: list[dict[str, float]]) -> tuple[np.ndarray, np.ndarray]:
    return np.array([r["time"] for r in history]), np.array([r["solid_fraction"] for r in history])


def judge_avrami(name: str, histories: list[list[dict[str, float]]], single: list[dict[str, float]],
                 count: int, until: float) -> list[dict[str, Any]]:
    """The realisations' Avrami exponents against KJMA's expectation for the measured growth of one seed.

    Limit: twice the standard error of the mean exponent over the realisations (their sampling spread)."""
    fits = [avrami_fit(*_series(h)) for h in histories]
    exponents = np.array([f[0] for f in fits])
    mean = float(np.mean(exponents))
    spread = float(np.std(exponents, ddof=1)) if len(fits) > 1 else float("nan")
    times, one = _series(single)
    expected, expected_error, _ = avrami_fit(times, kjma_prediction(times, one, count, until))
    limit = 2 * spread / np.sqrt(len(fits))
    return [check(f"Avrami exponent, mean of {len(fits)} realisations", "verification", mean,
                  abs(mean - expected) <= limit, name="avrami_exponent", spread=spread, jmak=JMAK[name],
                  expected=expected, tolerance=float(limit),
                  per_realisation=[{"n": f[0], "fit_error": f[1], "points": f[2]} for f in fits],
                  reference=f"KJMA {expected:.3f} (ideal {JMAK[name]:g}); spread {spread:.3f}",
                  limit=f"+- {limit:.3f}",
                  source="KJMA (Kolmogorov 1937, Johnson & Mehl 1939, Avrami 1939) with the growth of one seed "
                         "measured in the same box; limit: 2 standard errors of the mean over the realisations; "
                         "ideal JMAK (constant speed from radius 0): n = 2 site saturation, 3 constant rate")]


def validate_bm8(name: str, runner: CaseRunner, *, out: Path | None = None, quick: bool = False,
                 overrides: list[str] = (), precision: str | None = None, progress: bool = True,
                 console: Console | None = None, realisations: int | None = None) -> int:
    """8a: three seeds and one refinement; 8b/8c: `realisations` runs (default 10, quick 8)."""
    console = console or Console()
    run_dir = Path(out) if out else default_run_dir(f"validate-{name}")
    overrides = list(overrides)
    if name == "pfhub-bm8a":
        stop = [f"stop.time={CHECK_TIME!r}"] if quick else []
        runs = {f"{r:.2f}": _run(runner, name, run_dir / f"r{r:.2f}", overrides + stop +
                                 [f"initial.radius_over_critical={r!r}"], precision, progress)
                for r in (0.99, 1.00, 1.01)}
        finer = _run(runner, name, run_dir / "r1.01-dx0.2", overrides + [f"stop.time={CHECK_TIME!r}",
                     "grid.shape=[500, 500]"], precision, progress)
        checks, provenance = judge_8a(runs, finer), runs["1.01"].summary["provenance"]
    else:
        count = realisations or (8 if quick else 10)
        shipped = f"{name}-quick" if quick else name  # the quick case: a smaller box (docs/allen-cahn.md)
        results = [_run(runner, shipped, run_dir / f"seed{i}", overrides + [f"initial.seed={i}"],
                        precision, progress) for i in range(count)]
        case = runner.load_case(results[0].run_dir / "case.toml").case
        single = _run(runner, shipped, run_dir / "one-seed", overrides + [
            'initial.placement="centre"', "initial.count=1", "initial.until=0.0"], precision, progress)
        checks = judge_avrami(name, [r.history for r in results], single.history, case.initial.count,
                              case.initial.until)
        provenance = results[0].summary["provenance"]
    report = {"benchmark": name, "quick": quick, "checks": checks, "provenance": provenance}
    return finish(report, run_dir, console)
