"""The `hanami` command: list | run | validate | bench | demo.

Bad input gives one message and exit status 2; a blow-up gives exit status 3;
a failed validation exit status 1. No traceback reaches the user for either.
"""

from __future__ import annotations

import functools
import inspect
import os
import sys
from pathlib import Path
from typing import Annotated, Any, Callable, Optional

import typer
from rich.console import Console
from rich.markup import escape

from hanami.errors import HanamiError

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  rich_markup_mode=None, help="hanami: validated HPC applications on JAX.")
err_console = Console(stderr=True, soft_wrap=True)
console = Console(soft_wrap=True)


def _setup_jax() -> None:
    """Persistent compile cache (every program, even fast ones), before JAX compiles."""
    import jax

    cache = os.environ.get("HANAMI_COMPILE_CACHE", str(Path.home() / ".cache" / "hanami" / "jax"))
    if cache and cache != "off":
        jax.config.update("jax_compilation_cache_dir", cache)
        jax.config.update("jax_persistent_cache_min_compile_time_secs", 0)


def handles_errors(fn: Callable) -> Callable:
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            _setup_jax()
            return fn(*args, **kwargs)
        except HanamiError as err:
            err_console.print("[bold red]error:[/] " + escape(str(err)), highlight=False)
            raise typer.Exit(err.exit_code) from None
        except KeyboardInterrupt:
            err_console.print("interrupted; restart from the newest checkpoint with `hanami run --restart DIR`")
            raise typer.Exit(130) from None

    return wrapper


@app.command("list")
@handles_errors
def list_cases() -> None:
    """List the shipped cases, one line each."""
    from hanami.apps.registry import shipped_cases
    from hanami.config import read_toml

    for name, path in shipped_cases().items():
        data = read_toml(path)
        console.print(f"{name:<16} {data.get('app', ''):<11} {data.get('description', '')}", highlight=False)


@app.command()
@handles_errors
def run(
    case: Annotated[Optional[str], typer.Argument(help="shipped case name or path to a case file")] = None,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="run directory (default runs/NAME-STAMP)")] = None,
    stop_time: Annotated[Optional[str], typer.Option(
        "--stop-time", help="simulated time to stop at, in the app's time unit or with a unit (\"15 days\")")] = None,
    set_: Annotated[Optional[list[str]], typer.Option("--set", help="override a case key: a.b=value")] = None,
    precision: Annotated[Optional[str], typer.Option(help="float32 or float64")] = None,
    checkpoint_every: Annotated[Optional[float], typer.Option("--checkpoint-every",
                                                              help="checkpoint every T of simulated time")] = None,
    restart: Annotated[Optional[Path], typer.Option("--restart", help="continue the run in DIR")] = None,
    devices: Annotated[Optional[int], typer.Option("--devices", help="devices to lay the state on (0 = all)")] = None,
    processes: Annotated[Optional[int], typer.Option(
        "--processes", help="start N local processes of one distributed run (jax.distributed)")] = None,
    members: Annotated[Optional[int], typer.Option(
        "--members", help="ensemble: run N members as one batch (with --vary)")] = None,
    vary: Annotated[Optional[list[str]], typer.Option(
        "--vary", help="ensemble: KEY=V1,V2,... one value per member, or KEY=LO:HI evenly spaced")] = None,
    probes: Annotated[Optional[Path], typer.Option(
        "--probes", help="also write the output fields at these points (a file with coordinates along 'probe') "
                         "to probes.nc")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no progress output")] = False,
) -> None:
    """Run a case and write a run directory (case.toml, output, summary.json, checkpoints/, plots).

    --members N --vary KEY=VALUES runs N variations of the case as one vmapped
    batch, split over the devices, into one dataset with a `member` dimension.

    Under Slurm (srun) or Open MPI (mpirun) with several tasks, every task runs this
    same command and they form one distributed run; --processes N does the same on
    this machine.
    """
    from hanami.errors import CaseError
    from hanami.runner import run_case

    if restart is not None and case is not None:
        raise CaseError("give either a CASE or --restart DIR, not both")
    if precision is not None and precision not in ("float32", "float64"):
        raise CaseError(f"--precision {precision!r}: allowed values are float32, float64")
    if processes is not None and processes != 1:
        from hanami.processes import spawn_run

        status = spawn_run(case, out, set_ or [], stop_time, precision, checkpoint_every, restart, devices, processes,
                           quiet, members, vary or [])
        if status:
            raise typer.Exit(status)
        return
    ensemble = None
    if members is not None or vary:
        from hanami.ensembles import ensemble_overrides, parse_vary

        ensemble = ensemble_overrides(members, parse_vary(vary or [], members))
    result = run_case(case, out=out, overrides=set_ or [], stop_time=stop_time, precision=precision,
                      checkpoint_every=checkpoint_every, restart=restart, progress=not quiet, devices=devices,
                      ensemble=ensemble, probes=probes)
    s = result.summary
    console.print(f"[green]done[/] {s['case']}: {s['stop_reason']} after {s['iteration']} steps; "
                  f"run {s['timings_s']['run']:.2f} s, compile {s['timings_s']['compile']:.2f} s, "
                  f"output {s['timings_s']['output']:.2f} s", highlight=False)
    console.print(f"results in {result.run_dir}/", highlight=False)


