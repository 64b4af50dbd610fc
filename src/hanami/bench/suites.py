"""The suites of `hanami bench`, built from the registry: one per app that declares a
throughput or whole-run problem (named after the app), plus the cross-app suites
`gradients` and `surrogates` over the apps that declare those problems.

Each suite is a list of `Task`s; `hanami.bench.run.run_bench` runs them.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

from hanami.apps.base import AdaptiveProblem, App, LoadedCase, Peer, PeerSettings, ThroughputProblem
from hanami.apps.registry import apps
from hanami.bench.plan import Plan
from hanami.bench.records import record_key
from hanami.bench.tasks import Context, Records, Task
from hanami.bench.throughput import adaptive_run, load, peer_run, throughput
from hanami.runner import load_case

CROSS_APP = {"gradients": "gradient", "surrogates": "surrogate"}  # suite: the `Benchmarks` field it reads


def suites() -> dict[str, Callable[[Plan, Sequence[str], bool, Context], list[Task]]]:
    """Suite name -> `tasks(plan, precisions, peers, context)`, in the registry's order."""
    known = apps()
    found: dict[str, Callable[..., list[Task]]] = {
        name: (lambda plan, precisions, peers, ctx, app=app: app_tasks(app, plan, precisions, peers, ctx))
        for name, app in known.items() if app.benchmarks is not None and app.benchmarks.has_suite}
    if any(a.benchmarks is not None and a.benchmarks.gradient for a in known.values()):
        found["gradients"] = gradient_tasks
    if any(a.benchmarks is not None and a.benchmarks.surrogate for a in known.values()):
        found["surrogates"] = surrogate_tasks
    return found


def sized(name: str) -> bool:
    """Whether the suite `name` takes `--sizes` (an app suite with a problem that sweeps grid sizes)."""
    app = apps().get(name)
    return name in CROSS_APP or bool(app and app.benchmarks and any(p.sized for p in app.benchmarks.throughput))


def options() -> set[str]:
    """The `Plan` keywords the registered apps' settings declare (`Setting.option`)."""
    found = set()
    for app in apps().values():
        benchmarks = app.benchmarks
        if benchmarks is None:
            continue
        settings = [setting for problem in benchmarks.throughput for setting in (problem.points, problem.steps)]
        peers = [peer for problem in benchmarks.throughput for peer in problem.peers]
        for problem in benchmarks.adaptive:
            settings.append(problem.times)
            peers += problem.peers
        settings += [peer.stop_time for peer in peers]
        found |= {setting.option for setting in settings if setting is not None and setting.option}
    return found


def _key(app: App, kind: str, case: Any, precision: str, **extra: Any) -> str:
    return record_key({"app": app.name, "kind": kind, "case": case.name,
                       "resolution": app.benchmarks.resolution(case), "precision": precision, "devices": 1,
                       "processes": 1, **extra})


