"""`hanami bench`: run the benchmark suite of each app, print tables, write JSON.

For the phase-field app the suite is:

1. fixed-step throughput of BM1a on several grid sizes, for each precision;
2. the shipped adaptive BM1a run on 200 x 200: wall time after compile to
   t = 1000 and (full suite) t = 10^4, with F there;
3. with `--peers`, py-pde on the same problem to t = 1000, and the ratio of its
   solver time to hanami's adaptive wall time.

JAX's persistent compile cache is switched off while the suite runs, so that
`compile_s` is a cold compile whatever ran before.
"""

from __future__ import annotations

import contextlib
import dataclasses
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

import jax
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from hanami.bench.machine import HostLoad, machine_info, utc_now
from hanami.bench.records import add_roofline, print_tables, read_json, record_key, write_json
from hanami.bench.stream import numpy_triad_bandwidth, triad_bandwidth
from hanami.errors import CaseError
from hanami.runner import load_case

PRECISIONS = ("float32", "float64")
BUSY_CORES = 0.25


@dataclasses.dataclass(frozen=True)
class Plan:
    """What one suite measures.

    Attributes:
        sizes: grid points per side of the fixed-step runs (square grids).
        steps: steps per timed repeat.
        repeats: timed repeats per size (the median is reported).
        chunk: attempts per compiled chunk (also the warm-up length).
        adaptive_times: stop times of the adaptive run on the shipped grid
            (empty: skip it).
        peer_time: stop time of the peer runs (BM1 time units).
        gradient_sizes: the gradient suite's problems: "small" (a few thousand points)
            and/or "large" (grids that occupy a GPU; see `hanami.bench.gradients.LARGE`).
    """

    sizes: tuple[int, ...]
    steps: int
    repeats: int
    chunk: int
    adaptive_times: tuple[float, ...]
    peer_time: float = 1000.0
    cardiac_dx: tuple[float, ...] = (0.2, 0.1)
    cardiac_steps: int = 20
    truncations: tuple[int, ...] = (31, 42, 63, 85, 127)
    climate_steps: int = 96
    gradient_sizes: tuple[str, ...] = ("small", "large")

    def __post_init__(self) -> None:
        if not self.sizes or min(self.sizes) < 4:
            raise ValueError(f"sizes {self.sizes}: need at least one size, each >= 4")
        if self.steps < 1 or self.repeats < 1 or self.chunk < 1:
            raise ValueError(f"steps, repeats and chunk must be >= 1, got {self.steps}, {self.repeats}, {self.chunk}")


FULL = Plan(sizes=(128, 200, 256, 512), steps=200, repeats=5, chunk=50, adaptive_times=(1000.0, 10000.0))
QUICK = Plan(sizes=(64, 200), steps=50, repeats=3, chunk=25, adaptive_times=(1000.0,), cardiac_dx=(0.5,),
             cardiac_steps=10, truncations=(31, 63), climate_steps=48, gradient_sizes=("small",))


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


def _measured(console: Console, measure: Callable[..., Any], *args: Any, **kwargs: Any) -> list[dict[str, Any]]:
    """Call `measure`, stamping its record(s) with `host_load` (see `HostLoad`) [cores].

    Above `BUSY_CORES` of other processes or of hypervisor steal a warning is
    printed, so a reader can tell a busy machine from a slow code.
    """
    load = HostLoad()
    load.start()
    result = measure(*args, **kwargs)
    competing = load.stop()
    records = result if isinstance(result, list) else [result]
    for record in records:
        record["host_load"] = competing
        add_roofline(record)
    for name, cores in (competing or {}).items():
        if cores > BUSY_CORES:
            console.print(f"[yellow]warning:[/] {name.replace('_', ' ')} took {cores:.2f} cores during this "
                          "measurement; its figures are slower than on a quiet machine", highlight=False)
    return records


