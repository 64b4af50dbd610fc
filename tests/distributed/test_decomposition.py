"""What XLA makes of each app's layout on 4 devices: a real decomposition, not gathered arrays.

* phase field: the distributed FFT moves data only by all-to-all transposes;
* climate: the spectral transform moves data only by all-to-all transposes
  between the latitude-split grid and the wavenumber-split coefficients;
* cardiac: neighbouring slabs exchange only halos (collective-permutes of a few
  planes of the 11 each device holds).

None may all-gather a field; the diagnostics' reductions are all-reduces of scalars.
"""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).with_name("hlo_collectives.py")


def _collectives(*args):
    out = subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("case, overrides, moves", [
    ("pfhub-bm1a", [], "all-to-all"),
    ("pfhub-bm1b", [], "all-to-all"),
    ("williamson-tc5", ["grid.truncation=63"], "all-to-all"),
    ("niederer-dx0.5", ["grid.lengths=[21.5,7.0,3.0]"], "collective-permute"),
])
def test_layout_moves_data_without_gathering(case, overrides, moves):
    found = _collectives(case, *overrides)
    counts = found["counts"]
    print(case, counts)
    assert counts.get(moves, 0) > 0
    assert counts.get("all-gather", 0) == 0 and counts.get("reduce-scatter", 0) == 0
    assert set(counts) <= {moves, "all-reduce"}
    for entry in found["shapes"]:
        if entry.startswith("all-reduce"):
            assert re.search(r"\[\]", entry), entry  # scalars only
        if entry.startswith("collective-permute"):
            planes = int(re.search(r"\[(\d+),", entry).group(1))
            assert planes <= 4, entry
