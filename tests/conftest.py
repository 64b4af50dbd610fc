"""Shared test set-up: float64 on (hanami turns it on at import) and helpers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import hanami  # noqa: F401  (enables x64 before any array exists)

ROOT = Path(__file__).resolve().parents[1]


def run_cli(*args: str, env: dict[str, str] | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    """Run `hanami ARGS` in a fresh interpreter, as a user would."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "hanami.cli", *args], capture_output=True, text=True,
                          env=full_env, timeout=timeout, cwd=ROOT)


@pytest.fixture
def cli():
    return run_cli