def validate(
    name: Annotated[str, typer.Argument(help="the benchmark (see the list above)")],
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="run directory")] = None,
    quick: Annotated[bool, typer.Option("--quick", help="a shorter run (see the list above)")] = False,
    precision: Annotated[Optional[str], typer.Option(help="float32 or float64")] = None,
    set_: Annotated[Optional[list[str]], typer.Option("--set", help="override a case key: a.b=value")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no progress output")] = False,
    **extra: Any,
) -> None:
    """Run a benchmark of an app, compare with its reference figures, write validation.json."""
    from hanami.validate import run_validation

    status = run_validation(name, out=out, quick=quick, precision=precision, overrides=set_ or [],
                            progress=not quiet, console=console, **extra)
    raise typer.Exit(status)


def _register_validate() -> None:
    """`hanami validate`, its help and its extra options generated from the registered apps' validations."""
    from hanami.apps.registry import validations
    from hanami.validate import options

    known = validations()
    lines = [f"{name}: {v.description} (--quick: {v.quick})" for name, (_, v) in known.items()]
    params = [p for p in inspect.signature(validate, eval_str=True).parameters.values()
              if p.kind is not inspect.Parameter.VAR_KEYWORD]
    for option, users in options().values():
        annotation = Annotated[Optional[option.type], typer.Option(option.flag,
                                                                   help=f"{', '.join(users)}: {option.help}")]
        params.append(inspect.Parameter(option.name, inspect.Parameter.KEYWORD_ONLY, default=None,
                                        annotation=annotation))
    command = handles_errors(validate)
    command.__signature__ = inspect.Signature(params)
    command.__doc__ = validate.__doc__ + "\n\n" + "\n\n".join(lines)
    app.command("validate")(command)


try:
    _register_validate()
    _STARTUP_ERROR: HanamiError | None = None
except HanamiError as _err:  # a bad HANAMI_APPS entry: reported by main() with its exit status
    _STARTUP_ERROR = _err


@app.command()
@handles_errors
def bench(
    apps: Annotated[Optional[list[str]], typer.Argument(help=_suites_help())] = None,
    quick: Annotated[bool, typer.Option("--quick", help="small sizes and few repeats")] = False,
    json_path: Annotated[Optional[Path], typer.Option("--json", help="write the records to this JSON file")] = None,
    precision: Annotated[Optional[list[str]], typer.Option(help="float32 and/or float64")] = None,
    peers: Annotated[bool, typer.Option("--peers", help="also run installed peer codes (pip install .[peers])")] = False,
    sizes: Annotated[Optional[list[int]], typer.Option("--sizes", help="grid points per side (repeatable)")] = None,
    site: Annotated[Optional[str], typer.Option("--site", help="site name to publish (else the host is hashed)")] = None,
    devices: Annotated[Optional[str], typer.Option(
        "--devices", help="scaling: device counts, e.g. 1,2,4 (strong and weak scaling)")] = None,
    processes: Annotated[Optional[str], typer.Option(
        "--processes", help="scaling: process counts, e.g. 1,2 (jax.distributed, local)")] = None,
) -> None:
    """Measure throughput (grid-point updates per second, time per step, compile time,
    roofline fraction); resumable into the same --json file."""
    from hanami.bench.run import run_bench
    from hanami.bench.suites import suites

    run_bench(apps or list(suites()), quick=quick, json_path=json_path, precisions=precision or ["float64"],
              peers=peers, console=console, sizes=sizes, site=site,
              devices=_counts("--devices", devices), processes=_counts("--processes", processes))


def _suites_help() -> str:
    """The help of `hanami bench`'s suites argument, from the registered apps' declarations
    (evaluated when the command is built: the annotations are strings until then)."""
    from hanami.bench.suites import suites

    return f"suites: {', '.join(suites())} (default: all)"


