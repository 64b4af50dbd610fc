"""Benchmark records: the JSON file and the tables printed for a person.

A record is a plain dict. Every record has the keys in `COMMON_KEYS`; its
`kind` says which measurement it is:

* `throughput`: fixed-step run, `repeats` timings of `steps` steps each after a
  warm-up; `time_per_step_s` is their median, `spread` their min and max.
* `adaptive`: the shipped case's adaptive run to `stop_time` (one timing).
* `peer`: another code on the same problem (`code`, `code_version`).

`steps` counts steps per timed repeat (throughput) or accepted steps from
t = 0 (adaptive, peer). Times are wall-clock seconds [s]; `updates_per_s` is grid points x accepted
steps / run seconds [1/s]; `host_load` is what competed for the CPU during
the measurement: other processes and hypervisor steal [cores] (near 0 on a
quiet host).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Iterable, Sequence

from rich import box
from rich.console import Console
from rich.table import Table

from hanami.core.files import write_text

SCHEMA_VERSION = 2

COMMON_KEYS = ("schema_version", "kind", "app", "case", "resolution", "precision", "devices", "processes",
               "compile_s", "time_per_step_s", "spread", "updates_per_s", "bytes_per_update", "roofline_fraction",
               "steps", "final", "machine", "date_utc", "host_load")


def record_key(record: dict[str, Any]) -> str:
    """What a record measured, without the figures: the suite skips keys it already has."""
    parts = [record["app"], record["kind"], record["case"], "x".join(map(str, record["resolution"])),
             record["precision"], f"d{record.get('devices', 1)}", f"p{record.get('processes', 1)}"]
    for extra in ("stop_time", "code"):
        if record.get(extra) is not None:
            parts.append(f"{extra}={record[extra]}")
    return "/".join(str(p) for p in parts)


def add_roofline(record: dict[str, Any]) -> dict[str, Any]:
    """Set `roofline_fraction`: the memory traffic the throughput implies over the
    measured bandwidth (`machine.bandwidth_gbs`), from the record's traffic model
    `bytes_per_update` [bytes per grid-point update]. Above 1 the working set
    lives in cache and memory bandwidth is not what limits the run."""
    bandwidth = (record.get("machine") or {}).get("bandwidth_gbs")
    traffic = record.get("bytes_per_update")
    rate = record.get("updates_per_s")
    record["roofline_fraction"] = (traffic * rate / (bandwidth * 1e9)
                                   if bandwidth and traffic and rate else None)
    return record

TABLE_WIDTH = 140


def write_json(path: Path, records: list[dict[str, Any]]) -> None:
    """Write `{"schema_version": 1, "records": [...]}` atomically to `path`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text(path, json.dumps({"schema_version": SCHEMA_VERSION, "records": records}, indent=2,
                                allow_nan=True) + "\n")


def read_json(path: Path) -> list[dict[str, Any]]:
    """Read the records of a file written by `write_json`.

    Raises:
        ValueError: the file has another schema version.
    """
    data = json.loads(Path(path).read_text())
    if data.get("schema_version") != SCHEMA_VERSION:
        raise ValueError(f"{path}: schema_version {data.get('schema_version')!r}, expected {SCHEMA_VERSION}")
    return data["records"]


def _fmt(value: float | None, spec: str) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    return format(value, spec)


def _grid(record: dict[str, Any]) -> str:
    return "x".join(str(n) for n in record["resolution"])


def _table(title: str, columns: Sequence[str], left: Sequence[str] = ()) -> Table:
    caption = ("others, steal: cores taken by other processes and by the hypervisor meanwhile"
               if "steal" in columns else None)
    table = Table(title=title, title_justify="left", caption=caption, caption_justify="left",
                  box=box.SIMPLE_HEAD, pad_edge=False)
    for name in columns:
        table.add_column(name, justify="left" if name in left else "right")
    return table


def _load(record: dict[str, Any]) -> tuple[str, str]:
    load = record.get("host_load") or {}
    return _fmt(load.get("other_processes"), ".2f"), _fmt(load.get("steal"), ".2f")


def _names(records: list[dict[str, Any]]) -> str:
    return ", ".join(dict.fromkeys(f"{r['app']} {r['case']}" for r in records))