def _schedule(problem: ThroughputProblem, plan: Plan) -> tuple[tuple[Any, ...], int, int]:
    """The points, steps per repeat and chunk `plan` gives `problem`."""
    points = plan.sizes if problem.sized and plan.sizes else plan.value(problem.points)
    if problem.steps is None:
        return tuple(points), plan.steps, plan.chunk
    steps = plan.value(problem.steps)
    return tuple(points), steps, max(1, steps // 2)


def _adaptive_tasks(app: App, problem: AdaptiveProblem, plan: Plan, precisions: Sequence[str],
                    ctx: Context) -> list[Task]:
    times = tuple(plan.value(problem.times))
    if not times:
        return []
    return [Task(f"{app.name} {problem.label} whole run {precision} to t = {', '.join(f'{t:g}' for t in times)}",
                 tuple(_key(app, "adaptive", load_case(problem.case, [f'precision="{precision}"']).case, precision,
                            stop_time=t) for t in times),
                 lambda done, p=precision: ctx.measured(adaptive_run, problem, p, times))
            for precision in precisions]


def _throughput_tasks(app: App, problem: ThroughputProblem, plan: Plan, precisions: Sequence[str],
                      ctx: Context) -> list[Task]:
    points, steps, chunk = _schedule(problem, plan)
    return [Task(f"{app.name} {problem.label(point)} {precision}: {problem.note}{plan.repeats} x {steps} steps",
                 (_key(app, "throughput", load(problem, point, precision).case, precision),),
                 lambda done, n=point, p=precision: ctx.measured(throughput, problem, n, p, steps=steps,
                                                                 repeats=plan.repeats, chunk=chunk))
            for precision in precisions for point in points]


def _peer_task(app: App, peer: Peer, loaded: LoadedCase, settings: PeerSettings, description: str, ctx: Context) -> Task:
    def measure(done: Records) -> Records:
        (record,) = ctx.measured(peer_run, app, peer, loaded, settings)
        peer.compare(record, done)
        return [record]

    key = _key(app, "peer", loaded.case, settings.precision, stop_time=settings.stop_time, code=peer.code)
    return Task(description, (key,), measure)


def _peer_tasks(app: App, plan: Plan, precisions: Sequence[str], ctx: Context) -> list[Task]:
    """After all of the app's own runs, so that each peer record finds hanami's figures."""
    tasks = []
    benchmarks = app.benchmarks
    problems = [(problem, peer) for problem in benchmarks.adaptive for peer in problem.peers]
    problems += [(problem, peer) for problem in benchmarks.throughput for peer in problem.peers]
    for problem, peer in problems:
        if not peer.available():
            ctx.console.print(f"peers: {peer.requirement} is not installed; skipped (install "
                              "requirements-peers.txt to compare)", highlight=False)
            continue
        for precision in peer.precisions or precisions:
            if isinstance(problem, AdaptiveProblem):
                stop_time = plan.value(peer.stop_time)
                settings = PeerSettings(precision, None, plan.repeats, plan.chunk, stop_time)
                tasks.append(_peer_task(app, peer, load_case(problem.case, [f'precision="{precision}"']), settings,
                                        f"peers: {peer.code} on {problem.label} to t = {stop_time:g}{peer.note}", ctx))
                continue
            points, steps, chunk = _schedule(problem, plan)
            for point in points:
                tasks.append(_peer_task(app, peer, load(problem, point, precision),
                                        PeerSettings(precision, steps, plan.repeats, chunk),
                                        f"peers: {peer.code} {problem.label(point)} {precision}: {plan.repeats} x "
                                        f"{steps} steps{peer.note}", ctx))
    return tasks


def app_tasks(app: App, plan: Plan, precisions: Sequence[str], peers: bool, ctx: Context) -> list[Task]:
    """An app's suite: its whole runs first (they pay every one-off cost a fresh `hanami run`
    pays), then its throughput problems, then (with `peers`) its peer codes."""
    benchmarks = app.benchmarks
    tasks = [task for problem in benchmarks.adaptive for task in _adaptive_tasks(app, problem, plan, precisions, ctx)]
    for problem in benchmarks.throughput:
        tasks += _throughput_tasks(app, problem, plan, precisions, ctx)
    return tasks + (_peer_tasks(app, plan, precisions, ctx) if peers else [])


def gradient_tasks(plan: Plan, precisions: Sequence[str], peers: bool, ctx: Context) -> list[Task]:
    """For each app: a gradient through a whole run against the forward run, and its memory."""
    from hanami.bench.gradients import gradient_cost

    declared = [(name, app.benchmarks.gradient) for name, app in apps().items()
                if app.benchmarks is not None and app.benchmarks.gradient]
    return [Task(f"gradient of {name} ({problem.case}, {size} grid) by {problem.parameter}, {precision}: "
                 f"{problem.steps} steps", (f"{name}/gradient/{size}/{precision}",),
                 lambda done, a=name, p=precision, s=size: ctx.measured(gradient_cost, a, p, repeats=plan.repeats,
                                                                        size=s))
            for precision in precisions for size in plan.gradients() for name, problem in declared]


def surrogate_tasks(plan: Plan, precisions: Sequence[str], peers: bool, ctx: Context) -> list[Task]:
    """For each app with a surrogate problem: training throughput and inference speed-up over the solver."""
    from hanami.bench.surrogates import surrogate_record

    return [Task(f"surrogate of {name} ({app.benchmarks.surrogate.case}): training throughput, inference "
                 "against the solver", (f"{name}/surrogate",),
                 lambda done, a=name: ctx.measured(surrogate_record, a, repeats=max(plan.repeats, 3)))
            for name, app in apps().items() if app.benchmarks is not None and app.benchmarks.surrogate]
