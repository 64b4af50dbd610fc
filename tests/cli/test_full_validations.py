"""The full (not --quick) validations that fit CI's time: each must keep its outcome.

The others run in their quick configuration elsewhere (tests/unit/test_validation_coverage.py
checks that every validation runs in some test); their full runs take hours on 2 cores.
"""

import json

import pytest

FULL = {"pfhub-bm1a": "VALIDATED", "pfhub-bm1b": "VALIDATED", "tp06-cell": "VALIDATED",
        "williamson-tc2": "VERIFIED"}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(FULL))
def test_full_validation_keeps_its_outcome(name, cli, tmp_path):
    result = cli("validate", name, "-q", "--out", str(tmp_path / "val"))
    report = json.loads((tmp_path / "val" / "validation.json").read_text())
    assert report["outcome"] == FULL[name], result.stdout[-3000:]
    assert result.returncode == 0 and not report["quick"]
    assert all(c["kind"] in ("verification", "validation") and c["source"] for c in report["checks"])
