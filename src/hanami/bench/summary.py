"""From benchmark records (and validation reports) to the tables of a report.

One set of tables feeds both the HTML page and the Markdown: a table is a
title, column names and rows of already formatted cells, so the two renderings
show the same figures. Every row carries the id of the record it comes from
(`#n`), which the provenance table resolves to machine, date and versions.
"""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path
from typing import Any, Iterable

from hanami.bench.machine import machine_label
from hanami.bench.records import SCHEMA_VERSION
from hanami.errors import CaseError


@dataclasses.dataclass
class Table:
    title: str
    columns: list[str]
    rows: list[list[str]]
    note: str = ""


@dataclasses.dataclass
class Inputs:
    """Records (each with an `id`) and validation reports read from files."""

    records: list[dict[str, Any]]
    validations: list[dict[str, Any]]


def fmt(value: Any, spec: str) -> str:
    """A number for a table; '-' where there is none."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    return format(value, spec)


def load_inputs(paths: Iterable[Path]) -> Inputs:
    """Read bench record files and `validation.json` files, in any mix.

    Raises:
        CaseError: a file is missing, not JSON, or of another kind or schema.
    """
    records, validations = [], []
    for path in map(Path, paths):
        if not path.is_file():
            raise CaseError(f"{path}: no such file (give bench JSON files or validation.json files)")
        try:
            data = json.loads(path.read_text())
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            raise CaseError(f"{path}: not a JSON file ({err})") from None
        if isinstance(data, dict) and "records" in data:
            if data.get("schema_version") != SCHEMA_VERSION:
                raise CaseError(f"{path}: record schema_version {data.get('schema_version')!r}; this hanami "
                                f"reads version {SCHEMA_VERSION} (re-run `hanami bench` to remake it)")
            for record in data["records"]:
                records.append({**record, "source": path.name})
        elif isinstance(data, dict) and "benchmark" in data and "passed" in data:
            validations.append({**data, "source": path.name})
        else:
            raise CaseError(f"{path}: neither a `hanami bench --json` file nor a validation.json")
    for number, record in enumerate(records, start=1):
        record["id"] = f"#{number}"
    if not records and not validations:
        raise CaseError("hanami report: no records given")
    return Inputs(records, validations)


FINAL_NORMS = (("free_energy", "F"), ("rms_V", "rms V"), ("rms_h", "rms h"), ("activated_fraction", "activated"),
               ("energy", "energy"))


def final_norm(record: dict[str, Any]) -> str:
    """The app's norm of the final state, labelled (a fast wrong answer shows here)."""
    final = record.get("final") or {}
    for key, label in FINAL_NORMS:
        if final.get(key) is not None:
            return f"{label} = {fmt(final[key], '.6g')}"
    return "-"


def _grid(record: dict[str, Any]) -> str:
    return "x".join(str(n) for n in record["resolution"])


def _by_app_and_machine(records: list[dict[str, Any]]) -> dict[tuple[str, str], list[dict[str, Any]]]:
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in records:
        groups.setdefault((r["app"], machine_label(r["machine"])), []).append(r)
    return groups


def throughput_tables(records: list[dict[str, Any]]) -> list[Table]:
    """Fixed-step throughput per app and machine."""
    tables = []
    for (app, machine), group in _by_app_and_machine([r for r in records if r["kind"] == "throughput"]).items():
        rows = [[r["id"], _grid(r), r["precision"], str(r.get("devices", 1)), str(r.get("processes", 1)),
                 fmt(r["compile_s"], ".2f"), fmt(1e3 * r["time_per_step_s"], ".3f"),
                 fmt(r["updates_per_s"] / 1e6, ".1f"), fmt(r.get("roofline_fraction"), ".2f"),
                 fmt(r.get("sypd"), ".0f"), final_norm(r)]
                for r in sorted(group, key=lambda r: (r["precision"], r.get("grid_points", 0)))]
        tables.append(Table(f"{app} on {machine}: fixed-step throughput",
                            ["id", "grid", "precision", "devices", "processes", "compile s", "ms/step",
                             "M updates/s", "roofline", "SYPD", "final state"], rows,
                            "roofline: modelled memory traffic over the measured triad bandwidth. "
                            "SYPD (climate): simulated years per wall-clock day."))
    return tables