def throughput_table(records: Iterable[dict[str, Any]]) -> Table:
    """Fixed-step throughput: one row per grid size and precision (times in ms per step)."""
    records = list(records)
    table = _table(f"{_names(records)}: fixed step, median of repeats",
                   ("grid", "precision", "compile s", "ms/step", "min", "max", "Mupd/s", "steps", "t end", "F end",
                    "std c", "mass drift", "others", "steal"), left=("precision",))
    for r in records:
        f = r["final"]
        table.add_row(_grid(r), r["precision"], _fmt(r["compile_s"], ".2f"), _fmt(1e3 * r["time_per_step_s"], ".3f"),
                      _fmt(1e3 * r["spread"]["min"], ".3f"), _fmt(1e3 * r["spread"]["max"], ".3f"),
                      _fmt(r["updates_per_s"] / 1e6, ".1f"), f"{r['repeats']}x{r['steps']}", _fmt(f["time"], ".4g"),
                      _fmt(f["free_energy"], ".3f"), _fmt(f["std_c"], ".5f"), _fmt(f["mass_drift"], ".0e"),
                      *_load(r))
    return table


def adaptive_table(records: Iterable[dict[str, Any]]) -> Table:
    """The shipped adaptive run: seconds after compile to each stop time."""
    records = list(records)
    table = _table(f"{_names(records)}: shipped adaptive run, seconds after compile",
                   ("grid", "precision", "to t", "steps", "rejected", "compile s", "wall s", "run s", "Mupd/s",
                    "F(t)", "mass drift", "others", "steal"), left=("precision",))
    for r in records:
        f = r["final"]
        table.add_row(_grid(r), r["precision"], _fmt(r["stop_time"], "g"), str(r["steps"]), str(r["rejected"]),
                      _fmt(r["compile_s"], ".2f"), _fmt(r["wall_s"], ".2f"), _fmt(r["run_s"], ".2f"),
                      _fmt(r["updates_per_s"] / 1e6, ".1f"), _fmt(f["free_energy"], ".3f"),
                      _fmt(f["mass_drift"], ".0e"), *_load(r))
    return table


def peer_table(records: Iterable[dict[str, Any]]) -> Table:
    """Peer codes beside hanami on the same problem (run s: after compile).

    F(t) is hanami's spectral estimator applied to the peer's field, F(t) fd the
    peer's own discrete energy where the record has one.
    """
    records = list(records)
    table = _table(f"{_names(records)}: peer codes, same problem",
                   ("code", "grid", "to t", "steps", "compile s", "run s", "F(t)", "F(t) fd", "hanami", "wall s",
                    "F(t)", "peer/hanami"), left=("code", "hanami"))
    for r in records:
        for precision, ratio in (r.get("ratio_to_hanami") or {"-": None}).items():
            ours = (r.get("hanami") or {}).get(precision, {})
            table.add_row(f"{r['code']} {r['code_version']}", _grid(r), _fmt(r["stop_time"], "g"), str(r["steps"]),
                          _fmt(r["compile_s"], ".1f"), _fmt(r["run_s"], ".1f"), _fmt(r["final"]["free_energy"], ".3f"),
                          _fmt(r["final"].get("free_energy_fd"), ".3f"), precision, _fmt(ours.get("wall_s"), ".2f"),
                          _fmt(ours.get("free_energy"), ".3f"),
                          _fmt(ratio, ".1f"))
    return table


def print_tables(console: Console, records: list[dict[str, Any]]) -> None:
    """Print one table per record kind present, and the machine line."""
    if not records:
        return
    machine = records[0]["machine"]
    console.print(f"machine: {machine['cpu_model']}, {machine['cpu_cores']} cores "
                  f"({machine['cpu_cores_usable']} usable), {machine['memory_gib']} GiB; "
                  f"JAX {machine['jax']} on {machine['platform']} ({machine['device_kind']}); "
                  f"XLA_FLAGS={machine['xla_flags'] or '(unset)'}; compile cache {machine['compile_cache']}",
                  highlight=False, soft_wrap=True)
    # Piped output (a log file) gets the full table rather than 80 columns of ellipses.
    if not console.is_terminal and console.width < TABLE_WIDTH:
        console = Console(file=console.file, width=TABLE_WIDTH, color_system=None)
    for kind, make in (("throughput", throughput_table), ("adaptive", adaptive_table), ("peer", peer_table)):
        chosen = [r for r in records if r["kind"] == kind]
        if chosen:
            console.print(make(chosen))
