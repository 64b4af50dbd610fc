"""Every key of every app's case file, read from the schemas themselves.

`hanami keys` prints it and docs/case-keys.md is generated from it, so the
reference cannot drift from what the code accepts.
"""

from __future__ import annotations

import inspect
import types
import typing
from typing import Any, Iterator

import annotated_types
import pydantic

from hanami.config import Section

CONSTRAINTS = ((annotated_types.Gt, "gt", "> {}"), (annotated_types.Ge, "ge", ">= {}"),
               (annotated_types.Lt, "lt", "< {}"), (annotated_types.Le, "le", "<= {}"),
               (annotated_types.MinLen, "min_length", "at least {} item(s)"),
               (annotated_types.MaxLen, "max_length", "at most {} item(s)"))


def _type_name(annotation: Any) -> str:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return _type_name(args[0])
    if origin is typing.Literal:
        return " | ".join(repr(a).replace("'", '"') for a in args)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_type_name(a) for a in args if a is not type(None)) + (
            " (optional)" if type(None) in args else "")
    if origin is list:
        return f"list of {_type_name(args[0])}" if args else "list"
    if inspect.isclass(annotation) and issubclass(annotation, Section):
        return "table"
    return getattr(annotation, "__name__", str(annotation))


def _constraints(field: pydantic.fields.FieldInfo) -> str:
    found = []
    metadata = list(field.metadata)
    pending = [field.annotation]
    while pending:
        annotation = pending.pop()
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            metadata += list(typing.get_args(annotation)[1:])
            pending.append(typing.get_args(annotation)[0])
        elif origin in (typing.Union, types.UnionType):
            pending += [a for a in typing.get_args(annotation) if a is not type(None)]
    for item in metadata:
        for kind, attribute, text in CONSTRAINTS:
            if isinstance(item, kind):
                found.append(text.format(getattr(item, attribute)))
    return ", ".join(dict.fromkeys(found))


def _default(field: pydantic.fields.FieldInfo) -> str:
    if field.is_required():
        return "required"
    value = field.default_factory() if field.default_factory is not None else field.default
    if isinstance(value, Section) or value is None:
        return "-"
    return repr(value).replace("'", '"')


def _section_classes(annotation: Any) -> tuple[list[type[Section]], bool]:
    """The Section classes behind an annotation (several for a table chosen by its `kind`), and
    whether it is a list of tables."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return _section_classes(args[0])
    if origin is list and args and inspect.isclass(args[0]) and issubclass(args[0], Section):
        return [args[0]], True
    if origin in (typing.Union, types.UnionType):
        found, many = [], False
        for arg in args:
            classes, listed = _section_classes(arg)
            found += classes
            many = many or listed
        return found, many
    if inspect.isclass(annotation) and issubclass(annotation, Section):
        return [annotation], False
    return [], False


def _kinds(section: type[Section]) -> tuple[str, ...]:
    return typing.get_args(section.model_fields["kind"].annotation)


def _tagged_rows(key: str, sections: list[type[Section]]) -> Iterator[tuple[str, str, str, str]]:
    """A table whose `kind` picks one of `sections`: `kind` once, then each member's keys with the
    kinds they belong to."""
    kinds = [kind for section in sections for kind in _kinds(section)]
    first = sections[0].model_fields["kind"]
    yield (f"{key}.kind", " | ".join(f'"{kind}"' for kind in kinds), _default(first),
           "picks the table's other keys")
    for section in sections:
        when = "with kind " + " or ".join(f'"{kind}"' for kind in _kinds(section))
        for row in rows(section, f"{key}."):
            if row[0] != f"{key}.kind":
                yield row[0], row[1], row[2], ", ".join(filter(None, (row[3], when)))


def rows(schema: type[pydantic.BaseModel], prefix: str = "") -> Iterator[tuple[str, str, str, str]]:
    """(key, type, default, allowed) for every leaf key of `schema`, depth first."""
    for name, field in schema.model_fields.items():
        key = f"{prefix}{name}"
        sections, many = _section_classes(field.annotation)
        if len(sections) > 1:
            yield from _tagged_rows(key, sections)
        elif sections:
            yield from rows(sections[0], f"{key}[].") if many else rows(sections[0], f"{key}.")
        else:
            yield key, _type_name(field.annotation), _default(field), _constraints(field)


def markdown(apps: dict[str, Any]) -> str:
    """The key reference of every app as Markdown."""
    lines = ["<!-- Generated by `hanami keys --markdown`; edit the schemas, not this file. -->", "",
             "# Case-file keys of every app", "",
             "Every key a case file may hold, read from the schemas the code validates against. "
             "Meanings, units and examples: [case-files.md](case-files.md) and each app's page. "
             "`[]` marks an array of tables (`[[stimulus]]`). Time keys also take a string with a unit "
             "(\"15 days\", \"6 h\", \"900 s\").", ""]
    for name, app in apps.items():
        lines += [f"## {name}", "", "| key | type | default | allowed |", "|---|---|---|---|"]
        lines += [f"| `{k}` | {t.replace('|', chr(92) + '|')} | `{d}` | {a} |" for k, t, d, a in rows(app.schema)]
        lines.append("")
    return "\n".join(lines)