def adaptive_tables(records: list[dict[str, Any]]) -> list[Table]:
    """Time to solution of the shipped adaptive runs per app and machine."""
    tables = []
    for (app, machine), group in _by_app_and_machine([r for r in records if r["kind"] == "adaptive"]).items():
        rows = [[r["id"], r["case"], _grid(r), r["precision"], fmt(r["stop_time"], "g"), str(r["steps"]),
                 fmt(r["compile_s"], ".2f"), fmt(r["wall_s"], ".2f"), final_norm(r)]
                for r in group]
        tables.append(Table(f"{app} on {machine}: time to solution (shipped adaptive case)",
                            ["id", "case", "grid", "precision", "to t", "steps", "compile s", "wall s after compile",
                             "final state"], rows))
    return tables


def _threads(record: dict[str, Any]) -> str:
    """The threads a numba peer ran on: py-pde runs serially below its multithreading threshold."""
    method = record.get("method") or {}
    threads = method.get("numba_threads")
    if not threads:
        return ""
    serial = method.get("multithreading") in ("never", False) or (
        (record.get("grid_points") or 0) < (method.get("multithreading_threshold") or 0))
    return " (1 thread)" if serial else f" ({threads} threads)"


def peer_tables(records: list[dict[str, Any]]) -> list[Table]:
    """Peer codes on the same problem and their speed ratio to hanami (above 1: hanami is faster).

    Time-to-solution peers (phase field) show run seconds; throughput peers
    (climate: records with `sypd`) show simulated years per day.
    """
    tables = []
    for (app, machine), group in _by_app_and_machine([r for r in records if r["kind"] == "peer"]).items():
        throughput = any(r.get("sypd") is not None for r in group)
        rows = []
        for r in group:
            ratios = r.get("ratio_to_hanami") or {"-": None}
            if r.get("precision") in ratios:  # one precision per row: the peer's own
                ratios = {r["precision"]: ratios[r["precision"]]}
            for precision, ratio in ratios.items():
                ours = (r.get("hanami") or {}).get(precision, {})
                peer = [r["id"], f"{r['code']} {r['code_version']}{_threads(r)}", r["case"]]
                if throughput:  # one precision per record: the peer's is hanami's
                    rows.append(peer + [_grid(r), r["precision"], fmt(r.get("sypd"), ".0f"), fmt(ours.get("sypd"), ".0f"),
                                        fmt(ratio, ".2f"), final_norm(r), final_norm({"final": ours})])
                else:
                    rows.append(peer + [fmt(r.get("stop_time"), "g"), fmt(r.get("run_s"), ".1f"), final_norm(r),
                                        precision, fmt(ours.get("wall_s"), ".2f"), final_norm({"final": ours}),
                                        fmt(ratio, ".1f")])
        if throughput:
            columns = ["id", "peer", "case", "grid", "precision", "peer SYPD", "hanami SYPD", "hanami / peer",
                       "peer final state", "hanami final state"]
            note = ("SYPD: simulated years per wall-clock day on the same grid, step, precision and time scheme; "
                    "hanami / peer above 1: hanami is faster.")
        else:
            columns = ["id", "peer", "case", "to t", "peer s", "peer final state", "hanami precision", "hanami s",
                       "hanami final state", "peer s / hanami s"]
            note = ""
        tables.append(Table(f"{app} on {machine}: peer codes on the same problem", columns, rows, note))
    return tables


