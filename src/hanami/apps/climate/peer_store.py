"""The stored dinosaur figures of the climate validations: where they are, how a run is named and matched.

Made by `python -m hanami.apps.climate.peer_references` (see there); read by `peers`.
"""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path
from typing import Any

import numpy as np

from hanami.apps.climate.case import ClimateCase

HERE = Path(__file__).parent
JSON_FILE = HERE / "peer_references.json"
NPZ_FILE = HERE / "peer_references.npz"
COMMAND = "python -m hanami.apps.climate.peer_references"
DAY = 86400.0

FIELDS = {"williamson-tc5": ("h",), "williamson-tc6": ("h",), "galewsky": ("h", "vorticity"),
          "galewsky-steady": ("h",)}


def key(case: ClimateCase) -> str:
    """The name of a stored run: case/T<T>/dt<dt>/<days>d, with /diffusion-off where the diffusion is set to 0."""
    off = "/diffusion-off" if case.model.diffusion_time == 0 else ""
    return f"{case.name}/T{case.grid.truncation}/dt{case.time.dt:g}/{case.stop.time / DAY:g}d{off}"


def settings(case: ClimateCase) -> dict[str, Any]:
    """What a hanami run must share with a stored run to be compared with it (besides T and dt)."""
    return {"model": case.model.model_dump(mode="json"), "initial": case.initial.model_dump(mode="json"),
            "stop_time": float(case.stop.time), "precision": case.precision}


def pack(coefficients: np.ndarray, zonal: bool = False) -> np.ndarray:
    """[m, n] coefficients -> the n >= m ones (`zonal`: the m = 0 ones), float64 pairs (real, imag)."""
    m, n = np.triu_indices(coefficients.shape[0])
    values = coefficients[0] if zonal else coefficients[m, n]
    return np.stack([values.real, values.imag], axis=-1).astype(np.float64)


def unpack(packed: np.ndarray, truncation: int) -> np.ndarray:
    """The inverse of `pack`: complex [m, n] (T+1, T+1), zeros for n < m (and for m > 0 if packed zonal)."""
    out = np.zeros((truncation + 1, truncation + 1), np.complex128)
    values = packed[:, 0] + 1j * packed[:, 1]
    if len(packed) == truncation + 1:
        out[0] = values
    else:
        m, n = np.triu_indices(truncation + 1)
        out[m, n] = values
    return out


def load(json_file: Path = JSON_FILE, npz_file: Path = NPZ_FILE) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The stored record and its coefficient arrays (checked against the record's hash)."""
    record = json.loads(json_file.read_text())
    data = npz_file.read_bytes()
    if hashlib.sha256(data).hexdigest() != record["coefficients"]["sha256"]:
        raise ValueError(f"{npz_file} does not match {json_file}: rerun `{COMMAND}`")
    with np.load(io.BytesIO(data)) as arrays:
        return record, {name: arrays[name] for name in arrays.files}
