"""The machine fingerprint every benchmark record carries.

A figure means nothing without the machine that made it: CPU model and cores,
memory, operating system, Python, the JAX/XLA build, the device JAX ran on and
the `XLA_FLAGS` in force.
"""

from __future__ import annotations

import datetime as _dt
import importlib.metadata
import os
import platform
import time
from pathlib import Path
from typing import Any

import jax

import hanami
from hanami.core.output import git_revision


def _cpuinfo_model(path: Path = Path("/proc/cpuinfo")) -> str | None:
    """The first `model name` line of /proc/cpuinfo (Linux), or None."""
    try:
        for line in path.read_text().splitlines():
            if line.lower().startswith("model name") and ":" in line:
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


def _memory_gib(path: Path = Path("/proc/meminfo")) -> float | None:
    """Total memory from /proc/meminfo [GiB], or None where it cannot be read."""
    try:
        for line in path.read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 2**20, 2)  # the file gives kB
    except (OSError, ValueError, IndexError):
        pass
    return None


def _usable_cores() -> int | None:
    """Cores this process may run on (affinity), or None where unsupported."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return None


def _version(package: str) -> str | None:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def utc_now() -> str:
    """The current UTC time, ISO 8601 to the second."""
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()


def machine_info(compile_cache: str = "unknown") -> dict[str, Any]:
    """Describe the host and the JAX device a benchmark runs on.

    Arguments:
        compile_cache: how JAX's persistent compile cache stood during the
            measurement (it changes compile times), e.g. "disabled".

    Returns:
        A JSON-ready dict: cpu_model, cpu_cores (logical), cpu_cores_usable,
        memory_gib [GiB], os, python, jax, jaxlib, platform (JAX backend),
        device_kind, device_count, xla_flags, hanami, git_revision, compile_cache.
    """
    devices = jax.devices()
    return {
        "cpu_model": _cpuinfo_model() or platform.processor() or "unknown",
        "cpu_cores": os.cpu_count(),
        "cpu_cores_usable": _usable_cores(),
        "memory_gib": _memory_gib(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "jax": jax.__version__,
        "jaxlib": _version("jaxlib"),
        "platform": jax.default_backend(),
        "device_kind": devices[0].device_kind,
        "device_count": len(devices),
        "xla_flags": os.environ.get("XLA_FLAGS"),
        "hanami": hanami.__version__,
        "git_revision": git_revision(),
        "compile_cache": compile_cache,
    }


def _busy_seconds(path: Path = Path("/proc/stat")) -> float | None:
    """CPU seconds all processes on the host have used since boot (Linux), or None."""
    try:
        fields = [int(v) for v in path.read_text().splitlines()[0].split()[1:]]
    except (OSError, ValueError, IndexError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


class OtherLoad:
    """How many cores other processes kept busy while a measurement ran.

    Host busy CPU time (from /proc/stat) minus this process's CPU time, over
    the wall time between `start` and `stop` [cores]. Near 0 on a quiet
    machine; a figure measured beside a competing process is slower than the
    code is.
    """

    def start(self) -> None:
        self._wall = time.perf_counter()
        self._busy = _busy_seconds()
        self._own = time.process_time()

    def stop(self) -> float | None:
        """Cores used by other processes since `start`, or None where unknown."""
        busy = _busy_seconds()
        wall = time.perf_counter() - self._wall
        if busy is None or self._busy is None or wall <= 0:
            return None
        others = (busy - self._busy) - (time.process_time() - self._own)
        return round(max(0.0, others) / wall, 3)