def scaling_tables(records: list[dict[str, Any]]) -> list[Table]:
    """Strong and weak scaling per app and machine, with the parallel efficiency."""
    tables = []
    for (app, machine), group in _by_app_and_machine([r for r in records if r["kind"] == "scaling"]).items():
        rows = [[r["id"], r["mode"], r["case"], _grid(r), r["precision"], str(r["devices"]), str(r["processes"]),
                 "yes" if r.get("fake_devices") else "no", fmt(r["compile_s"], ".2f"),
                 fmt(1e3 * r["time_per_step_s"], ".3f"), fmt(r["updates_per_s"] / 1e6, ".1f"),
                 fmt(r.get("efficiency"), ".2f"), final_norm(r)]
                for r in sorted(group, key=lambda r: (r["mode"], r["precision"], r["processes"], r["devices"]))]
        tables.append(Table(f"{app} on {machine}: scaling over devices and processes",
                            ["id", "mode", "case", "grid", "precision", "devices", "processes", "fake devices",
                             "compile s", "ms/step", "M updates/s", "efficiency", "final state"], rows,
                            "efficiency: strong = t(1) / (N t(N)), weak (problem N times larger) = t(1) / t(N), "
                            "against the 1-device, 1-process run. Fake devices (CPU) share the same cores: "
                            "they measure the decomposition's overhead, not a speed-up."))
    return tables


def gradient_tables(records: list[dict[str, Any]]) -> list[Table]:
    """Cost of a gradient through a whole run, and its memory with and without rematerialisation."""
    group = [r for r in records if r["kind"] == "gradient"]
    if not group:
        return []
    tables = []
    for machine in dict.fromkeys(machine_label(r["machine"]) for r in group):
        rows = [[r["id"], r["app"], r["case"], _grid(r), r["precision"], r["parameter"], str(r["steps"]),
                 fmt(1e3 * r["forward_s"], ".1f"), fmt(1e3 * r["gradient_s"], ".1f"),
                 fmt(r["gradient_over_forward"], ".2f"), str(r["chunk"]),
                 fmt(r["temp_bytes_remat"] / 1e6, ".1f"), fmt(r["temp_bytes_all_states"] / 1e6, ".1f")]
                for r in group if machine_label(r["machine"]) == machine]
        tables.append(Table(f"gradients on {machine}: cost and memory of d(loss)/d(parameter) through a whole run",
                            ["id", "app", "case", "grid", "precision", "parameter", "steps", "forward ms",
                             "gradient ms", "gradient / forward", "remat chunk", "MB with remat",
                             "MB all states"], rows,
                            "gradient: jax.value_and_grad of a scalar loss of the final state, after compile; "
                            "MB: XLA's compiled temporary memory of the gradient, rematerialised in chunks of "
                            "about sqrt(steps) or keeping every step's state."))
    return tables


def surrogate_tables(records: list[dict[str, Any]]) -> list[Table]:
    """Surrogate training throughput and inference speed against the solver."""
    group = [r for r in records if r["kind"] == "surrogate"]
    if not group:
        return []
    tables = []
    for machine in dict.fromkeys(machine_label(r["machine"]) for r in group):
        rows = [[r["id"], r["app"], r["case"], _grid(r), f"{r['dt']:g}",
                 f"{r['architecture']['domain']} w{r['architecture']['width']} l{r['architecture']['layers']} "
                 f"m{r['architecture']['modes']}", fmt(r["train_samples_per_s"], ".1f"),
                 fmt(r["loader_samples_per_s"], ".0f"), fmt(1e3 * r["surrogate_s_per_step"], ".2f"),
                 fmt(1e3 * r["surrogate_s_per_state_batched"], ".3f"),
                 f"{fmt(1e3 * r['solver_s_per_learned_step'], '.2f')} ({r['solver_steps_per_learned_step']:.1f} "
                 f"{r['solver_precision']} steps)", fmt(r["speedup"], ".2f"), fmt(r["speedup_batched"], ".2f")]
                for r in group if machine_label(r["machine"]) == machine]
        tables.append(Table(f"surrogates on {machine}: training throughput and a learned step against the solver",
                            ["id", "app", "case", "grid", "learned dt", "operator", "train samples/s",
                             "loader samples/s", "surrogate ms/step", "ms/state (batch 16)",
                             "solver ms per learned dt", "speed-up", "speed-up batched"], rows,
                            "float32 neural operator (FNO on the box, spherical FNO on the sphere; w width, "
                            "l layers, m modes), untrained weights (speed does not depend on them); training: "
                            "compiled AdamW step on a batch of 16 in memory; loader: reading the batch from the "
                            "ensemble's Zarr store; solver: measured time per step x steps per learned dt in the "
                            "ensemble; speed-up = solver / surrogate per learned step."))
    return tables


