"""One measurement of a suite (`Task`) and what every measurement shares (`Context`)."""

from __future__ import annotations

import dataclasses
from typing import Any, Callable

from rich.console import Console

from hanami.bench.machine import HostLoad
from hanami.bench.records import add_roofline

BUSY_CORES = 0.25
Records = list[dict[str, Any]]


@dataclasses.dataclass
class Task:
    """One measurement of a suite: `keys` are the record keys it produces (see
    `record_key`); it is skipped when all of them are already recorded. `measure`
    gets the records made so far (peers compare with them)."""

    description: str
    keys: tuple[str, ...]
    measure: Callable[[Records], Records]


@dataclasses.dataclass(frozen=True)
class Context:
    """Where a measurement reports and what it stamps into its records.

    Attributes:
        console: tables, progress and warnings.
        machine: the fingerprint from `machine_info`.
        date: UTC timestamp of the suite.
    """

    console: Console
    machine: dict[str, Any]
    date: str

    def measured(self, measure: Callable[..., Any], *args: Any, **kwargs: Any) -> Records:
        """Call `measure(*args, machine=, date=, **kwargs)`, stamping its record(s) with `host_load`
        (see `HostLoad`) [cores] and the roofline fraction.

        Above `BUSY_CORES` of other processes or of hypervisor steal a warning is
        printed, so a reader can tell a busy machine from a slow code.
        """
        load = HostLoad()
        load.start()
        result = measure(*args, machine=self.machine, date=self.date, **kwargs)
        competing = load.stop()
        records = result if isinstance(result, list) else [result]
        for record in records:
            record["host_load"] = competing
            add_roofline(record)
        for name, cores in (competing or {}).items():
            if cores > BUSY_CORES:
                self.console.print(f"[yellow]warning:[/] {name.replace('_', ' ')} took {cores:.2f} cores during "
                                   "this measurement; its figures are slower than on a quiet machine",
                                   highlight=False)
        return records
