"""The machine fingerprint every benchmark record carries.

A figure means nothing without the machine that made it: CPU model and cores,
memory, operating system, Python, the JAX/XLA build, the device JAX ran on and
the `XLA_FLAGS` in force.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import importlib.metadata
import os
import platform
import socket
import time
from pathlib import Path
from typing import Any

import jax

import hanami
from hanami.core.output import command_line, git_revision


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


def host_label(site: str | None) -> dict[str, str]:
    """Who measured: the site name when given, else a hash of the host name.

    The hash tells records of one host from another's without publishing the name.
    """
    if site:
        return {"site": site, "host": site}
    digest = hashlib.sha256(socket.gethostname().encode()).hexdigest()[:12]
    return {"site": None, "host": f"host-{digest}"}


def machine_info(compile_cache: str = "unknown", site: str | None = None,
                 bandwidth: dict[str, float] | None = None) -> dict[str, Any]:
    """Describe the host and the JAX devices a benchmark runs on.

    Arguments:
        compile_cache: how JAX's persistent compile cache stood during the
            measurement (it changes compile times), e.g. "disabled".
        site: a name to publish (else the host name is hashed).
        bandwidth: measured memory bandwidth [GB/s], from `hanami.bench.stream`.

    Returns:
        A JSON-ready dict: site, host, cpu_model, cpu_cores (logical),
        cpu_cores_usable, memory_gib [GiB], os, python, jax, jaxlib, platform
        (JAX backend), device_kind, device_count, accelerator ("model x count",
        or None on a CPU-only run), process_count, xla_flags, hanami,
        git_revision (exact, see `git_revision`), command_line, compile_cache, bandwidth_gbs,
        bandwidth_numpy_gbs.
    """
    devices = jax.devices()
    platform_name = jax.default_backend()
    return {
        **host_label(site),
        "cpu_model": _cpuinfo_model() or platform.processor() or "unknown",
        "cpu_cores": os.cpu_count(),
        "cpu_cores_usable": _usable_cores(),
        "memory_gib": _memory_gib(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "jax": jax.__version__,
        "jaxlib": _version("jaxlib"),
        "platform": platform_name,
        "device_kind": devices[0].device_kind,
        "device_count": len(devices),
        "accelerator": None if platform_name == "cpu" else f"{devices[0].device_kind} x {len(devices)}",
        "process_count": jax.process_count(),
        "xla_flags": os.environ.get("XLA_FLAGS"),
        "hanami": hanami.__version__,
        "git_revision": git_revision(),
        "command_line": command_line(),
        "compile_cache": compile_cache,
        "bandwidth_gbs": (bandwidth or {}).get("jax"),
        "bandwidth_numpy_gbs": (bandwidth or {}).get("numpy"),
    }


def machine_label(machine: dict[str, Any]) -> str:
    """A short name for tables: site or hashed host, and the device."""
    device = machine.get("accelerator") or f"{machine.get('cpu_model', '?')} ({machine.get('cpu_cores', '?')} cores)"
    return f"{machine.get('host', '?')}: {device}"


def _cpu_seconds(path: Path = Path("/proc/stat")) -> tuple[float, float] | None:
    """(busy, steal) CPU seconds of the whole host since boot (Linux), or None.

    busy is user + nice + system + irq + softirq; steal is the time a virtual
    machine's CPUs were ready but the hypervisor ran something else.
    """
    try:
        fields = [int(v) for v in path.read_text().splitlines()[0].split()[1:9]]
        user, nice, system, _idle, _iowait, irq, softirq, steal = fields + [0] * (8 - len(fields))
    except (OSError, ValueError, IndexError):
        return None
    tick = os.sysconf("SC_CLK_TCK")
    return (user + nice + system + irq + softirq) / tick, steal / tick


def _own_cpu_seconds() -> float:
    """CPU seconds of this process and of its finished (waited-for) children."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


class HostLoad:
    """What competed for the CPU while a measurement ran [cores].

    `other_processes`: busy CPU time of the host (from /proc/stat) minus this
    process's CPU time and that of the child processes it waited for (a
    measurement that runs `hanami run` in a subprocess), over the wall time
    between `start` and `stop`.
    `steal`: CPU time the hypervisor gave to other guests while this one's
    CPUs wanted to run (virtual machines only). Both are near 0 on a quiet
    machine; a figure measured with either well above 0 is slower than the
    code is.
    """

    def start(self) -> None:
        self._wall = time.perf_counter()
        self._cpu = _cpu_seconds()
        self._own = _own_cpu_seconds()

    def stop(self) -> dict[str, float] | None:
        """{"other_processes": cores, "steal": cores} since `start`, or None where unknown."""
        cpu = _cpu_seconds()
        wall = time.perf_counter() - self._wall
        if cpu is None or self._cpu is None or wall <= 0:
            return None
        others = (cpu[0] - self._cpu[0]) - (_own_cpu_seconds() - self._own)
        return {"other_processes": round(max(0.0, others) / wall, 3),
                "steal": round((cpu[1] - self._cpu[1]) / wall, 3)}
