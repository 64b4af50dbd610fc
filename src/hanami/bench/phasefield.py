"""Phase-field benchmarks on PFHub BM1a (Cahn–Hilliard spinodal decomposition).

Nondimensional: simulated times are in the benchmark's units; wall times in
seconds [s]. Every run builds the shipped case `pfhub-bm1a` through
`hanami.runner.load_case` (with `--set`-style overrides) and the app's `build`,
and advances it with `hanami.core.simulation.Simulation`: the benchmark has no
time loop of its own.

* `throughput`: fixed first-order step (`time.adaptive = false`,
  `time.order = 1`, `time.dt = 0.05`; the stabilised scheme keeps F decreasing
  and mass to round-off at that step), on a given grid over the same 200 x 200
  box, so every size solves the same problem and ends at the same time: F
  agrees across sizes when all is well.
* `adaptive_run`: the shipped settings (adaptive step, tolerance 1e-4) on
  200 x 200, landing on the same output and checkpoint times as `hanami run`
  (without writing files), timed to each requested stop time.

Cost per attempt in spectral transforms: a first-order fixed step does 3
(forward c, forward f'(c) - A c, inverse); an adaptive attempt, like a
second-order fixed step (`time.order = 2`, the case default), does 5 (step
doubling fused with Richardson extrapolation); the diagnostics at each chunk
end add 2.
"""

from __future__ import annotations

import time
from typing import Any, Sequence

import jax
import numpy as np

from hanami.bench.records import SCHEMA_VERSION
from hanami.core.timing import timed_repeats
from hanami.core.schedules import AnyOf
from hanami.core.simulation import Callback, Simulation
from hanami.runner import LoadedCase, checkpoint_schedule, load_case, output_schedule

CASE = "pfhub-bm1a"
FIXED_DT = 0.05
TRANSFORMS_PER_ATTEMPT = {"fixed": 3, "adaptive": 5}  # first-order fixed step; adaptive attempt
# Memory traffic model for the roofline, in passes over one field per attempt:
# each transform reads and writes it once; the explicit term, the diagonal solve
# and the update add 4 passes (fixed) or 6 (adaptive: two solves, extrapolation).
PASSES_PER_ATTEMPT = {"fixed": 2 * 3 + 4, "adaptive": 2 * 5 + 6}


def bytes_per_update(kind: str, precision: str) -> int:
    """Modelled memory traffic per grid-point update [bytes] (see PASSES_PER_ATTEMPT)."""
    return PASSES_PER_ATTEMPT[kind] * np.dtype(precision).itemsize


def load_bm1a(precision: str, shape: int | None = None, overrides: Sequence[str] = ()) -> LoadedCase:
    """The shipped BM1a case with `precision`, an n x n grid (box unchanged) and more overrides."""
    extra = [f'precision="{precision}"']
    if shape is not None:
        extra.append(f"grid.shape=[{shape}, {shape}]")
    return load_case(CASE, overrides=extra + list(overrides))


def final_norms(c: np.ndarray, free_energy: float, t: float, mass0: float,
                history: Sequence[dict[str, float]] = ()) -> dict[str, Any]:
    """Norms of a final state, so that a fast wrong answer shows.

    Arguments:
        c: the final composition field (host array).
        free_energy: F of that field [energy units of the benchmark].
        t: the simulated time it belongs to.
        mass0: mean of the initial c; `mass_drift` is the change since.
        history: diagnostics rows with `free_energy`; gives `max_energy_rise`,
            the largest increase of F between consecutive rows (0 when F never rose).

    Returns:
        time, free_energy, rms_c (sqrt of the mean of c^2), std_c (RMS of
        c - mean c), mass, mass_drift, c_min, c_max, finite, max_energy_rise.
    """
    c = np.asarray(c, dtype=np.float64)
    energies = np.array([row["free_energy"] for row in history if "free_energy" in row])
    rise = float(max(0.0, np.max(np.diff(energies)))) if energies.size > 1 else None
    return {
        "time": float(t),
        "free_energy": float(free_energy),
        "rms_c": float(np.sqrt(np.mean(c * c))),
        "std_c": float(np.std(c)),
        "mass": float(np.mean(c)),
        "mass_drift": float(np.mean(c) - mass0),
        "c_min": float(np.min(c)),
        "c_max": float(np.max(c)),
        "finite": bool(np.all(np.isfinite(c))),
        "max_energy_rise": rise,
    }


def _base_record(kind: str, loaded: LoadedCase, sim: Simulation, machine: dict[str, Any],
                 date: str) -> dict[str, Any]:
    cfg = loaded.case
    devices = len(sim.state.fields["c"].sharding.device_set)
    return {"schema_version": SCHEMA_VERSION, "kind": kind, "app": loaded.app.name, "case": cfg.name,
            "resolution": list(cfg.grid.shape), "grid_points": int(np.prod(cfg.grid.shape)),
            "box": list(cfg.grid.lengths), "precision": cfg.precision, "devices": devices,
            "processes": jax.process_count(), "machine": machine, "date_utc": date,
            "bytes_per_update": bytes_per_update("adaptive" if kind == "adaptive" else "fixed", cfg.precision)}


