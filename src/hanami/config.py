"""Case files: TOML on disk, `--set key=value` overrides, pydantic validation.

Every failure becomes one `CaseError` naming the file, the key and what is
allowed; the command line turns it into exit status 2 without a traceback.
"""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from typing import Any

import pydantic
import tomli_w

from hanami.errors import CaseError


class Section(pydantic.BaseModel):
    """Base of every case-file table: unknown keys are errors, values are checked."""

    model_config = pydantic.ConfigDict(extra="forbid", frozen=True, validate_default=True)


def read_toml(path: Path) -> dict[str, Any]:
    """Read a TOML file into a dict, turning I/O and syntax errors into `CaseError`."""
    if not path.exists():
        raise CaseError(f"{path}: no such case file (run `hanami list` for the shipped cases)")
    if path.is_dir():
        raise CaseError(f"{path}: is a directory, expected a TOML case file")
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise CaseError(f"{path}: not a text file (expected TOML)") from None
    except tomllib.TOMLDecodeError as err:
        raise CaseError(f"{path}: not valid TOML: {err}") from None


def override_key(text: str) -> str:
    """The dotted key of a `KEY=VALUE` override (`a.b.c`)."""
    return text.partition("=")[0].strip()


def parse_override(text: str) -> tuple[list[str], Any]:
    """Split `a.b.c=value` into (['a','b','c'], value); the value is read as TOML.

    A value that is not valid TOML (``--set initial.kind=random``) is taken as a string.
    """
    key, (_, sep, raw) = override_key(text), text.partition("=")
    if not sep or not key or any(not part for part in key.split(".")):
        raise CaseError(f"--set {text!r}: expected KEY=VALUE with a dotted key, e.g. --set model.kappa=2.5")
    raw = raw.strip()
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw
    return key.split("."), value


def apply_overrides(data: dict[str, Any], overrides: list[str]) -> dict[str, Any]:
    """Return a copy of `data` with each `key=value` override applied."""
    data = copy.deepcopy(data)
    for text in overrides:
        path, value = parse_override(text)
        node: Any = data
        for depth, part in enumerate(path):
            last = depth == len(path) - 1
            if isinstance(node, list):  # an array of tables: `stimulus.0.start=5`
                if not part.isdigit() or int(part) >= len(node):
                    raise CaseError(f"--set {text!r}: '{part}' is not an index of the {len(node)} entries there")
                if last:
                    node[int(part)] = value
                else:
                    node = node[int(part)]
            elif isinstance(node, dict):
                if last:
                    node[part] = value
                else:
                    node = node.setdefault(part, {})
            else:
                raise CaseError(f"--set {text!r}: '{path[depth - 1]}' is a value, not a table")
    return data


def _key(loc: tuple[Any, ...], data: Any) -> str:
    """The dotted case key of an error location, without the member tags pydantic puts in the
    location of a tagged union (a table chosen by its `kind`): parts the case data does not have."""
    parts, node = [], data
    for i, part in enumerate(loc):
        if isinstance(node, dict) and part not in node and i < len(loc) - 1:
            continue
        parts.append(str(part))
        node = node.get(part) if isinstance(node, dict) else None
    return ".".join(parts)


def _describe(error: dict[str, Any], data: Any = None) -> str:
    """One line for one pydantic error: the key, the problem, what is allowed."""
    key = _key(tuple(error["loc"]), data)
    kind = error["type"]
    given = error.get("input")
    if kind == "extra_forbidden":
        return f"unknown key '{key}' (check the spelling; see docs/case-files.md)"
    if kind == "missing":
        return f"missing required key '{key}'"
    message = error["msg"].removeprefix("Value error, ")
    if not key:
        return message
    if given is not None and not isinstance(given, dict):
        return f"key '{key}' = {given!r}: {message}"
    return f"key '{key}': {message}"


def validate_case(schema: type[pydantic.BaseModel], data: dict[str, Any], source: str) -> Any:
    """Validate `data` against `schema`; raise one `CaseError` listing what is wrong."""
    try:
        return schema.model_validate(data, context={"time_unit_s": getattr(schema, "time_unit_s", None)})
    except pydantic.ValidationError as err:
        lines = [_describe(e, data) for e in err.errors(include_url=False)]
        raise CaseError(f"{source}: " + "; ".join(lines)) from None


def to_toml(case: pydantic.BaseModel) -> str:
    """The fully resolved case (defaults included) as TOML text."""
    return tomli_w.dumps(case.model_dump(mode="json", exclude_none=True))
