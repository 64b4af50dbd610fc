"""Progress reporting: a rich bar with ETA on a terminal, plain lines otherwise."""

from __future__ import annotations

import math
import sys
import time

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn


class RunProgress:
    """Shows simulated time against the stop time (or iterations against the stop iteration)."""

    def __init__(self, name: str, stop_time: float, stop_iteration: float, *, enabled: bool = True,
                 plain_every: float = 5.0, stream=None):
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.by_time = math.isfinite(stop_time)
        self.total = stop_time if self.by_time else (stop_iteration if math.isfinite(stop_iteration) else None)
        self.name = name
        self.tty = self.stream.isatty()
        self.plain_every = plain_every
        self._last_plain = -math.inf
        self._bar = None
        if enabled and self.tty:
            self._bar = Progress(TextColumn("[bold]{task.description}"), BarColumn(), TextColumn("{task.fields[info]}"),
                                 TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
                                 console=Console(file=self.stream), transient=False)
            self._task = self._bar.add_task(name, total=self.total, info="")
            self._bar.start()

    def update(self, t: float, iteration: int, dt: float, extra: str = "") -> None:
        if not self.enabled:
            return
        done = t if self.by_time else iteration
        info = f"t={t:.5g} it={iteration} dt={dt:.3g} {extra}".strip()
        if self._bar is not None:
            self._bar.update(self._task, completed=done, info=info)
            return
        now = time.monotonic()
        if now - self._last_plain >= self.plain_every:
            self._last_plain = now
            pct = f"{100 * done / self.total:5.1f}% " if self.total else ""
            print(f"[{self.name}] {pct}{info}", file=self.stream, flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
