"""Cross-code reference figures for the climate validations, made by the peer dinosaur.

    python -m hanami.apps.climate.peer_references [--cases NAME ...] [--no-full]

runs dinosaur (google-research/dinosaur, the version pinned in
requirements-peers.txt) on `williamson-tc5`, `williamson-tc6`, `galewsky` and
`galewsky-steady`, set up by `dinosaur_peer.TC5` as hanami's shipped case: the
same Gaussian grid, the same initial state, the same semi-implicit leapfrog with
the RAW filter and the same implicit hyperdiffusion, in float64. The runs take the
truncations and the step of `hanami validate`'s runs, so that each is compared
with a hanami run of the same configuration: T42 and T63 at the step of the
`--quick` reference (T106, 300 s; Galewsky T170, 216 s) and of the full one (T213,
160 s); galewsky-steady at T85 and 600 s over 2 and 6 days, with and without its
diffusion. dinosaur also runs at the `--quick` reference truncation, which gives
its own truncation error at T42 and T63 (at that step).

Written (beside this file):

* `peer_references.json`: the command line, dinosaur's and JAX's versions, the date,
  hanami's exact revision and, per run (key `case/T<T>/dt<dt>/<days>d`), the configuration
  it matches (model, initial and stop settings), its cost, dinosaur's truncation
  error against its own high-resolution run, max |h(end) - h(0)|, the TC6 pattern
  speed and Galewsky's vorticity and potential-vorticity extremes;
* `peer_references.npz`: dinosaur's final h [m] (Galewsky: and relative vorticity
  [1/s]) as hanami's spectral coefficients [m, n] (n >= m, packed; the steady
  jet's m = 0 ones only, its other ones being rounding), float64.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import io
import json
import shlex
import sys
import time
from pathlib import Path
from typing import Any

import jax
import numpy as np

from hanami.apps.climate import analysis
from hanami.apps.climate.dinosaur_peer import TC5, shipped_case
from hanami.apps.climate.peer_store import COMMAND, FIELDS, JSON_FILE, NPZ_FILE, key, load, pack, settings
from hanami.apps.climate.verdicts import potential_vorticity_max
from hanami.core.output import command_line, git_revision

# case: (reference truncation, the step [s] of `hanami validate --quick`); full runs take 160 s (T213's step).
REFERENCE = {"williamson-tc5": (106, 300.0), "williamson-tc6": (106, 300.0), "galewsky": (170, 216.0)}
FULL_DT = 160.0
TRUNCATIONS = (42, 63)
# galewsky-steady at its shipped T85 and step, over 2 days (--quick) and 6, with and without its diffusion.
STEADY = [(stop, variant) for stop in ('stop.time="2 days"', 'stop.time="6 days"')
          for variant in ((), ("model.diffusion_time=0",))]


def run_peer(case_name: str, truncation: int, dt: float, overrides: tuple[str, ...] = ()) -> dict[str, Any]:
    """dinosaur on the shipped case at T and dt (and `overrides`): snapshots at the case's output interval.

    Returns:
        times [s], h [time, nlat, nlon] [m], vorticity [time, nlat, nlon] [1/s], the case, the
        hanami grid of the same nodes and the seconds the run took (compile included).
    """
    case = shipped_case(case_name, [f"grid.truncation={truncation}", f"time.dt={dt!r}", *overrides])
    grid = case.grid.build(case.model.radius)
    every = int(round(case.output.interval / dt))
    chunks = int(round(case.stop.time / case.output.interval))
    start = time.perf_counter()
    model = TC5(truncation, case.precision, dt=dt, case=case)
    assert model.shape == list(grid.shape), (model.shape, grid.shape)
    times, hs, zetas = [0.0], [], []
    with model.x64():
        state = model.initial
        hs.append(model.height(state))
        zetas.append(model.vorticity(state))
        state = model.start(state)
        first, rest = model.trajectory(every - 1), model.trajectory(every)
        for chunk in range(chunks):
            state = jax.block_until_ready((first if chunk == 0 else rest)(state))
            times.append((chunk + 1) * every * dt)
            hs.append(model.height(state))
            zetas.append(model.vorticity(state))
    return {"case": case, "grid": grid, "times": np.array(times), "h": np.array(hs), "vorticity": np.array(zetas),
            "seconds": time.perf_counter() - start}


def figures(run: dict[str, Any]) -> dict[str, Any]:
    """The figures of one run that need no other run."""
    case, grid = run["case"], run["grid"]
    out = {"case": case.name, "truncation": case.grid.truncation, "grid": list(grid.shape), "dt": case.time.dt,
           "final_time": float(run["times"][-1]), "settings": settings(case), "run_seconds": run["seconds"],
           "h_min": float(run["h"][-1].min()), "h_max": float(run["h"][-1].max()),
           "max_abs_dh": analysis.max_height_change(run["h"][-1], run["h"][0])}
    if case.initial.kind == "williamson-6":
        out["pattern_speed_deg_per_day"] = analysis.phase_speed(run["times"], run["h"], grid)
    if case.initial.kind == "galewsky":
        q_max = potential_vorticity_max(run["vorticity"], run["h"], grid.lat, case.model.omega)
        out.update(max_abs_vorticity=float(np.max(np.abs(run["vorticity"][-1]))),
                   potential_vorticity_max=[float(x) for x in q_max])
    return out


def truncation_error(run: dict[str, Any], ref: dict[str, Any], name: str) -> dict[str, float]:
    """l2 (final and largest over the snapshots) of a field of `run` against `ref`, on run's grid."""
    by_time = []
    for i, t in enumerate(run["times"]):
        (j,) = np.flatnonzero(np.isclose(ref["times"], t))
        truth = analysis.interpolate(ref[name][j], ref["grid"], run["grid"])
        by_time.append(analysis.error_norms(run[name][i], truth, run["grid"])["l2"])
    return {"l2": by_time[-1], "l2_max": max(by_time[1:])}


