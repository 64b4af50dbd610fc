"""Regenerate `tc5_t21_reference.json` (run from the repository root after a deliberate change):

    .venv/bin/python -m tests.climate.make_reference

The figures are this code's own TC5 at T21 after 2 days (float64); the test checks a
fresh run against them. Their plausibility against published TC5 figures is checked
by `hanami validate williamson-tc5`, not here.
"""

import json
import tempfile
from pathlib import Path

import numpy as np

from hanami.runner import run_case

HERE = Path(__file__).parent
OVERRIDES = ["grid.truncation=21", 'time.dt="30 min"', 'stop.time="2 days"', "output.plots=false",
             "checkpoint.wall_interval=0"]
KEYS = ("mass", "energy", "enstrophy", "max_wind", "h_min", "h_max")


def figures(out: Path) -> dict:
    result = run_case("williamson-tc5", out=out, overrides=OVERRIDES, progress=False)
    h = result.dataset["h"].values[-1]
    row = result.history[-1]
    return {**{k: row[k] for k in KEYS}, "h_rows": [float(x) for x in h[::8, ::16].ravel()],
            "time": row["time"], "iteration": row["iteration"]}


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        data = figures(Path(tmp) / "run")
    (HERE / "tc5_t21_reference.json").write_text(json.dumps(data, indent=1))
    print(json.dumps({k: v for k, v in data.items() if k != "h_rows"}, indent=1), np.size(data["h_rows"]))
