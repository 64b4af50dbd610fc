"""Checkpoints for exact restarts.

A checkpoint is one `.npz` file holding every leaf of the state (fields, time,
iteration, the proposed dt, rejected count), the diagnostics recorded so far and
a JSON header. Files are written atomically and named by iteration, so the
newest complete checkpoint is simply the one with the largest iteration.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np

from hanami.core.files import atomic_path
from hanami.core.state import State
from hanami.errors import CaseError

_NAME = re.compile(r"^checkpoint_(\d{10})\.npz$")


def checkpoint_path(directory: Path, iteration: int) -> Path:
    return Path(directory) / f"checkpoint_{iteration:010d}.npz"


def save_checkpoint(directory: Path, state: State, history: list[dict[str, float]],
                    header: dict[str, Any], keep: int = 3) -> Path:
    """Write the state and diagnostics history atomically; prune to the newest `keep`."""
    arrays = state.to_numpy()
    keys = sorted({k for row in history for k in row})
    arrays["history/keys"] = np.asarray(keys, dtype=str)
    arrays["history/values"] = np.asarray([[row.get(k, np.nan) for k in keys] for row in history], dtype=np.float64)
    arrays["header"] = np.asarray(json.dumps(header))
    # An ensemble is named by its most-stepped member, as the loop counts it.
    target = checkpoint_path(directory, int(np.max(state.iteration)))
    with atomic_path(target) as tmp:
        with open(tmp, "wb") as handle:
            np.savez(handle, **arrays)
    for old in list_checkpoints(directory)[:-keep]:
        old.unlink(missing_ok=True)
    return target


def list_checkpoints(directory: Path) -> list[Path]:
    """Complete checkpoints in `directory`, oldest first."""
    directory = Path(directory)
    if not directory.is_dir():
        return []
    found = [p for p in directory.iterdir() if _NAME.match(p.name)]
    return sorted(found, key=lambda p: int(_NAME.match(p.name).group(1)))


def load_checkpoint(path: Path) -> tuple[State, list[dict[str, float]], dict[str, Any]]:
    """Read a checkpoint: (state, diagnostics history, header)."""
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
    except (OSError, ValueError) as err:
        raise CaseError(f"{path}: unreadable checkpoint ({err})") from None
    keys = [str(k) for k in arrays.pop("history/keys")]
    values = arrays.pop("history/values")
    history = [dict(zip(keys, map(float, row))) for row in values.reshape(-1, len(keys))] if keys else []
    header = json.loads(str(arrays.pop("header")))
    return State.from_numpy(arrays), history, header


def newest_checkpoint(directory: Path) -> Path:
    found = list_checkpoints(directory)
    if not found:
        raise CaseError(f"{directory}: no checkpoint to restart from")
    return found[-1]
