"""The key reference: generated from the schemas, current in docs, and covering every
key the shipped cases use."""

import tomllib
from pathlib import Path

from hanami.apps.registry import apps, shipped_cases
from hanami.keys import markdown, rows

ROOT = Path(__file__).resolve().parents[2]


def flatten(data, prefix=""):
    for key, value in data.items():
        if isinstance(value, dict):
            yield from flatten(value, f"{prefix}{key}.")
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            for item in value:
                yield from flatten(item, f"{prefix}{key}[].")
        else:
            yield f"{prefix}{key}"


def test_docs_case_keys_is_current():
    assert (ROOT / "docs" / "case-keys.md").read_text().strip() == markdown(apps()).strip(), (
        "docs/case-keys.md is stale: regenerate it with `hanami keys --markdown > docs/case-keys.md`")


def test_every_key_of_the_shipped_cases_is_listed():
    known = {name: {row[0] for row in rows(app.schema)} for name, app in apps().items()}
    # a key whose value is a table of the user's own names (ecg.electrodes.LA) is listed as the table
    tables = {name: {row[0] for row in rows(app.schema) if row[1] == "dict"} for name, app in apps().items()}
    for name, path in shipped_cases().items():
        data = tomllib.loads(path.read_text())
        app = data["app"]
        missing = {k for k in set(flatten(data)) - known[app] if not any(k.startswith(t + ".") for t in tables[app])}
        assert not missing, (name, missing)


def test_rows_give_types_defaults_and_ranges():
    table = {row[0]: row[1:] for row in rows(apps()["phasefield"].schema)}
    kappas = [row[1:] for row in rows(apps()["phasefield"].schema) if row[0] == "model.kappa"]
    assert kappas == [("float", "2.0", '> 0, with kind "cahn-hilliard"'), ("float", "1.0", '> 0, with kind "allen-cahn"')]
    assert table["model.kind"][0] == '"cahn-hilliard" | "dendrite" | "ostwald-ripening" | "allen-cahn"'
    assert table["initial.radius"] == ("float", "8.0", '> 0, with kind "seed"')
    assert table["grid.boundary"][0] == '"periodic" | "no-flux" | "dirichlet-y"'
    assert table["app"][1] == "required" and table["stop.time"][2] == "> 0"
