"""`hanami bench`: run the suites the registered apps declare, print tables, write JSON.

A suite is an app's (its whole runs, throughput problems and, with `--peers`,
peer codes; see `hanami.bench.suites`) or a cross-app one (`gradients`,
`surrogates`); with `--devices`/`--processes` the apps' scaling problems are
measured instead. No app is named here: the apps declare their problems through
`hanami.apps.base.Benchmarks`.

JAX's persistent compile cache is switched off while the suite runs, so that
`compile_s` is a cold compile whatever ran before.
"""

from __future__ import annotations

import contextlib
import dataclasses
from pathlib import Path
from typing import Any, Iterator, Sequence

import jax
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from hanami.bench.machine import machine_info, utc_now
from hanami.bench.plan import FULL, PRECISIONS, QUICK, Plan
from hanami.bench.records import print_tables, read_json, record_key, write_json
from hanami.bench.stream import numpy_triad_bandwidth, triad_bandwidth
from hanami.bench.tasks import Context, Task
from hanami.errors import CaseError

__all__ = ["FULL", "PRECISIONS", "QUICK", "Plan", "run_bench"]


@contextlib.contextmanager
def cold_compiles() -> Iterator[str]:
    """Switch JAX's persistent compile cache off for the block; yield a note for the records.

    JAX decides once per process whether it uses the cache, at its first
    compile: when that falls inside this block the rest of the process also
    runs without the cache (harmless for the `hanami bench` process).
    """
    before = jax.config.jax_enable_compilation_cache
    jax.config.update("jax_enable_compilation_cache", False)
    try:
        yield "disabled (cold compiles)"
    finally:
        jax.config.update("jax_enable_compilation_cache", before)


def _existing(json_path: Path | None, console: Console) -> list[dict[str, Any]]:
    """Records of an earlier, possibly interrupted, run of the suite into `json_path`."""
    if json_path is None or not Path(json_path).exists():
        return []
    try:
        records = read_json(Path(json_path))
    except (ValueError, KeyError, OSError) as err:
        raise CaseError(f"{json_path}: cannot resume from this file ({err}); choose another --json") from None
    console.print(f"resuming: {len(records)} records already in {json_path}", highlight=False)
    return records


def _done_key(record: dict[str, Any]) -> str:
    if record["kind"] == "gradient":
        return f"{record['app']}/gradient/{record.get('size', 'small')}/{record['precision']}"
    if record["kind"] == "surrogate":
        return f"{record['app']}/surrogate"
    if record["kind"] == "scaling":
        return (f"{record['app']}/scaling/{record['mode']}/{record['precision']}/d{record['devices']}"
                f"/p{record['processes']}")
    return record_key(record)


def _checked_plan(apps: Sequence[str], known: Sequence[str], plan: Plan, sizes: Sequence[int] | None) -> Plan:
    """`plan` with `--sizes`; raises `CaseError` for sizes a suite cannot take or options no app declares."""
    from hanami.bench.suites import options, sized

    unknown = sorted(set(plan.options) - options())
    if unknown:
        raise CaseError(f"bench plan: no app declares the setting(s) {', '.join(unknown)}; "
                        f"declared: {', '.join(sorted(options()))}")
    if not sizes:
        return plan
    if min(sizes) < 4:
        raise CaseError(f"--sizes {list(sizes)}: each size must be >= 4 points per side")
    # The sizes go to the suites that sweep grid sizes; the others keep their own points (a plain
    # `hanami bench --sizes N` runs every suite). Sizes for none of the suites asked for are refused.
    if not any(sized(a) for a in apps):
        raise CaseError(f"--sizes {list(sizes)}: the suite(s) {', '.join(apps)} sweep no grid size "
                        f"(those that do: {', '.join(a for a in known if sized(a))}); leave them out or drop --sizes")
    return dataclasses.replace(plan, sizes=tuple(sizes))


