"""A short TC5 run at T21 reproduces the stored figures (made by `make_reference.py`)."""

import json
from pathlib import Path

import numpy as np

from tests.climate.make_reference import KEYS, figures

STORED = json.loads((Path(__file__).parent / "tc5_t21_reference.json").read_text())


def test_tc5_t21_regression(tmp_path):
    fresh = figures(tmp_path / "run")
    assert fresh["iteration"] == STORED["iteration"] and fresh["time"] == STORED["time"]
    for key in KEYS:
        np.testing.assert_allclose(fresh[key], STORED[key], rtol=1e-10, err_msg=key)
    np.testing.assert_allclose(fresh["h_rows"], STORED["h_rows"], rtol=1e-10, atol=1e-8)