@dataclasses.dataclass
class Task:
    """One measurement of a suite: `keys` are the record keys it produces (see
    `record_key`); it is skipped when all of them are already recorded."""

    description: str
    keys: tuple[str, ...]
    measure: Callable[[list[dict[str, Any]]], list[dict[str, Any]]]


def _phasefield_tasks(plan: Plan, precisions: Sequence[str], peers: bool, console: Console,
                      machine: dict[str, Any], date: str) -> list[Task]:
    from hanami.bench import peers as peer_codes
    from hanami.bench.phasefield import CASE, adaptive_run, throughput

    def key(kind: str, size: int, precision: str, **extra: Any) -> str:
        return record_key({"app": "phasefield", "kind": kind, "case": CASE, "resolution": [size, size],
                           "precision": precision, "devices": 1, "processes": 1, **extra})

    tasks = []
    # The adaptive runs go first, so that they pay every one-off cost a fresh `hanami run` pays.
    for precision in precisions:
        if plan.adaptive_times:
            tasks.append(Task(
                f"phasefield BM1a adaptive {precision} to t = {', '.join(f'{t:g}' for t in plan.adaptive_times)}",
                tuple(key("adaptive", 200, precision, stop_time=t) for t in plan.adaptive_times),
                lambda done, p=precision: _measured(console, adaptive_run, p, plan.adaptive_times,
                                                    machine=machine, date=date)))
    for precision in precisions:
        for size in plan.sizes:
            tasks.append(Task(
                f"phasefield {size}x{size} {precision}: fixed dt, {plan.repeats} x {plan.steps} steps",
                (key("throughput", size, precision),),
                lambda done, n=size, p=precision: _measured(console, throughput, n, p, steps=plan.steps,
                                                            repeats=plan.repeats, chunk=plan.chunk,
                                                            machine=machine, date=date)))
    if peers and not peer_codes.pypde_available():
        console.print("peers: py-pde (with numba) is not installed; skipped "
                      "(install requirements-peers.txt to compare)", highlight=False)
    elif peers:
        def peer(done: list[dict[str, Any]]) -> list[dict[str, Any]]:
            (record,) = _measured(console, peer_codes.run_pypde_bm1a, plan.peer_time, machine=machine, date=date)
            peer_codes.compare_with_hanami(record, [r for r in done if r["kind"] == "adaptive"])
            return [record]

        tasks.append(Task(f"peers: py-pde on BM1a to t = {plan.peer_time:g} (numba compile and run take a "
                          "minute or two)", (key("peer", 200, "float64", stop_time=plan.peer_time, code="py-pde"),),
                          peer))
    return tasks