def _counts(option: str, text: str | None) -> list[int]:
    """`1,2,4` (or `1 2 4` quoted) as a list of counts."""
    from hanami.errors import CaseError

    if not text:
        return []
    try:
        counts = [int(part) for part in text.replace(",", " ").split()]
    except ValueError:
        raise CaseError(f"{option} {text!r}: expected counts like 1,2,4") from None
    if not counts or min(counts) < 1:
        raise CaseError(f"{option} {text!r}: counts must be >= 1")
    return counts


@app.command()
@handles_errors
def calibrate(
    case: Annotated[str, typer.Argument(help="shipped case name or path to a case file")],
    observations: Annotated[Path, typer.Option("--observations", help="observation file (NetCDF): see docs/calibration.md")],
    params: Annotated[str, typer.Option("--params", help="case keys to fit, comma-separated")],
    bounds: Annotated[Optional[list[str]], typer.Option("--bounds", help="KEY=LO:HI (repeatable)")] = None,
    steps: Annotated[int, typer.Option("--steps", help="optimiser iterations at most")] = 60,
    tolerance: Annotated[float, typer.Option(
        "--tolerance", help="stop when an iteration changes every parameter by less than this fraction")] = 1e-4,
    optimizer: Annotated[str, typer.Option("--optimizer", help="lbfgs or adam")] = "lbfgs",
    learning_rate: Annotated[float, typer.Option("--learning-rate", help="Adam's step on log(p / p0)")] = 0.1,
    noise: Annotated[Optional[float], typer.Option("--noise", help="add Gaussian noise of this standard deviation "
                                                                     "(the observations' units) before fitting")] = None,
    seed: Annotated[int, typer.Option("--seed", help="seed of --noise")] = 0,
    variables: Annotated[Optional[str], typer.Option(
        "--variables", help="observed variables to fit, comma-separated (default: every one in the file)")] = None,
    set_: Annotated[Optional[list[str]], typer.Option("--set", help="override a case key: a.b=value")] = None,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="output directory")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no progress output")] = False,
) -> None:
    """Fit case parameters to observations by gradients through the solver."""
    import time

    from hanami.ai.calibrate import calibrate as fit
    from hanami.ai.calibrate import parse_bounds

    keys = [k.strip() for k in params.split(",") if k.strip()]
    out = out or Path("runs") / f"calibrate-{time.strftime('%Y%m%d-%H%M%S')}"
    result = fit(case, observations, keys, out=out, bounds=parse_bounds(bounds or []), steps=steps,
                 optimizer=optimizer, learning_rate=learning_rate, noise=noise, seed=seed, overrides=set_ or [],
                 progress=not quiet, console=console,
                 variables=[v.strip() for v in (variables or "").split(",") if v.strip()], tolerance=tolerance)
    console.print(f"results in {result.out}/ (case.toml, history.nc, fit.png, calibration.json)", highlight=False)


def _surrogate_apps() -> list[str]:
    from hanami.apps.registry import apps

    return [name for name, application in apps().items() if application.surrogate is not None]


