"""Layers point one way (core <- apps <- runner <- validate, bench, ai <- cli) and no two
packages import each other, lazy imports inside functions included (read with ast)."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "hanami"
FRONT = {"hanami.runner", "hanami.run_files", "hanami.ensembles", "hanami.processes", "hanami.validate",
         "hanami.cli", "hanami.bench", "hanami.ai"}
OPEN_APP_MODULES = ("hanami.apps.base", "hanami.apps.registry")


def _module(path: Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports() -> dict[str, set[str]]:
    found = {}
    for path in sorted(SRC.rglob("*.py")):
        me = _module(path)
        package = me if path.name == "__init__.py" else me.rsplit(".", 1)[0]
        names = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(up + ([base] if base else []))
                names |= {base} | {f"{base}.{a.name}" for a in node.names}
        found[me] = {n for n in names if n.startswith("hanami.") and n.split(".")[1]}
    return found


def _unit(name: str) -> str:
    """The component a module belongs to: hanami.apps.<app>, hanami.apps.base, a top-level package or module."""
    parts = name.split(".")
    if len(parts) == 1:
        return name
    if parts[1] == "apps" and len(parts) > 2:
        return ".".join(parts[:3])
    return ".".join(parts[:2])


def _component_of(target: str, units: set[str]) -> str | None:
    for size in (3, 2):
        candidate = ".".join(target.split(".")[:size])
        if candidate in units:
            return candidate
    return None


def test_layer_rules():
    broken = []
    for module, targets in _imports().items():
        for target in targets:
            if module.startswith("hanami.core") and (_unit(target) in FRONT or target.startswith("hanami.apps")):
                broken.append(f"{module} -> {target}")
            if module.startswith("hanami.apps.") and _unit(target) in FRONT:
                broken.append(f"{module} -> {target}")
            if _unit(module) in FRONT and target.startswith("hanami.apps.") and not target.startswith(OPEN_APP_MODULES):
                broken.append(f"{module} -> {target}")
            if module in ("hanami.runner", "hanami.run_files", "hanami.ensembles") and \
                    _unit(target) in {"hanami.ai", "hanami.bench", "hanami.cli", "hanami.validate"}:
                broken.append(f"{module} -> {target}")
            if module.startswith("hanami.ai") and _unit(target) == "hanami.bench":
                broken.append(f"{module} -> {target}")
            own = _unit(module)
            if own.startswith("hanami.apps.") and own not in OPEN_APP_MODULES and _unit(target).startswith(
                    "hanami.apps.") and _unit(target) not in (own, *OPEN_APP_MODULES):
                broken.append(f"{module} -> {target} (another app)")
    assert not broken, "\n".join(sorted(set(broken)))


def test_no_cycles_between_components():
    graph: dict[str, set[str]] = {}
    imports = _imports()
    units = {_unit(m) for m in imports}
    for module, targets in imports.items():
        for target in targets:
            other = _component_of(target, units)
            if other and other != _unit(module):
                graph.setdefault(_unit(module), set()).add(other)

    def reaches(start: str, goal: str) -> bool:
        seen, todo = set(), [start]
        while todo:
            node = todo.pop()
            if node == goal:
                return True
            if node not in seen:
                seen.add(node)
                todo.extend(graph.get(node, ()))
        return False

    cycles = sorted({tuple(sorted((a, b))) for a, targets in graph.items() for b in targets
                     if a != "hanami" and b != "hanami" and reaches(b, a)})
    assert not cycles, cycles


def test_no_source_file_over_400_lines():
    long = [f"{p.relative_to(SRC)}: {n}" for p in SRC.rglob("*.py") if (n := len(p.read_text().splitlines())) > 400]
    assert not long, long
