"""Every `hanami validate` name runs in the test suite (quick or slow), so CI sees a changed verdict."""

import re
from pathlib import Path

from hanami.apps.registry import validations

TESTS = Path(__file__).resolve().parents[1]


def validations_run_by_tests() -> set[str]:
    """Names passed to the `validate` command (or `run_validation`) anywhere under tests/."""
    found = set()
    pattern = re.compile(r"""(?:"validate",\s*|run_validation\(\s*)["']([\w.-]+)["']""")
    for path in TESTS.rglob("test_*.py"):
        found.update(pattern.findall(path.read_text()))
    return found


def test_every_validation_is_run_by_a_test():
    missing = sorted(set(validations()) - validations_run_by_tests())
    assert not missing, f"no test runs `hanami validate` for: {', '.join(missing)}"
