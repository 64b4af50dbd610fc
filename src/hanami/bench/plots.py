"""Plots for the report, as inline SVG text (the page needs no other file)."""

from __future__ import annotations

import io
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from hanami.bench.machine import machine_label  # noqa: E402

MARKERS = {"float64": "o", "float32": "s"}


def _svg(fig: plt.Figure) -> str:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight",
                metadata={"Creator": None, "Date": None, "Format": None, "Type": None})
    plt.close(fig)
    text = buffer.getvalue()
    return text[text.index("<svg"):]  # drop the XML prologue and DOCTYPE: the SVG sits inside HTML


def _loglog(lines: dict[tuple[str, str, Any], list[tuple[float, float]]], label: str, xlabel: str, title: str) -> str:
    """One log-log line per key (machine, precision, third): x against updates per second."""
    fig, ax = plt.subplots(figsize=(7, 4.2), dpi=100)
    for (machine, precision, third), points in sorted(lines.items()):
        points.sort()
        ax.loglog([p[0] for p in points], [p[1] for p in points], marker=MARKERS.get(precision, "^"),
                  label=f"{machine}, {precision}, {label.format(third)}")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("grid-point updates per second [1/s]")
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7)
    return _svg(fig)


def _throughput(records: list[dict[str, Any]], app: str) -> list[dict[str, Any]]:
    return [r for r in records if r["kind"] == "throughput" and r["app"] == app]


def throughput_plot(records: list[dict[str, Any]], app: str) -> str | None:
    """Grid-point updates per second against problem size, one line per machine,
    precision and device count (log-log: sizes span decades)."""
    chosen = _throughput(records, app)
    if not chosen:
        return None
    lines: dict[tuple[str, str, Any], list[tuple[float, float]]] = {}
    for r in chosen:
        key = (machine_label(r["machine"]), r["precision"], r.get("devices", 1))
        lines.setdefault(key, []).append((r["grid_points"], r["updates_per_s"]))
    return _loglog(lines, "{} device(s)", "grid points", f"{app}: throughput against problem size")


def devices_plot(records: list[dict[str, Any]], app: str) -> str | None:
    """Updates per second against device count where records span more than one count."""
    chosen = _throughput(records, app)
    if len({r.get("devices", 1) for r in chosen}) < 2:
        return None
    lines: dict[tuple[str, str, Any], list[tuple[float, float]]] = {}
    for r in chosen:
        key = (machine_label(r["machine"]), r["precision"], r["grid_points"])
        lines.setdefault(key, []).append((r.get("devices", 1), r["updates_per_s"]))
    return _loglog(lines, "{} points", "devices", f"{app}: throughput against device count")
