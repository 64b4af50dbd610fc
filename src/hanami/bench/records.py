"""Benchmark records: the JSON file and the tables printed for a person.

A record is a plain dict. Every record has the keys in `COMMON_KEYS`; its
`kind` says which measurement it is:

* `throughput`: fixed-step run, `repeats` timings of `steps` steps each after a
  warm-up; `time_per_step_s` is their median, `spread` their min and max.
* `adaptive`: the shipped case's adaptive run to `stop_time` (one timing).
* `peer`: another code on the same problem (`code`, `code_version`).
* `scaling`: a fixed-step `hanami run` on `devices` and `processes`; `mode` is
  `strong` (same problem) or `weak` (problem as many times larger as devices),
  `efficiency` is against the 1-device, 1-process record, `fake_devices` marks
  CPU devices made by XLA_FLAGS (they share cores).
* `gradient`: `forward_s` and `gradient_s` of a run of `steps` fixed steps and of
  its gradient by `parameter`, their ratio `gradient_over_forward`, and XLA's
  compiled temporary bytes of the gradient with rematerialisation in chunks of
  `chunk` steps (`temp_bytes_remat`) and keeping every state
  (`temp_bytes_all_states`).
* `surrogate`: a learned step of `dt` (float32 neural operator, `architecture`):
  `train_samples_per_s` of the compiled training step (batch `batch`),
  `loader_samples_per_s` streaming from Zarr, `surrogate_s_per_step` (one state)
  and `surrogate_s_per_state_batched`, the solver's `solver_s_per_learned_step`
  (`solver_s_per_step` x `solver_steps_per_learned_step`, in `solver_precision`)
  and the ratios `speedup` and `speedup_batched`.

Every record carries `case_toml`, the resolved case it ran (its TOML, with the
bench's overrides applied), and its `machine` block the exact git revision and
the command line.

`steps` counts steps per timed repeat (throughput) or accepted steps from
t = 0 (adaptive, peer). Times are wall-clock seconds [s]; `updates_per_s` is grid points x accepted
steps / run seconds [1/s]; `host_load` is what competed for the CPU during
the measurement: other processes and hypervisor steal [cores] (near 0 on a
quiet host).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

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


def print_tables(console: Console, records: list[dict[str, Any]]) -> None:
    """Print the machine line and the report's tables (without the provenance) on the terminal."""
    from hanami.bench.machine import machine_label
    from hanami.bench.summary import (Inputs, adaptive_tables, gradient_tables, peer_tables, scaling_tables,
                                      surrogate_tables,
                                      throughput_tables)

    if not records:
        return
    for label in dict.fromkeys(machine_label(r["machine"]) for r in records):
        machine = next(r["machine"] for r in records if machine_label(r["machine"]) == label)
        console.print(f"machine {label}: {machine['memory_gib']} GiB; JAX {machine['jax']} on "
                      f"{machine['platform']} ({machine['device_kind']}); triad "
                      f"{_number(machine.get('bandwidth_gbs'))} GB/s (NumPy {_number(machine.get('bandwidth_numpy_gbs'))}); "
                      f"XLA_FLAGS={machine['xla_flags'] or '(unset)'}", highlight=False, soft_wrap=True)
    numbered = [{**r, "id": f"#{i}"} for i, r in enumerate(records, start=1)]
    inputs = Inputs(numbered, [])
    # Piped output (a log file) gets the full table rather than 80 columns of ellipses.
    if not console.is_terminal and console.width < TABLE_WIDTH:
        console = Console(file=console.file, width=TABLE_WIDTH, color_system=None)
    for table in (throughput_tables(inputs.records) + adaptive_tables(inputs.records) + peer_tables(inputs.records)
                  + scaling_tables(inputs.records) + gradient_tables(inputs.records)
                  + surrogate_tables(inputs.records)):
        rich_table = Table(title=table.title, title_justify="left", caption=table.note or None,
                           caption_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
        for column in table.columns:
            rich_table.add_column(column, justify="right")
        for row in table.rows:
            rich_table.add_row(*row)
        console.print(rich_table)


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"
