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
