"""Real records for the report tests: a tiny bench run, and a second machine made
from it by changing only the machine block."""

import copy
import io
import json

import pytest
from rich.console import Console

from hanami.bench import Plan, run_bench
from hanami.bench.records import write_json

TINY = Plan(sizes=(16, 32), steps=10, repeats=2, chunk=5, adaptive_times=(5.0,), bm3_sizes=(), bm3_times=(),
            bm2_sizes=(), bm2_times=(), bm8_sizes=(), bm8_times=())


@pytest.fixture(scope="session")
def two_machines(tmp_path_factory):
    folder = tmp_path_factory.mktemp("records")
    real = run_bench(["phasefield"], precisions=["float64"], json_path=folder / "cpu.json", plan=TINY,
                     quick=True, console=Console(file=io.StringIO()), site="dev-cpu")
    other = copy.deepcopy(real)
    for record in other:
        record["machine"].update(site="far-gpu", host="far-gpu", platform="gpu", accelerator="NVIDIA H100 x 1",
                                 device_kind="NVIDIA H100", bandwidth_gbs=3000.0)
        record["updates_per_s"] *= 40.0
        record["time_per_step_s"] /= 40.0
    write_json(folder / "gpu.json", other)
    validation = folder / "validation.json"
    validation.write_text(json.dumps({"benchmark": "pfhub-bm1a", "passed": True, "outcome": "VALIDATED",
                                      "counts": {"validation": 1, "verification": 0}, "checks": [
        {"check": "F(10)", "kind": "validation", "value": 299.242, "passed": True, "reference": "-", "limit": "-",
         "source": "PFHub"}], "provenance": {"device": "1 x cpu:cpu", "precision": "float64", "git_revision": "abc"}}))
    return folder / "cpu.json", folder / "gpu.json", validation, real, other