def _validation_figures(v: dict[str, Any]) -> str:
    """The headline figures of a validation report: its labelled checks, validations first."""
    checks = v.get("checks")
    if isinstance(checks, list) and checks and all("kind" in c and "value" in c for c in checks):
        ordered = sorted(checks, key=lambda c: c["kind"] != "validation")
        return ", ".join(f"{c.get('name') or c['check']} = {fmt(c['value'], '.4g')}" for c in ordered[:4])
    return "-"


def _validation_kinds(v: dict[str, Any]) -> str:
    counts = v.get("counts") or {}
    return f"{counts.get('validation', 0)} / {counts.get('verification', 0)}" if counts else "-"


def revision_label(revision: str | None) -> str:
    """The revision as recorded, marked where it does not name the code exactly: "unknown" (a copy
    without history, before copies carried their source hash) or "-dirty" without the diff's hash."""
    if not revision:
        return "-"
    inexact = revision == "unknown" or revision.endswith("-dirty")
    return f"{revision} (inexact)" if inexact else revision


def _validation_provenance(v: dict[str, Any]) -> dict[str, Any]:
    if v.get("provenance"):
        return v["provenance"]
    runs = v.get("runs")
    first = next(iter(runs.values()), {}) if isinstance(runs, dict) else (runs[0] if runs else {})
    return first.get("provenance", {}) if isinstance(first, dict) else {}


def validation_table(validations: list[dict[str, Any]]) -> Table:
    """Pass or fail of each validation report given."""
    rows = []
    for v in validations:
        prov = _validation_provenance(v)
        # files written before the labelled checks have no outcome: their verdict is marked as such
        status = v.get("outcome") or ("pass" if v["passed"] else "FAIL") + " (unlabelled)"
        rows.append([v["benchmark"], status, _validation_kinds(v), _validation_figures(v),
                     prov.get("device", "-"), prov.get("precision", "-"), revision_label(prov.get("git_revision")),
                     prov.get("command_line", "-"), v["source"]])
    return Table("Validation status", ["benchmark", "outcome", "checks (validation / verification)", "figures",
                                       "device", "precision", "revision", "command", "file"], rows,
                 "VALIDATED: every check passed and at least one compares with independent codes or published "
                 "results; VERIFIED: every check passed, all of them verification (exact or manufactured "
                 "solutions, invariants, self-convergence); FAILED: a check left its band.")


def provenance_table(records: list[dict[str, Any]]) -> Table:
    """Where every figure comes from."""
    rows = []
    for r in records:
        m = r["machine"]
        rows.append([r["id"], r["app"], r["kind"], machine_label(m), m.get("platform", "-"),
                     fmt(m.get("bandwidth_gbs"), ".1f"), r.get("date_utc", "-"), f"{m.get('hanami')} "
                     f"({revision_label(m.get('git_revision'))})", f"jax {m.get('jax')}", m.get("xla_flags") or "-",
                     m.get("command_line", "-"), r["source"]])
    return Table("Provenance of every figure",
                 ["id", "app", "kind", "machine", "platform", "triad GB/s", "date (UTC)", "hanami", "JAX",
                  "XLA_FLAGS", "command", "file"], rows)


def all_tables(inputs: Inputs) -> list[Table]:
    tables = (throughput_tables(inputs.records) + adaptive_tables(inputs.records) + peer_tables(inputs.records)
              + scaling_tables(inputs.records) + gradient_tables(inputs.records) + surrogate_tables(inputs.records))
    if inputs.validations:
        tables.append(validation_table(inputs.validations))
    if inputs.records:
        tables.append(provenance_table(inputs.records))
    return tables