def _tasks(apps: Sequence[str], plan: Plan, precisions: Sequence[str], peers: bool, ctx: Context,
           devices: Sequence[int], processes: Sequence[int], quick: bool) -> list[Task]:
    from hanami.bench.scaling import scaled_apps, scaling_tasks
    from hanami.bench.suites import suites

    if not (devices or processes):
        known = suites()
        return [t for name in dict.fromkeys(apps) for t in known[name](plan, precisions, peers, ctx)]
    scaled = scaled_apps()
    if any(app not in scaled for app in apps):
        raise CaseError(f"--devices/--processes measure the apps {', '.join(scaled)}; not "
                        f"{', '.join(a for a in apps if a not in scaled)}")
    steps = 40 if quick else 200
    return [t for app in dict.fromkeys(apps) for t in scaling_tasks(app, devices, processes, precisions, steps, ctx)]


def run_bench(apps: Sequence[str], *, quick: bool = False, json_path: Path | None = None,
              precisions: Sequence[str] = ("float64",), peers: bool = False, console: Console | None = None,
              plan: Plan | None = None, sizes: Sequence[int] | None = None, site: str | None = None,
              probe_bandwidth: bool = True, devices: Sequence[int] = (), processes: Sequence[int] = ()
              ) -> list[dict[str, Any]]:
    """Run the benchmark suites named in `apps`.

    The suite is resumable: with `json_path`, every finished measurement is
    written at once, and a later run into the same file skips what it holds.

    Arguments:
        apps: suite names (see `hanami.bench.suites.suites`): apps, `gradients`, `surrogates`.
        quick: the small `QUICK` plan instead of `FULL`.
        json_path: where to write `{"schema_version": 2, "records": [...]}`, or None.
        precisions: "float32" and/or "float64".
        peers: also run installed peer codes.
        console: where tables and progress go (default: a new rich Console).
        plan: overrides the plan `quick` picks (tests use a tiny one).
        sizes: grid sizes (points per side) instead of the apps' own, for suites that sweep sizes.
        site: a site name published in the records (else the host name is hashed).
        probe_bandwidth: measure the memory bandwidth for the roofline.
        devices, processes: when either is given, measure strong and weak scaling
            over these device and process counts instead of the single-device suites.

    Returns:
        All the records: those resumed and those measured, in order.

    Raises:
        CaseError: an unknown suite or precision, bad sizes, or an unreadable `json_path`.
    """
    from hanami.bench.suites import suites

    console = console or Console()
    known = list(suites())
    unknown = [a for a in apps if a not in known]
    if unknown:
        raise CaseError(f"bench: unknown app(s) {', '.join(map(repr, unknown))}; allowed: {', '.join(known)}")
    bad = [p for p in precisions if p not in PRECISIONS]
    if bad:
        raise CaseError(f"--precision {', '.join(map(repr, bad))}: allowed values are {', '.join(PRECISIONS)}")
    plan = _checked_plan(apps, known, plan or (QUICK if quick else FULL), sizes)
    precisions = list(dict.fromkeys(precisions))
    if any(n < 1 for n in (*devices, *processes)):
        raise CaseError(f"--devices {list(devices)} --processes {list(processes)}: counts must be >= 1")
    records = _existing(json_path, console)
    done = {_done_key(r) for r in records}
    with cold_compiles() as cache_note:
        bandwidth = None
        if probe_bandwidth:
            console.print("memory bandwidth: STREAM triad in JAX and NumPy", highlight=False)
            n = 1 << (22 if quick else 24)
            bandwidth = {"jax": triad_bandwidth(n), "numpy": numpy_triad_bandwidth(n)}
        ctx = Context(console, machine_info(cache_note, site=site, bandwidth=bandwidth), utc_now())
        tasks = _tasks(apps, plan, precisions, peers, ctx, devices, processes, quick)
        todo = [t for t in tasks if not set(t.keys) <= done]
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=console, transient=True) as progress:
            bar = progress.add_task("bench", total=len(todo))
            for task in todo:
                progress.console.print(task.description, highlight=False)
                records += task.measure(records)
                done |= set(task.keys)
                if json_path is not None:
                    write_json(Path(json_path), records)
                progress.advance(bar)
    print_tables(console, records)
    if json_path is not None:
        write_json(Path(json_path), records)
        console.print(f"wrote {len(records)} records to {json_path}", highlight=False)
    return records