def make(cases: list[str], full: bool, say: Any = print, *, truncations: tuple[int, ...] = TRUNCATIONS,
         reference: dict[str, tuple[int, float]] = REFERENCE, overrides: tuple[str, ...] = ()
         ) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Run the plan; returns (the runs' figures by key, the packed coefficients by array name).

    `truncations`, `reference` and `overrides` (applied to every run but galewsky-steady's) make a
    smaller plan (the tests' short runs)."""
    runs, arrays = {}, {}
    made = {"command": _command(), "date_utc": _now(), "hanami_revision": git_revision()}

    def keep(run: dict[str, Any], role: str, error: dict[str, Any] | None = None) -> None:
        k = key(run["case"])
        runs[k] = {**figures(run), "role": role, **({"truncation_error": error} if error else {}), "made": made}
        for f in FIELDS[run["case"].name]:
            coefficients = analysis.spectral_coefficients(run[f][-1], run["grid"])
            # the steady jet stays zonal (its m > 0 part is rounding): its m = 0 coefficients suffice
            zonal = bool(np.max(np.abs(coefficients[1:])) <= 1e-9 * np.max(np.abs(coefficients)))
            arrays[f"{k}/{f}"] = pack(coefficients, zonal=zonal and run["case"].name == "galewsky-steady")
        say(f"{k}: {run['seconds']:.1f} s" + ("; dinosaur's truncation error " + ", ".join(
            f"{f} l2 {error[f]['l2']:.3e}" for f in FIELDS[run["case"].name]) if error else ""))

    for name in cases:
        if name == "galewsky-steady":
            for stop, variant in STEADY:
                keep(run_peer(name, 85, 600.0, (stop, *variant)), "compared with hanami's run of the same "
                     "configuration" + (" (its max |dh| bounds the comparison)" if variant else ""))
            continue
        t_ref, quick_dt = reference[name]
        ref = run_peer(name, t_ref, quick_dt, overrides)
        ref_key = key(ref["case"])
        runs[ref_key] = {**figures(ref), "role": "dinosaur's own high-resolution run (its truncation errors)",
                         "made": made}
        say(f"{ref_key}: {ref['seconds']:.1f} s")
        for t in truncations:
            quick = run_peer(name, t, quick_dt, overrides)
            # dinosaur's truncation error at T against its own high-resolution run at the same step; the
            # full runs' step differs from that run's, so they carry this figure too (the spatial error).
            error = {"reference": ref_key, **{f: truncation_error(quick, ref, f) for f in FIELDS[name]}}
            if name == "williamson-tc6":
                error["pattern_speed_deg_per_day"] = abs(runs[ref_key]["pattern_speed_deg_per_day"]
                                                         - figures(quick)["pattern_speed_deg_per_day"])
            role = "compared with hanami's run of the same configuration"
            keep(quick, role, error)
            if full:
                keep(run_peer(name, t, FULL_DT, overrides), role, error)
    return runs, arrays


def write(runs: dict[str, Any], arrays: dict[str, np.ndarray], json_file: Path = JSON_FILE,
          npz_file: Path = NPZ_FILE, seconds: float | None = None) -> dict[str, Any]:
    """Store the figures and the coefficients, with how and when they were made (`seconds`: the wall time
    of the runs)."""
    import dinosaur

    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    npz_file.write_bytes(buffer.getvalue())
    record = {
        "peer": "dinosaur", "peer_version": dinosaur.__version__, "jax_version": jax.__version__,
        "command": _command(), "script": COMMAND, "date_utc": _now(), "hanami_revision": git_revision(),
        "machine": _machine(), "seconds": seconds,
        "setup": ("dinosaur_peer.TC5: dinosaur's ShallowWaterEquations on hanami's Gaussian grid and initial state, "
                  "semi-implicit leapfrog (implicit weight 1/2), RAW filter and implicit hyperdiffusion of the "
                  "shipped case, float64"),
        "coefficients": {"file": npz_file.name, "sha256": hashlib.sha256(buffer.getvalue()).hexdigest(),
                         "layout": "hanami spectral coefficients [m, n], n >= m (numpy.triu_indices), or the "
                                   "m = 0 row alone (T+1 rows: a zonal field), float64 (real, imag)"},
        "runs": runs,
    }
    json_file.write_text(json.dumps(record, indent=1) + "\n")
    return record


def _command() -> str:
    """The command that runs this script, with its arguments (`python -m ...` rather than the file's name)."""
    if sys.argv and sys.argv[0].endswith("peer_references.py"):
        return shlex.join([*COMMAND.split(), *sys.argv[1:]])
    return command_line()


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")


def _machine() -> str:
    import os
    import platform

    return f"{platform.machine()} CPU, {os.cpu_count()} cores, {jax.default_backend()}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", nargs="+", default=list(FIELDS), choices=list(FIELDS))
    parser.add_argument("--no-full", action="store_true", help="only the --quick configurations")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    runs, arrays = make(args.cases, not args.no_full)
    if JSON_FILE.exists() and set(args.cases) != set(FIELDS):  # keep the other cases' runs
        old, old_arrays = load()
        runs = {**{k: v for k, v in old["runs"].items() if v["case"] not in args.cases}, **runs}
        arrays = {**{k: v for k, v in old_arrays.items() if k.split("/")[0] not in args.cases}, **arrays}
    record = write(runs, arrays, seconds=time.perf_counter() - start)
    print(f"written: {JSON_FILE}, {NPZ_FILE} ({record['seconds']:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
