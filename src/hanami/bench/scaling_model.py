"""Predicted time per step and strong-scaling efficiency on many devices (docs/parallel.md), from the
scaling model each app declares (`ScalingProblem.projection`, see `hanami.apps.base.scaling`).

These are predictions from the model, not measurements; `python -m
hanami.bench.scaling_model` prints the table in docs/parallel.md.
"""

from __future__ import annotations

from hanami.apps.base.scaling import INFINIBAND, NVLINK, Link, Projection, all_to_all
from hanami.apps.registry import apps

Problem = Projection  # the name the scaling tests and docs use

__all__ = ["INFINIBAND", "NVLINK", "Link", "Problem", "Projection", "all_to_all", "projections", "table"]


def projections() -> list[Projection]:
    """The large problem of every registered app that declares one."""
    return [app.benchmarks.scaling.projection for app in apps().values()
            if app.benchmarks is not None and app.benchmarks.scaling is not None
            and app.benchmarks.scaling.projection is not None]


def table(devices: tuple[int, ...] = (1, 8, 64, 1024)) -> str:
    """The Markdown table of predicted time per step and efficiency."""
    lines = ["| problem | link | " + " | ".join(f"{p} GPUs" for p in devices) + " |",
             "|---|---|" + "---|" * len(devices)]
    for problem in projections():
        for link in (NVLINK, INFINIBAND):
            cells = [f"{1e3 * problem.time_per_step(p, link):.3g} ms ({problem.efficiency(p, link):.0%})"
                     for p in devices]
            lines.append(f"| {problem.name} | {link.name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(table())