def throughput(shape: int, precision: str, *, steps: int, repeats: int, chunk: int, machine: dict[str, Any],
               date: str, dt: float = FIXED_DT) -> dict[str, Any]:
    """Time a fixed-step, first-order BM1a run on a shape x shape grid.

    The first `Simulation.run` compiles (timed as `compile_s`) and runs one
    warm-up chunk; then `repeats` runs of `steps` steps each are timed.

    Arguments:
        shape: points per side.
        precision: "float32" or "float64".
        steps: steps per timed repeat (a multiple of `chunk` keeps every chunk full).
        repeats: timed repeats (>= 1).
        chunk: attempts per compiled chunk; diagnostics are recorded after each.
        machine: the fingerprint from `machine_info`.
        date: UTC timestamp of the suite.
        dt: the fixed step [time units].

    Returns:
        A `throughput` record.
    """
    loaded = load_bm1a(precision, shape, ["time.adaptive=false", "time.order=1", f"time.dt={dt!r}"])
    built = loaded.app.build(loaded.case)
    mass0 = float(np.mean(np.asarray(built.state.fields["c"], np.float64)))
    points = int(np.prod(loaded.case.grid.shape))
    sim, timing = timed_repeats(built.model, built.attempt, built.state, steps=steps, repeats=repeats, chunk=chunk)
    c = np.asarray(jax.device_get(sim.state.fields["c"]))
    record = _base_record("throughput", loaded, sim, machine, date)
    record.update({
        "time_stepping": {"adaptive": False, "order": loaded.case.time.order, "dt": dt,
                          "transforms_per_attempt": TRANSFORMS_PER_ATTEMPT["fixed"], "chunk_attempts": chunk},
        **timing,
        "updates_per_s": points / timing["time_per_step_s"],
        "final": final_norms(c, sim.history[-1]["free_energy"], sim.time, mass0, sim.history),
    })
    return record


def _landings(cfg: Any) -> AnyOf:
    """The times `hanami run` lands on for this case: its output and checkpoint schedules."""
    return AnyOf([output_schedule(cfg), checkpoint_schedule(cfg)])


def adaptive_run(precision: str, stop_times: Sequence[float], *, machine: dict[str, Any],
                 date: str) -> list[dict[str, Any]]:
    """Time the shipped adaptive BM1a run to each of `stop_times` (one continuing run).

    Arguments:
        precision: "float32" or "float64".
        stop_times: increasing simulated times; one record for each.
        machine: the fingerprint from `machine_info`.
        date: UTC timestamp of the suite.

    Returns:
        `adaptive` records with cumulative figures from t = 0: `run_s` (the
        compiled chunks, `Simulation.timings.run`), `wall_s` (wall time of the
        run after compile, including the host work between chunks and the
        first diagnostics), `compile_s`, steps, rejected attempts, F(t).
    """
    stop_times = sorted(float(t) for t in stop_times)
    loaded = load_bm1a(precision, overrides=[f"stop.time={stop_times[-1]!r}"])
    cfg = loaded.case
    built = loaded.app.build(cfg)
    mass0 = float(np.mean(np.asarray(built.state.fields["c"], np.float64)))
    points = int(np.prod(cfg.grid.shape))
    sim = Simulation(built.model, built.attempt, built.state, stop_time=stop_times[0],
                     stop_iteration=cfg.stop.iteration, diagnostics_every=cfg.diagnostics.every_iterations,
                     nan_check=cfg.diagnostics.nan_check)
    sim.add_callback(Callback("landings", _landings(cfg), lambda s: None))
    records, wall = [], 0.0
    for stop_time in stop_times:
        sim.stop_time = stop_time
        compile_before = sim.timings.compile
        start = time.perf_counter()
        sim.run()
        wall += time.perf_counter() - start - (sim.timings.compile - compile_before)
        steps = sim.iteration
        c = np.asarray(jax.device_get(sim.state.fields["c"]))
        record = _base_record("adaptive", loaded, sim, machine, date)
        record.update({
            "time_stepping": {"adaptive": True, "tolerance": cfg.time.tolerance, "dt0": cfg.time.dt,
                              "transforms_per_attempt": TRANSFORMS_PER_ATTEMPT["adaptive"],
                              "diagnostics_every": cfg.diagnostics.every_iterations},
            "stop_time": stop_time,
            "compile_s": sim.timings.compile,
            "run_s": sim.timings.run,
            "wall_s": wall,
            "steps": steps,
            "rejected": int(sim.state.rejected),
            "chunks": sim.timings.chunks,
            "final_dt": float(sim.state.dt),
            "time_per_step_s": sim.timings.run / steps,
            "spread": None,
            "updates_per_s": points * steps / sim.timings.run,
            "final": final_norms(c, sim.history[-1]["free_energy"], sim.time, mass0, sim.history),
        })
        records.append(record)
    return records