def _cardiac_tasks(plan: Plan, precisions: Sequence[str], peers: bool, console: Console,
                   machine: dict[str, Any], date: str) -> list[Task]:
    from hanami.bench.cardiac import case_name, throughput

    tasks = []
    for precision in precisions:
        for dx in plan.cardiac_dx:
            loaded = load_case(case_name(dx), [f'precision="{precision}"'])
            shape = list(loaded.case.grid.build().shape)
            key = record_key({"app": "cardiac", "kind": "throughput", "case": case_name(dx), "resolution": shape,
                              "precision": precision, "devices": 1, "processes": 1})
            chunk = max(1, plan.cardiac_steps // 2)
            tasks.append(Task(
                f"cardiac {case_name(dx)} {precision}: {plan.repeats} x {plan.cardiac_steps} steps", (key,),
                lambda done, d=dx, p=precision, c=chunk: _measured(console, throughput, d, p,
                                                                   steps=plan.cardiac_steps, repeats=plan.repeats,
                                                                   chunk=c, machine=machine, date=date)))
    return tasks


def _climate_tasks(plan: Plan, precisions: Sequence[str], peers: bool, console: Console,
                   machine: dict[str, Any], date: str) -> list[Task]:
    from hanami.bench import dinosaur_peer
    from hanami.bench.climate import CASE, throughput

    tasks = []
    shapes = {t: list(load_case(CASE, [f"grid.truncation={t}"]).case.grid.build(radius=1.0).shape)
              for t in plan.truncations}
    for precision in precisions:
        for truncation, shape in shapes.items():
            key = record_key({"app": "climate", "kind": "throughput", "case": CASE, "resolution": shape,
                              "precision": precision, "devices": 1, "processes": 1})
            chunk = max(1, plan.climate_steps // 2)
            tasks.append(Task(
                f"climate {CASE} T{truncation} {precision}: {plan.repeats} x {plan.climate_steps} steps", (key,),
                lambda done, t=truncation, p=precision, c=chunk: _measured(console, throughput, t, p,
                                                                       steps=plan.climate_steps,
                                                                       repeats=plan.repeats, chunk=c,
                                                                       machine=machine, date=date)))
    if peers and not dinosaur_peer.dinosaur_available():
        console.print("peers: dinosaur is not installed; skipped (install requirements-peers.txt to compare)",
                      highlight=False)
    elif peers:
        # After all of hanami's throughput runs, so that each peer record finds its hanami figures.
        for precision in precisions:
            for truncation, shape in shapes.items():
                key = record_key({"app": "climate", "kind": "peer", "case": CASE, "resolution": shape,
                                  "precision": precision, "devices": 1, "processes": 1,
                                  "code": dinosaur_peer.CODE})

                def peer(done: list[dict[str, Any]], t: int = truncation, p: str = precision) -> list[dict[str, Any]]:
                    (record,) = _measured(console, dinosaur_peer.run_tc5, t, p, steps=plan.climate_steps,
                                          repeats=plan.repeats, chunk=max(1, plan.climate_steps // 2),
                                          machine=machine, date=date)
                    dinosaur_peer.compare_with_hanami(record, done)
                    return [record]

                tasks.append(Task(f"peers: dinosaur {CASE} T{truncation} {precision}: {plan.repeats} x "
                                  f"{plan.climate_steps} steps", (key,), peer))
    return tasks


def _gradient_tasks(plan: Plan, precisions: Sequence[str], peers: bool, console: Console,
                    machine: dict[str, Any], date: str) -> list[Task]:
    """For each app: a gradient through a whole run against the forward run, and its memory."""
    from hanami.bench.gradients import PROBLEMS, gradient_cost

    tasks = []
    for precision in precisions:
        for size in plan.gradient_sizes:
            for app, (case, _, parameter, steps, _) in PROBLEMS.items():
                tasks.append(Task(f"gradient of {app} ({case}, {size} grid) by {parameter}, {precision}: {steps} steps",
                                  (f"{app}/gradient/{size}/{precision}",),
                                  lambda done, a=app, p=precision, s=size: _measured(
                                      console, gradient_cost, a, p, repeats=plan.repeats, machine=machine, date=date,
                                      size=s)))
    return tasks


def _surrogate_tasks(plan: Plan, precisions: Sequence[str], peers: bool, console: Console,
                     machine: dict[str, Any], date: str) -> list[Task]:
    """For each app with a surrogate: training throughput and inference speed-up over the solver."""
    from hanami.bench.surrogates import PROBLEMS, surrogate_record

    return [Task(f"surrogate of {app} ({case}): training throughput, inference against the solver",
                 (f"{app}/surrogate",),
                 lambda done, a=app: _measured(console, surrogate_record, a, repeats=max(plan.repeats, 3),
                                               machine=machine, date=date))
            for app, (case, *_) in PROBLEMS.items()]


SUITES = {"phasefield": _phasefield_tasks, "climate": _climate_tasks, "cardiac": _cardiac_tasks,
          "gradients": _gradient_tasks, "surrogates": _surrogate_tasks}


def _scaling_tasks(app: str, devices: Sequence[int], processes: Sequence[int], precisions: Sequence[str],
                   steps: int, console: Console, machine: dict[str, Any], date: str) -> list[Task]:
    """Strong (and where the app has one, weak) scaling: 1 device first, the baseline of the others."""
    from hanami.bench import scaling

    spec = scaling.CASES[app]
    points = [(1, 1)] + [(n, 1) for n in devices if n > 1] + [(p, p) for p in processes if p > 1]
    tasks = []
    for precision in precisions:
        for mode in ("strong", "weak") if spec.weak else ("strong",):
            for n, p in dict.fromkeys(points):
                def measure(done: list[dict[str, Any]], n=n, p=p, mode=mode, precision=precision):
                    baseline = next((r for r in reversed(done) if r["kind"] == "scaling" and r["app"] == app
                                     and r["mode"] == mode and r["precision"] == precision
                                     and r["devices"] == 1 and r["processes"] == 1), None)
                    return _measured(console, scaling.measure, app, mode, n, p, precision, steps=steps,
                                     baseline=baseline, machine=machine, date=date)

                tasks.append(Task(f"{app} {mode} scaling {precision}: {n} device(s), {p} process(es), {steps} steps",
                                  (f"{app}/scaling/{mode}/{precision}/d{n}/p{p}",), measure))
    return tasks


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


def run_bench(apps: Sequence[str], *, quick: bool = False, json_path: Path | None = None,
              precisions: Sequence[str] = ("float64",), peers: bool = False, console: Console | None = None,
              plan: Plan | None = None, sizes: Sequence[int] | None = None, site: str | None = None,
              probe_bandwidth: bool = True, devices: Sequence[int] = (), processes: Sequence[int] = ()
              ) -> list[dict[str, Any]]:
    """Run the benchmark suite of each app in `apps`.

    The suite is resumable: with `json_path`, every finished measurement is
    written at once, and a later run into the same file skips what it holds.

    Arguments:
        apps: app names (see `SUITES`).
        quick: the small `QUICK` plan instead of `FULL`.
        json_path: where to write `{"schema_version": 2, "records": [...]}`, or None.
        precisions: "float32" and/or "float64".
        peers: also run installed peer codes.
        console: where tables and progress go (default: a new rich Console).
        plan: overrides the plan `quick` picks (tests use a tiny one).
        sizes: grid sizes (points per side) instead of the plan's.
        site: a site name published in the records (else the host name is hashed).
        probe_bandwidth: measure the memory bandwidth for the roofline.
        devices, processes: when either is given, measure strong and weak scaling
            over these device and process counts instead of the single-device suites.

    Returns:
        All the records: those resumed and those measured, in order.

    Raises:
        CaseError: an unknown app or precision, bad sizes, or an unreadable `json_path`.
    """
    console = console or Console()
    unknown = [a for a in apps if a not in SUITES]
    if unknown:
        raise CaseError(f"bench: unknown app(s) {', '.join(map(repr, unknown))}; allowed: {', '.join(SUITES)}")
    bad = [p for p in precisions if p not in PRECISIONS]
    if bad:
        raise CaseError(f"--precision {', '.join(map(repr, bad))}: allowed values are {', '.join(PRECISIONS)}")
    plan = plan or (QUICK if quick else FULL)
    if sizes:
        if min(sizes) < 4:
            raise CaseError(f"--sizes {list(sizes)}: each size must be >= 4 points per side")
        plan = dataclasses.replace(plan, sizes=tuple(sizes))
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
        machine, date = machine_info(cache_note, site=site, bandwidth=bandwidth), utc_now()
        if devices or processes:
            from hanami.bench.scaling import CASES

            if any(app not in CASES for app in apps):
                raise CaseError(f"--devices/--processes measure the apps {', '.join(CASES)}; not "
                                f"{', '.join(a for a in apps if a not in CASES)}")
            steps = 40 if quick else 200
            tasks = [t for app in dict.fromkeys(apps)
                     for t in _scaling_tasks(app, devices, processes, precisions, steps, console, machine, date)]
        else:
            tasks = [t for app in dict.fromkeys(apps)
                     for t in SUITES[app](plan, precisions, peers, console, machine, date)]
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
