"""The apps hanami knows: the built-in ones, those named in `HANAMI_APPS`, and any `register`ed.

`HANAMI_APPS` lists extra apps as `module:Class` (comma-separated); the module
must be importable. Every front end asks this registry, never an app's insides.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path

from hanami.apps.base import App, Validation
from hanami.errors import CaseError

_REGISTERED: dict[str, App] = {}


def _builtin() -> list[App]:
    from hanami.apps.cardiac import CardiacApp
    from hanami.apps.climate import ClimateApp
    from hanami.apps.phasefield import PhaseFieldApp

    return [PhaseFieldApp(), ClimateApp(), CardiacApp()]


def _from_environment() -> list[App]:
    found = []
    for entry in filter(None, (e.strip() for e in os.environ.get("HANAMI_APPS", "").split(","))):
        module, _, attribute = entry.partition(":")
        try:
            found.append(getattr(importlib.import_module(module), attribute)())
        except (ImportError, AttributeError, TypeError) as err:
            raise CaseError(f"HANAMI_APPS: cannot load the app {entry!r} (expected module:Class): {err}") from None
    return found


def register(app: App) -> None:
    """Add an app (or replace one of the same name) for the rest of the process."""
    _REGISTERED[app.name] = app


def unregister(name: str) -> None:
    _REGISTERED.pop(name, None)


def apps() -> dict[str, App]:
    """Every known app by name: built-in, then `HANAMI_APPS`, then registered."""
    return {app.name: app for app in (*_builtin(), *_from_environment(), *_REGISTERED.values())}


def get_app(name: object, source: str) -> App:
    known = apps()
    if name is None:
        raise CaseError(f"{source}: missing required key 'app' (one of: {', '.join(sorted(known))})")
    if name not in known:
        raise CaseError(f"{source}: key 'app' = {name!r} is not an app; allowed: {', '.join(sorted(known))}")
    return known[name]


def _unique(kind: str, pairs: list[tuple[str, str]]) -> None:
    """Refuse a name two apps both claim (one would hide the other)."""
    owners: dict[str, str] = {}
    for name, owner in pairs:
        if owners.setdefault(name, owner) != owner:
            raise CaseError(f"the {kind} {name!r} is declared by both the {owners[name]} and the {owner} app; "
                            "rename one")


def shipped_cases() -> dict[str, Path]:
    """Shipped case name -> file, over every app."""
    by_app = {app.name: app.shipped_cases() for app in apps().values()}
    _unique("shipped case", [(name, app) for app, cases in by_app.items() for name in cases])
    return {name: path for cases in by_app.values() for name, path in cases.items()}


def resolve_case_path(name_or_file: str) -> Path:
    """A shipped case name or a path to a TOML file."""
    cases = shipped_cases()
    if name_or_file in cases:
        return cases[name_or_file]
    path = Path(name_or_file)
    if path.suffix != ".toml" and not path.exists():
        raise CaseError(f"{name_or_file}: neither a shipped case ({', '.join(sorted(cases))}) nor a case file")
    return path


def validations() -> dict[str, tuple[App, Validation]]:
    """Every `hanami validate` entry by name, with its app."""
    known = apps().values()
    _unique("validation", [(v.name, app.name) for app in known for v in app.validations])
    return {v.name: (app, v) for app in known for v in app.validations}
