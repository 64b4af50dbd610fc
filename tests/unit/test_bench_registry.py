"""`hanami bench` holds no per-app table: a test app registered here gets its own suite."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Literal

import pytest
from rich.console import Console

from hanami.apps import registry
from hanami.apps.base import App, Benchmarks, Setting, ThroughputProblem, Traffic
from hanami.apps.phasefield import PhaseFieldApp
from hanami.apps.phasefield.case import PhaseFieldCase
from hanami.bench import COMMON_KEYS, Plan, run_bench
from hanami.bench.suites import suites
from hanami.errors import CaseError

SHIPPED = PhaseFieldApp.cases_dir / "pfhub-bm1a.toml"


class TinyCase(PhaseFieldCase):
    app: Literal["tiny"] = "tiny"


def _tiny_app(cases: Path) -> App:
    """An app the bench front end has never heard of: the phase field under another name, with its own case."""
    text = SHIPPED.read_text().replace('app = "phasefield"', 'app = "tiny"').replace('name = "pfhub-bm1a"',
                                                                                    'name = "tiny-box"')
    (cases / "tiny-box.toml").write_text(text)
    problem = ThroughputProblem(
        case="tiny-box", points=Setting((16,), (24,)), at=lambda n: (f"grid.shape=[{n}, {n}]",),
        label=lambda n: f"box {n}", traffic=Traffic(3), norms=lambda built: lambda sim: {"time": sim.time},
        fields=lambda case, chunk, per_step: {"chunk_attempts": chunk}, sized=True,
        overrides=("time.adaptive=false", "time.order=1", "time.dt=0.05"))

    class TinyApp(App):
        name = "tiny"
        schema = TinyCase
        cases_dir = cases
        benchmarks = Benchmarks(throughput=(problem,))

        def build(self, case):
            return PhaseFieldApp().build(case)

    return TinyApp()


@pytest.fixture
def tiny(tmp_path):
    registry.register(_tiny_app(tmp_path))
    try:
        yield
    finally:
        registry.unregister("tiny")


def test_a_registered_app_is_a_suite_and_is_measured(tiny):
    assert list(suites())[-3:] == ["tiny", "gradients", "surrogates"]
    out = io.StringIO()
    (record,) = run_bench(["tiny"], plan=Plan(steps=4, repeats=2, chunk=2, quick=True), console=Console(file=out),
                          probe_bandwidth=False)
    assert not set(COMMON_KEYS) - set(record)
    assert record["kind"] == "throughput" and record["app"] == "tiny" and record["case"] == "tiny-box"
    assert record["resolution"] == [16, 16] and record["bytes_per_update"] == 3 * 8
    assert record["chunk_attempts"] == 2 and record["final"] == {"time": pytest.approx((2 + 2 * 4) * 0.05)}
    assert "tiny box 16 float64: 2 x 4 steps" in out.getvalue()


def test_sizes_go_to_the_app_and_an_app_without_sizes_refuses_them(tiny):
    (record,) = run_bench(["tiny"], plan=Plan(steps=2, repeats=1, chunk=2), sizes=[12],
                          console=Console(file=io.StringIO()), probe_bandwidth=False)
    assert record["resolution"] == [12, 12]
    with pytest.raises(CaseError, match="cardiac.*sweep no grid size"):
        run_bench(["cardiac"], sizes=[16], console=Console(file=io.StringIO()))
    with pytest.raises(CaseError, match="no app declares the setting"):
        run_bench(["tiny"], plan=Plan(steps=2, repeats=1, chunk=2, tiny_points=(8,)),
                  console=Console(file=io.StringIO()))


def test_an_unregistered_app_is_no_suite(tiny):
    registry.unregister("tiny")
    assert "tiny" not in suites()
    with pytest.raises(CaseError, match="unknown app"):
        run_bench(["tiny"], console=Console(file=io.StringIO()))