@app.command("train-surrogate")
@handles_errors
def train_surrogate(
    dataset: Annotated[Path, typer.Argument(help="the output.zarr of an ensemble run (hanami run --members)")],
    app_name: Annotated[str, typer.Option("--app", help="the app that wrote the dataset (apps with a surrogate: "
                                                         f"{', '.join(_surrogate_apps())})")],
    epochs: Annotated[int, typer.Option("--epochs", help="passes over the training samples")] = 20,
    batch_size: Annotated[int, typer.Option("--batch-size", help="samples per optimiser step")] = 16,
    learning_rate: Annotated[float, typer.Option("--learning-rate", help="AdamW's initial step (cosine decay)")] = 3e-3,
    width: Annotated[int, typer.Option("--width", help="channels of the neural operator")] = 32,
    layers: Annotated[int, typer.Option("--layers", help="spectral layers")] = 4,
    modes: Annotated[Optional[int], typer.Option(
        "--modes", help="modes kept per axis (box) or largest degree + 1 (sphere); default: half the grid's")] = None,
    stride: Annotated[int, typer.Option("--stride", help="output intervals per learned step")] = 1,
    start_time: Annotated[Optional[str], typer.Option(
        "--start-time", help="leave out snapshots before this time (a spin-up), in the dataset's time unit or with "
                             "a unit")] = None,
    variables: Annotated[Optional[str], typer.Option(
        "--variables", help="fields to learn, comma-separated (default: every field)")] = None,
    test_members: Annotated[Optional[int], typer.Option(
        "--test-members", help="members held out for evaluation (default: a fifth)")] = None,
    condition: Annotated[Optional[str], typer.Option(
        "--condition", help="varied case keys given as inputs, comma-separated, or 'none' "
                            "(default: the varied keys that change the dynamics)")] = None,
    rollout: Annotated[int, typer.Option("--rollout", help="learned steps of the held-out rollout")] = 10,
    augment: Annotated[Optional[bool], typer.Option(
        "--augment/--no-augment", help="train on randomly mirrored pairs too (default: on for the phase field, "
                                       "whose dynamics are mirror-symmetric)")] = None,
    seed: Annotated[int, typer.Option("--seed", help="seed of the weights, the member split and the batch order")] = 0,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="output directory")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no progress bar")] = False,
) -> None:
    """Train a neural operator that advances the state by a fixed step, from an ensemble's Zarr store;
    report held-out one-step and rollout errors and the speed-up over the solver."""
    import time

    from hanami.ai.train_surrogate import TrainingOptions
    from hanami.ai.train_surrogate import train_surrogate as train

    out = out or Path("runs") / f"surrogate-{app_name}-{time.strftime('%Y%m%d-%H%M%S')}"
    keys = None if condition is None else [k.strip().replace(".", "_") for k in condition.split(",")
                                           if k.strip() and k.strip() != "none"]
    options = TrainingOptions(epochs=epochs, batch_size=batch_size, learning_rate=learning_rate, width=width,
                              layers=layers, modes=modes, rollout=rollout, seed=seed, augment=augment)
    train(dataset, app_name, out, options, variables=[v.strip() for v in (variables or "").split(",") if v.strip()],
          stride=stride, test_members=test_members, condition=keys, progress=not quiet, console=console,
          start_time=start_time or 0.0)
    console.print(f"results in {out}/ (surrogate.eqx, surrogate.json, history.nc, report.json, comparison.png)",
                  highlight=False)


@app.command()
@handles_errors
def report(
    records: Annotated[list[Path], typer.Argument(help="bench JSON files and validation.json files")],
    out: Annotated[Path, typer.Option("--out", "-o", help="output file")] = Path("report.html"),
    markdown: Annotated[bool, typer.Option("--markdown", help="write Markdown tables instead of HTML")] = False,
) -> None:
    """Turn records from any number of machines and sites into one report (HTML or Markdown)."""
    from hanami.bench.report import write_report

    path = write_report(records, out, markdown=markdown)
    console.print(f"wrote {path}", highlight=False)


@app.command()
@handles_errors
def keys(
    markdown: Annotated[bool, typer.Option("--markdown", help="print the Markdown of docs/case-keys.md")] = False,
) -> None:
    """List every case-file key of every app: type, default and allowed values."""
    from hanami.apps.registry import apps
    from hanami.keys import markdown as keys_markdown
    from hanami.keys import rows

    if markdown:
        print(keys_markdown(apps()))
        return
    for name, application in apps().items():
        console.print(f"[bold]{name}[/]")
        for key, kind, default, allowed in rows(application.schema):
            print(f"  {key:<32} {kind:<28} default {default:<14} {allowed}")


@app.command()
@handles_errors
def demo(
    out: Annotated[Path, typer.Option("--out", "-o", help="run directory")] = Path("runs/demo-pfhub-bm1a"),
) -> None:
    """Run PFHub BM1a to t = 1000 on the default device and say where the results are."""
    import jax

    from hanami.runner import run_case

    if (out / "summary.json").exists() or (out / "checkpoints").exists():
        import shutil

        shutil.rmtree(out)
    console.print(f"hanami demo: PFHub BM1a spinodal decomposition to t = 1000 on {jax.devices()[0]}")
    result = run_case("pfhub-bm1a", out=out, stop_time=1000.0, progress=True)
    s = result.summary
    console.print(f"\n[green]done[/]: {s['iteration']} adaptive steps, run {s['timings_s']['run']:.2f} s "
                  f"(compile {s['timings_s']['compile']:.2f} s); F(1000) = {s['diagnostics']['free_energy']:.3f}")
    console.print(f"  outputs      {out}/output.nc, {out}/summary.json, {out}/case.toml", highlight=False)
    console.print(f"  pictures     {out}/c_final.png, {out}/free_energy.png", highlight=False)
    console.print(f"  checkpoints  {out}/checkpoints/", highlight=False)
    console.print("  validate it: hanami validate pfhub-bm1a --quick", highlight=False)


def main() -> None:
    if _STARTUP_ERROR is not None:
        err_console.print("[bold red]error:[/] " + escape(str(_STARTUP_ERROR)), highlight=False)
        sys.exit(_STARTUP_ERROR.exit_code)
    app()


if __name__ == "__main__":
    sys.exit(main())
