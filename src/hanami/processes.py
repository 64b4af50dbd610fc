"""`hanami run --processes N`: one distributed run as N local processes (jax.distributed)."""

from __future__ import annotations

from pathlib import Path


def spawn_run(case: str | None, out: Path | None, overrides: list[str], stop_time: str | None, precision: str | None,
              checkpoint_every: float | None, restart: Path | None, devices: int | None, processes: int, quiet: bool,
              members: int | None, vary: list[str]) -> int:
    """`hanami run --processes N`: the same run as N local processes of one distributed job; their exit status."""
    from hanami.core.distributed import detect_launch, spawn_local
    from hanami.errors import CaseError
    from hanami.runner import default_run_dir, load_case

    if detect_launch() is not None:
        raise CaseError("--processes starts local processes itself; drop it when launching with srun or mpirun")
    argv = ["run", "--quiet"] if quiet else ["run"]
    if restart is not None:
        argv += ["--restart", str(restart)]
    else:
        # Every process must write to the same run directory: name it here.
        out = out if out is not None else default_run_dir(load_case(case, overrides).case.name)
        argv += [case, "--out", str(out)]
    for key in overrides:
        argv += ["--set", key]
    for key in vary:
        argv += ["--vary", key]
    for flag, value in (("--stop-time", stop_time), ("--precision", precision),
                        ("--checkpoint-every", checkpoint_every), ("--devices", devices), ("--members", members)):
        if value is not None:
            argv += [flag, str(value)]
    return spawn_local(argv, processes)
