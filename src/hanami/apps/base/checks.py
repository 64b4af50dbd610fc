"""The checks of a validation report, each labelled verification or validation.

Two words, used strictly:

* **verification**: the code solves its equations right (exact and manufactured
  solutions, invariants, self-convergence at the expected order);
* **validation**: the answer agrees with independent codes or published results.

Every `hanami validate` builds its list of `check(...)` dicts and ends with
`finish`, which prints them in one table (with each reference's source), names
the outcome and writes validation.json with the provenance (exact revision,
command line) and the resolved case of every run it made. The outcome is
VALIDATED when every check passed and at least one of them is a validation,
VERIFIED when every check passed and all are verifications, FAILED otherwise; a
check without a band (`passed` None) is reported and does not count.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Iterable, Literal

from rich.console import Console
from rich.table import Table

from hanami.core.files import write_text
from hanami.core.output import command_line, git_revision

Kind = Literal["verification", "validation"]
KINDS: tuple[str, ...] = ("verification", "validation")


def check(what: str, kind: Kind, value: float | None, passed: bool | None, *, limit: str, source: str,
          reference: str = "-", **details: Any) -> dict[str, Any]:
    """One labelled check.

    Arguments:
        what: what is checked, in a few words (with its unit).
        kind: "verification" or "validation".
        value: hanami's figure (None where the check is not a number, e.g. a count of failures).
        passed: the verdict; None for a figure reported beside the others without a band.
        limit: the band or limit in words ("[286.8, 310.0]", "<= 1e-11", "order 2 +- 0.1").
        source: where the reference figure and the band's edges come from (paper and table, or the
            peer code, its version and command; "exact solution", "self-convergence", ...).
        reference: the reference figure(s) in words, "-" where there is none.
        details: more figures kept in validation.json (e.g. `name`, a short key for scripts).
    """
    if kind not in KINDS:
        raise ValueError(f"check {what!r}: kind {kind!r} is not one of {KINDS}")
    if not source:
        raise ValueError(f"check {what!r}: every check names the source of its reference and band")
    number = None if value is None else float(value)
    return {"check": what, "kind": kind, "value": number, "reference": reference, "limit": limit,
            "passed": None if passed is None else bool(passed), "source": source, **details}


def outcome(checks: Iterable[dict[str, Any]]) -> str:
    """VALIDATED, VERIFIED or FAILED (see the module docstring)."""
    judged = [c for c in checks if c["passed"] is not None]
    if not judged or not all(c["passed"] for c in judged):
        return "FAILED"
    return "VALIDATED" if any(c["kind"] == "validation" for c in judged) else "VERIFIED"


def resolved_cases(*directories: Path) -> dict[str, str]:
    """The resolved case (case.toml) of every run under `directories`, by run directory."""
    found = {}
    for directory in map(Path, directories):
        for path in sorted(directory.rglob("case.toml")):
            found[str(path.parent)] = path.read_text()
    return found


def _figure(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.6g}" if math.isfinite(value) else str(value)


def print_checks(title: str, checks: list[dict[str, Any]], console: Console) -> None:
    """The labelled checks as one table, validations first, each source once as a numbered note."""
    ordered = sorted(checks, key=lambda c: c["kind"] != "validation")
    notes = list(dict.fromkeys(c["source"] for c in ordered))
    table = Table(title=title)
    for column in ("check", "kind", "hanami", "reference", "band / limit", "", "source"):
        table.add_column(column, justify="right" if column in ("hanami", "reference", "band / limit") else "left",
                         overflow="fold")
    verdicts = {True: "[green]pass[/]", False: "[red]FAIL[/]", None: "report"}
    for c in ordered:
        table.add_row(c["check"], c["kind"], _figure(c["value"]), c["reference"], c["limit"],
                      verdicts[c["passed"]], f"\\[{notes.index(c['source']) + 1}]")
    console.print(table)
    for number, note in enumerate(notes, start=1):
        console.print(f"\\[{number}] {note}", highlight=False)


def finish(report: dict[str, Any], run_dir: Path, console: Console, *, extra_runs: Iterable[Path] = ()) -> int:
    """Judge `report["checks"]`, stamp provenance and resolved cases, print, write validation.json.

    `report` holds at least `benchmark` and `checks`; this adds `outcome`, `passed`
    (True only for VALIDATED or VERIFIED), the count of each kind, `provenance`
    (the report's, else the first run's under `run_dir`, with the exact revision and this command
    line) and `cases`
    (every case.toml under `run_dir` and `extra_runs`, e.g. cached reference runs).
    Returns the exit status: 0 when passed, 1 otherwise.
    """
    checks = report["checks"]
    report["outcome"] = outcome(checks)
    report["passed"] = report["outcome"] != "FAILED"
    report["counts"] = {kind: sum(c["kind"] == kind for c in checks) for kind in KINDS}
    provenance = dict(report.get("provenance") or {})
    if "device" not in provenance:  # the versions, device and precision of the first run made
        first = next(iter(sorted(Path(run_dir).rglob("summary.json"))), None)
        provenance.update(json.loads(first.read_text()).get("provenance", {}) if first else {})
    provenance.update({"git_revision": git_revision(), "command_line": command_line()})
    report["provenance"] = provenance
    report["cases"] = resolved_cases(run_dir, *extra_runs)
    write_text(Path(run_dir) / "validation.json", json.dumps(report, indent=2, default=float))
    print_checks(f"{report['benchmark']}: checks", checks, console)
    colour = "green" if report["passed"] else "red"
    counts = report["counts"]
    console.print(f"[bold {colour}]{report['outcome']}[/] ({counts['validation']} validation, "
                  f"{counts['verification']} verification checks)")
    console.print(f"written: {Path(run_dir) / 'validation.json'}")
    return 0 if report["passed"] else 1
