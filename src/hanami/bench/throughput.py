"""The measurements of an app's suite: fixed-step throughput, the adaptive whole run, a peer.

Every run builds a shipped case through `hanami.runner.load_case` (with
`--set`-style overrides) and the app's `build`, and advances it with
`hanami.core.simulation.Simulation`: the benchmark has no time loop of its own.
What differs between apps (the overrides, the traffic model, the norms of the
final state and the app's own record fields) comes from the app's declarations
(`hanami.apps.base.ThroughputProblem`, `AdaptiveProblem`, `Peer`).

* `throughput`: the first `Simulation.run` compiles (timed as `compile_s`) and
  runs one warm-up chunk; then `repeats` runs of `steps` steps each are timed.
* `adaptive_run`: the case's own settings, landing on the same output and
  checkpoint times as `hanami run` (without writing files), timed to each
  requested stop time.
"""

from __future__ import annotations

import math
import time
from typing import Any, Sequence

import jax

from hanami.apps.base import AdaptiveProblem, App, LoadedCase, Peer, PeerSettings, ThroughputProblem
from hanami.bench.records import SCHEMA_VERSION
from hanami.config import to_toml
from hanami.core.schedules import AnyOf
from hanami.core.simulation import Callback, Simulation
from hanami.core.timing import timed_repeats
from hanami.runner import checkpoint_schedule, load_case, output_schedule


def load(problem: ThroughputProblem, point: Any, precision: str, overrides: Sequence[str] = ()) -> LoadedCase:
    """The case of `problem` at `point` in `precision`, with `overrides` added."""
    return load_case(problem.case_name(point), [f'precision="{precision}"', *problem.overrides, *problem.at(point),
                                                *overrides])


def _base_record(kind: str, loaded: LoadedCase, sim: Simulation, machine: dict[str, Any],
                 date: str) -> dict[str, Any]:
    resolution = loaded.app.benchmarks.resolution(loaded.case)
    first = next(iter(sim.state.fields.values()))
    return {"schema_version": SCHEMA_VERSION, "kind": kind, "app": loaded.app.name, "case": loaded.case.name,
            "resolution": resolution, "grid_points": math.prod(resolution), "precision": loaded.case.precision,
            "devices": len(first.sharding.device_set), "processes": jax.process_count(), "machine": machine,
            "date_utc": date, "case_toml": to_toml(loaded.case)}


def throughput(problem: ThroughputProblem, point: Any, precision: str, *, steps: int, repeats: int, chunk: int,
               machine: dict[str, Any], date: str, overrides: Sequence[str] = ()) -> dict[str, Any]:
    """Time `repeats` x `steps` fixed steps of `problem` at `point` in `precision`.

    Arguments:
        problem: an app's throughput problem.
        point: one of its points (a grid size, a spacing, a truncation...).
        precision: "float32" or "float64".
        steps: steps per timed repeat (a multiple of `chunk` keeps every chunk full).
        repeats: timed repeats (>= 1).
        chunk: attempts per compiled chunk; diagnostics are recorded after each.
        machine: the fingerprint from `machine_info`.
        date: UTC timestamp of the suite.
        overrides: more `--set` overrides (e.g. `model.scheme="imex-sil3"` for the climate).

    Returns:
        A `throughput` record.
    """
    loaded = load(problem, point, precision, overrides)
    built = loaded.app.build(loaded.case)
    final = problem.norms(built)
    sim, timing = timed_repeats(built.model, built.attempt, built.state, steps=steps, repeats=repeats, chunk=chunk)
    record = _base_record("throughput", loaded, sim, machine, date)
    record.update({"bytes_per_update": problem.traffic.bytes_per_update(loaded.case.precision),
                   **problem.fields(loaded.case, chunk, timing["time_per_step_s"]), **timing,
                   "updates_per_s": record["grid_points"] / timing["time_per_step_s"], "final": final(sim)})
    return record


def adaptive_run(problem: AdaptiveProblem, precision: str, stop_times: Sequence[float], *, machine: dict[str, Any],
                 date: str) -> list[dict[str, Any]]:
    """Time the shipped case's own run to each of `stop_times` (one continuing run).

    Arguments:
        problem: an app's whole-run problem.
        precision: "float32" or "float64".
        stop_times: simulated times [app time units]; one record for each, in increasing order.
        machine: the fingerprint from `machine_info`.
        date: UTC timestamp of the suite.

    Returns:
        `adaptive` records with cumulative figures from t = 0: `run_s` (the
        compiled chunks, `Simulation.timings.run`), `wall_s` (wall time of the
        run after compile, including the host work between chunks and the
        first diagnostics), `compile_s`, steps, rejected attempts, the final norms.
    """
    stop_times = sorted(float(t) for t in stop_times)
    loaded = load_case(problem.case, [f'precision="{precision}"', f"stop.time={stop_times[-1]!r}"])
    cfg = loaded.case
    built = loaded.app.build(cfg)
    final = problem.norms(built)
    sim = Simulation(built.model, built.attempt, built.state, stop_time=stop_times[0],
                     stop_iteration=cfg.stop.iteration, diagnostics_every=cfg.diagnostics.every_iterations,
                     nan_check=cfg.diagnostics.nan_check)
    sim.add_callback(Callback("landings", AnyOf([output_schedule(cfg), checkpoint_schedule(cfg)]), lambda s: None))
    records, wall = [], 0.0
    for stop_time in stop_times:
        sim.stop_time = stop_time
        compile_before = sim.timings.compile
        start = time.perf_counter()
        sim.run()
        wall += time.perf_counter() - start - (sim.timings.compile - compile_before)
        steps = sim.iteration
        record = _base_record("adaptive", loaded, sim, machine, date)
        record.update({
            "bytes_per_update": problem.traffic.bytes_per_update(cfg.precision), **problem.fields(cfg),
            "stop_time": stop_time, "compile_s": sim.timings.compile, "run_s": sim.timings.run, "wall_s": wall,
            "steps": steps, "rejected": int(sim.state.rejected), "chunks": sim.timings.chunks,
            "final_dt": float(sim.state.dt), "time_per_step_s": sim.timings.run / steps, "spread": None,
            "updates_per_s": record["grid_points"] * steps / sim.timings.run, "final": final(sim),
        })
        records.append(record)
    return records


def peer_run(app: App, peer: Peer, loaded: LoadedCase, settings: PeerSettings, *, machine: dict[str, Any],
             date: str) -> dict[str, Any]:
    """Run `peer` on the loaded case; its figures stamped into a `peer` record."""
    figures = peer.run(loaded, settings)
    return {"schema_version": SCHEMA_VERSION, "kind": "peer", "code": peer.code, "app": app.name, "devices": 1,
            "processes": 1, "bytes_per_update": None, **figures, "machine": machine, "date_utc": date,
            "case_toml": to_toml(loaded.case)}
