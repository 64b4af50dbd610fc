"""Regenerate bm1_reference.json (run by hand after a deliberate change of results):

    .venv/bin/python tests/regression/make_reference.py
"""

import json
import tempfile
from pathlib import Path

from hanami.runner import run_case

CASES = {
    "pfhub-bm1a": {"stop_time": 1000.0, "times": [10.0, 100.0, 1000.0]},
    "pfhub-bm1b": {"stop_time": 100.0, "times": [10.0, 100.0]},
}


def measure(name: str, stop_time: float, times: list[float]) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        result = run_case(name, out=Path(tmp) / "run", stop_time=stop_time, progress=False,
                          overrides=["output.plots=false", f"output.times={times!r}"])
    rows = {row["time"]: row for row in result.history}
    return {
        "free_energy": {str(t): rows[t]["free_energy"] for t in times},
        "mass": result.history[-1]["mass"],
        "c_min": result.history[-1]["c_min"],
        "c_max": result.history[-1]["c_max"],
        "steps": result.summary["iteration"],
    }


if __name__ == "__main__":
    reference = {name: {**spec, **measure(name, **spec)} for name, spec in CASES.items()}
    path = Path(__file__).with_name("bm1_reference.json")
    path.write_text(json.dumps(reference, indent=2) + "\n")
    print(path.read_text())
