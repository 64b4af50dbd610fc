"""Case loading: overrides, validation messages, resolved TOML round trip."""

import tomllib

import pytest

from hanami.config import apply_overrides, parse_override, to_toml
from hanami.errors import CaseError
from hanami.runner import load_case


def test_parse_override_values_are_toml_or_strings():
    assert parse_override("model.kappa=2.5") == (["model", "kappa"], 2.5)
    assert parse_override("grid.shape=[64, 32]") == (["grid", "shape"], [64, 32])
    assert parse_override("initial.kind=random") == (["initial", "kind"], "random")
    assert parse_override("time.adaptive=false") == (["time", "adaptive"], False)


@pytest.mark.parametrize("bad", ["nokey", "=3", "a..b=1", "a.=1"])
def test_parse_override_rejects_malformed(bad):
    with pytest.raises(CaseError, match="KEY=VALUE"):
        parse_override(bad)


def test_apply_overrides_does_not_touch_the_input():
    data = {"model": {"kappa": 2.0}}
    out = apply_overrides(data, ["model.kappa=3.0", "time.dt=0.5"])
    assert data == {"model": {"kappa": 2.0}}
    assert out == {"model": {"kappa": 3.0}, "time": {"dt": 0.5}}


def test_resolved_case_round_trips():
    loaded = load_case("pfhub-bm1b", ["model.kappa=3.0"])
    text = to_toml(loaded.case)
    again = loaded.app.schema.model_validate(tomllib.loads(text))
    assert again == loaded.case
    assert again.model.kappa == 3.0 and again.grid.boundary == "no-flux"


def test_default_stabilisation_is_half_the_largest_curvature():
    case = load_case("pfhub-bm1a", ["model.rho_s=10.0"]).case
    # f'' = -4 rho (d^2 - 3u^2) peaks at u = d = 0.2 with 8 rho d^2; half of it:
    assert case.model.resolved_stabilisation() == pytest.approx(4 * 10.0 * 0.2**2)


def test_overrides_reach_arrays_of_tables():
    data = {"stimulus": [{"start": 0.0}, {"start": 10.0}]}
    out = apply_overrides(data, ["stimulus.1.start=20.0"])
    assert out["stimulus"][1]["start"] == 20.0 and out["stimulus"][0]["start"] == 0.0
    with pytest.raises(CaseError, match="not an index"):
        apply_overrides(data, ["stimulus.5.start=1.0"])
    with pytest.raises(CaseError, match="is a value"):
        apply_overrides({"a": 1}, ["a.b=2"])


def test_time_units_follow_each_apps_time_unit():
    from hanami.errors import CaseError as Error

    assert load_case("williamson-tc5", ['stop.time="2 days"']).case.stop.time == 2 * 86400.0
    assert load_case("niederer-dx0.5", ['stop.time="0.25 s"']).case.stop.time == pytest.approx(250.0)
    assert load_case("niederer-dx0.5", ['stop.time="30 ms"']).case.stop.time == pytest.approx(30.0)
    assert load_case("pfhub-bm1a", ['stop.time="100"']).case.stop.time == 100.0
    with pytest.raises(Error, match="nondimensional"):
        load_case("pfhub-bm1a", ['stop.time="5 s"'])
