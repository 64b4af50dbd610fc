"""The registry and the App contract: every app declares itself completely, names are unique,
and the command line is generated from the declarations."""

from __future__ import annotations

import dataclasses

import pytest
from typer.testing import CliRunner

from hanami.apps import registry
from hanami.apps.base import App, Validation
from hanami.errors import CaseError


def test_builtin_apps_follow_the_contract():
    known = registry.apps()
    assert set(known) >= {"phasefield", "climate", "cardiac"}
    for name, app in known.items():
        assert isinstance(app, App) and app.name == name and app.description
        assert app.shipped_cases(), f"{name} ships no case"
        assert app.summary_keys and app.output_fields
        for validation in app.validations:
            assert validation.description and callable(validation.run)


def test_validate_help_lists_every_validation_and_its_options():
    from hanami.cli import app

    result = CliRunner().invoke(app, ["validate", "--help"], terminal_width=200)
    assert result.exit_code == 0
    for name, (_, validation) in registry.validations().items():
        assert name in result.output
        for option in validation.options:
            assert option.flag in result.output


def test_an_option_is_refused_where_it_does_not_apply():
    from hanami.validate import run_validation

    with pytest.raises(CaseError, match=r"--dx applies to pfhub-bm3, niederer only, not to 'pfhub-bm1a'"):
        run_validation("pfhub-bm1a", dx=0.2)
    with pytest.raises(CaseError, match="unknown benchmark 'nope'; allowed: pfhub-bm1a"):
        run_validation("nope")


def test_a_name_claimed_twice_is_refused():
    phasefield = registry.apps()["phasefield"]

    class Twin(type(phasefield)):
        name = "twin"
        validations = (dataclasses.replace(phasefield.validations[0]),)

    registry.register(Twin())
    try:
        with pytest.raises(CaseError, match="shipped case 'pfhub-bm1a' is declared by both"):
            registry.shipped_cases()
        with pytest.raises(CaseError, match="validation 'pfhub-bm1a' is declared by both"):
            registry.validations()
    finally:
        registry.unregister("twin")
    assert "twin" not in registry.apps()


def test_registered_app_reaches_the_front_ends():
    class Empty(App):
        name = "empty"
        description = "nothing"
        validations = (Validation("empty-check", "always passes", lambda runner, **options: 0),)

    registry.register(Empty())
    try:
        from hanami.validate import run_validation

        assert run_validation("empty-check") == 0
    finally:
        registry.unregister("empty")


@pytest.mark.parametrize("case,overrides", [("pfhub-bm1a", ["grid.shape=[16,16]"]),
                                            ("williamson-tc5", ["grid.truncation=21"]),
                                            ("niederer-dx0.5", []), ("tp06-cell", [])])
def test_declared_output_fields_cover_what_the_model_writes(case, overrides):
    import numpy as np

    from hanami.runner import build, load_case

    loaded = load_case(case, overrides)
    built = build(loaded)
    written = built.model.output_fields({k: np.asarray(v) for k, v in built.state.fields.items()})
    assert written and set(written) <= set(loaded.app.output_fields)
    assert set(written) <= set(built.layout.attrs)  # every written field has its CF attributes
