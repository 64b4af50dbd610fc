"""The apps hanami knows, and the case files they ship."""

from __future__ import annotations

from pathlib import Path

from hanami.apps.base import App
from hanami.errors import CaseError


def apps() -> dict[str, App]:
    from hanami.apps.cardiac import CardiacApp
    from hanami.apps.climate import ClimateApp
    from hanami.apps.phasefield import PhaseFieldApp

    return {app.name: app for app in (PhaseFieldApp(), ClimateApp(), CardiacApp())}


def get_app(name: object, source: str) -> App:
    known = apps()
    if name is None:
        raise CaseError(f"{source}: missing required key 'app' (one of: {', '.join(sorted(known))})")
    if name not in known:
        raise CaseError(f"{source}: key 'app' = {name!r} is not an app; allowed: {', '.join(sorted(known))}")
    return known[name]


def shipped_cases() -> dict[str, Path]:
    """Shipped case name -> file, over every app."""
    found = {}
    for app in apps().values():
        for path in sorted(app.cases_dir.glob("*.toml")):
            found[path.stem] = path
    return found


def resolve_case_path(name_or_file: str) -> Path:
    """A shipped case name or a path to a TOML file."""
    cases = shipped_cases()
    if name_or_file in cases:
        return cases[name_or_file]
    path = Path(name_or_file)
    if path.suffix != ".toml" and not path.exists():
        raise CaseError(f"{name_or_file}: neither a shipped case ({', '.join(sorted(cases))}) nor a case file")
    return path
