"""Many processes: JAX's distributed runtime, started from the launch environment.

A run spans several processes when it is launched by Slurm (`srun`), by Open
MPI (`mpirun`), or by `hanami run --processes N`, which starts N local
processes itself and tells them where the coordinator is through
`HANAMI_COORDINATOR`, `HANAMI_NUM_PROCESSES` and `HANAMI_PROCESS_ID`. Each
process then calls `jax.distributed.initialize` once, before JAX makes any
array; XLA's collectives (gloo on CPU, NCCL on GPU) do all the communication.

Every process runs the same program on its share of a global device mesh.
Process 0 alone writes files; the others take part in the gathers that feed it.
"""

from __future__ import annotations

import dataclasses
import os
import socket
import subprocess
import sys
import time
from typing import Any, Sequence

import jax
import numpy as np

from hanami.errors import CaseError

COORDINATOR = "HANAMI_COORDINATOR"
NUM_PROCESSES = "HANAMI_NUM_PROCESSES"
PROCESS_ID = "HANAMI_PROCESS_ID"


@dataclasses.dataclass(frozen=True)
class Launch:
    """How this process was started: by whom, how many processes, which one this is."""

    launcher: str  # "hanami", "slurm" or "openmpi"
    num_processes: int
    process_id: int
    coordinator: str | None = None  # host:port, only when hanami started the processes

    @property
    def job_tag(self) -> str | None:
        """A name every process of the job agrees on (for a default run directory)."""
        if self.launcher == "slurm":
            return "job" + os.environ.get("SLURM_JOB_ID", "") + "." + os.environ.get("SLURM_STEP_ID", "0")
        if self.launcher == "openmpi":
            return "job" + os.environ.get("OMPI_MCA_ess_base_jobid", "")
        return None


def detect_launch(environ: dict[str, str] | None = None) -> Launch | None:
    """The multi-process launch this process belongs to, or None for a single process."""
    env = os.environ if environ is None else environ
    if env.get(NUM_PROCESSES):
        return Launch("hanami", int(env[NUM_PROCESSES]), int(env.get(PROCESS_ID, "0")), env.get(COORDINATOR))
    # A Slurm job step started by srun with several tasks (sbatch alone sets SLURM_NTASKS too,
    # but only srun sets SLURM_STEP_ID and SLURM_PROCID per task).
    if int(env.get("SLURM_NTASKS", env.get("SLURM_NPROCS", "1"))) > 1 and "SLURM_PROCID" in env \
            and "SLURM_STEP_ID" in env:
        return Launch("slurm", int(env.get("SLURM_NTASKS", env.get("SLURM_NPROCS", "1"))), int(env["SLURM_PROCID"]))
    if int(env.get("OMPI_COMM_WORLD_SIZE", "1")) > 1:
        return Launch("openmpi", int(env["OMPI_COMM_WORLD_SIZE"]), int(env.get("OMPI_COMM_WORLD_RANK", "0")))
    return None


_started: Launch | None = None


def initialise() -> Launch | None:
    """Start JAX's distributed runtime when this process is one of several (idempotent).

    Must run before JAX creates any array. Slurm and Open MPI launches are left
    to JAX's own cluster detection; hanami's local launches pass the coordinator.
    """
    global _started
    launch = detect_launch()
    if launch is None or _started is not None:
        return _started
    try:
        if launch.launcher == "hanami":
            jax.distributed.initialize(coordinator_address=launch.coordinator,
                                       num_processes=launch.num_processes, process_id=launch.process_id,
                                       initialization_timeout=120)
        else:
            jax.distributed.initialize()
    except Exception as err:  # the runtime reports many kinds of failure
        raise CaseError(f"could not start JAX's distributed runtime for {launch.num_processes} processes "
                        f"({launch.launcher} launch, process {launch.process_id}): {err}") from None
    _started = launch
    return launch


def is_main_process() -> bool:
    """True on the process that writes files (process 0, or the only one)."""
    return jax.process_index() == 0


def to_host(value: Any) -> np.ndarray:
    """A field as one host array on every process (a collective when it spans processes)."""
    if isinstance(value, jax.Array) and not value.is_fully_addressable:
        from jax.experimental import multihost_utils

        return np.asarray(multihost_utils.process_allgather(value, tiled=True))
    return np.asarray(value)


def barrier(name: str) -> None:
    """Wait until every process reaches this point (no-op for one process)."""
    if jax.process_count() > 1:
        from jax.experimental import multihost_utils

        multihost_utils.sync_global_devices(name)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def spawn_local(argv: Sequence[str], processes: int, *, poll_s: float = 0.2) -> int:
    """Run `hanami ARGV` as `processes` local processes of one distributed job.

    Process 0's output goes to this terminal; the others print only errors. When
    one process fails the others are stopped (they would wait forever in a
    collective). Returns the first non-zero exit status, or 0.
    """
    if processes < 1:
        raise CaseError(f"--processes {processes}: give 1 or more")
    coordinator = f"127.0.0.1:{free_port()}"
    children = []
    for rank in range(processes):
        env = dict(os.environ, **{COORDINATOR: coordinator, NUM_PROCESSES: str(processes), PROCESS_ID: str(rank)})
        quiet = subprocess.DEVNULL if rank else None
        children.append(subprocess.Popen([sys.executable, "-m", "hanami.cli", *argv], env=env, stdout=quiet))
    status = 0
    try:
        while any(child.poll() is None for child in children):
            failed = [child.returncode for child in children if child.returncode not in (None, 0)]
            if failed:
                status = failed[0]
                break
            time.sleep(poll_s)
    finally:
        for child in children:
            if child.poll() is None:
                child.terminate()
        for child in children:
            child.wait()
    return status or next((child.returncode for child in children if child.returncode), 0)
