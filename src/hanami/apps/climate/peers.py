"""Validation against the peer dinosaur: hanami's run beside dinosaur's stored run of the same configuration.

The stored runs (`peer_references.json` and `.npz`, made by
`python -m hanami.apps.climate.peer_references`) hold dinosaur's final fields as
spectral coefficients; a hanami run is compared with the stored run of the same
case, truncation, step, stop time, model and initial settings and precision, or
with none (then the check says so and is reported, not judged).

Band of every comparison: the triangle inequality. With H_T, D_T hanami's and
dinosaur's fields at truncation T and H_R, D_R each code's own run at a higher
truncation, |H_T - D_T| <= |H_T - H_R| + |D_T - D_R| + |H_R - D_R|: two codes
that converge to the same solution differ at T by at most the sum of their
truncation errors (the last term, the codes' difference at high resolution, is
what the check tests and is taken as zero). Both truncation errors are measured:
hanami's in the validation itself, dinosaur's by the script.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import numpy as np

from hanami.apps.base import check
from hanami.apps.climate import analysis
from hanami.apps.climate import peer_store as store
from hanami.apps.climate.case import ClimateCase
from hanami.core.sphere import SphereGrid


@functools.cache
def _stored(json_file: Path = store.JSON_FILE, npz_file: Path = store.NPZ_FILE
            ) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    return store.load(json_file, npz_file)


def source(record: dict[str, Any], entry: dict[str, Any], band: str) -> str:
    """The source of a peer figure: the code, its version, the command, when and from which hanami revision."""
    made = entry.get("made", record)
    return (f"dinosaur {record['peer_version']}, `{made['command']}` ({made['date_utc'][:10]}, hanami "
            f"{made['hanami_revision']}, stored in peer_references.json); band: {band}")


def find(case: ClimateCase) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """(the stored record, the stored run matching `case` or None)."""
    try:
        record, _ = _stored()
    except FileNotFoundError:
        return {}, None
    entry = record["runs"].get(store.key(case))
    if entry is None or entry["settings"] != store.settings(case):
        return record, None
    return record, entry


def field(case: ClimateCase, name: str, grid: SphereGrid) -> np.ndarray:
    """dinosaur's final `name` (h [m] or vorticity [1/s]) of the run matching `case`, on `grid`."""
    _, arrays = _stored()
    packed = arrays[f"{store.key(case)}/{name}"]
    return analysis.evaluate(store.unpack(packed, case.grid.truncation), grid.lat, grid.lon)


def missing(label: str, case: ClimateCase) -> dict[str, Any]:
    """A reported (unjudged) check: no stored dinosaur run has this configuration."""
    return check(f"{label}: hanami - dinosaur", "validation", None, None, limit="-",
                 source=f"no stored dinosaur run of {store.key(case)} "
                        "with these settings (overrides change the model, or the step has none): "
                        f"add it to `{store.COMMAND}`")


def field_check(label: str, case: ClimateCase, name: str, ours: np.ndarray, grid: SphereGrid,
                our_error: float, our_reference: str) -> dict[str, Any]:
    """l2 of hanami's final `name` against dinosaur's, relative to dinosaur's norm; band: the two codes'
    truncation errors (hanami's `our_error` against `our_reference`, dinosaur's stored)."""
    record, entry = find(case)
    if entry is None:
        return missing(label, case)
    theirs = field(case, name, grid)
    norms = analysis.error_norms(ours, theirs, grid)
    peer_error = entry["truncation_error"][name]["l2"]
    bound = our_error + peer_error
    band = (f"triangle inequality: hanami's truncation error ({our_error:.2e}, against its {our_reference}) "
            f"+ dinosaur's ({peer_error:.2e}, against its {entry['truncation_error']['reference'].split('/')[1]})")
    return check(f"{label}: {name} l2(hanami - dinosaur)", "validation", norms["l2"], norms["l2"] <= bound,
                 limit=f"<= {bound:.2e}", reference=f"dinosaur's truncation error {peer_error:.2e}",
                 source=source(record, entry, band), linf=norms["linf"], hanami_truncation_error=our_error,
                 dinosaur_truncation_error=peer_error, dinosaur_run=entry)


def speed_check(label: str, case: ClimateCase, ours: float, our_error: float, our_reference: str) -> dict[str, Any]:
    """TC6 pattern speed [deg/day] against dinosaur's at the same configuration; band: the two codes'
    self-convergence errors of the speed."""
    record, entry = find(case)
    if entry is None:
        return missing(label, case)
    ref_key = entry["truncation_error"]["reference"]
    theirs = entry["pattern_speed_deg_per_day"]
    # dinosaur's speed error: its speed at T (at its reference's step) against its reference run.
    peer_error = entry["truncation_error"]["pattern_speed_deg_per_day"]
    bound = our_error + peer_error
    band = (f"triangle inequality: hanami's speed error ({our_error:.3f}, against its {our_reference}) + "
            f"dinosaur's ({peer_error:.3f}, against its {ref_key.split('/')[1]})")
    return check(f"{label}: wave-4 speed |hanami - dinosaur| [deg/day]", "validation", abs(ours - theirs),
                 abs(ours - theirs) <= bound, limit=f"<= {bound:.3f}", reference=f"dinosaur {theirs:.4f}",
                 source=source(record, entry, band), hanami=ours, dinosaur=theirs)


def steady_check(label: str, case: ClimateCase, ours: np.ndarray, grid: SphereGrid, our_imbalance: float,
                 peer_case: ClimateCase) -> dict[str, Any]:
    """Galewsky's steady jet: max |h_hanami - h_dinosaur| [m] at the end; band: each code's departure from
    the exact steady state without diffusion (`our_imbalance`, the stored one of `peer_case`)."""
    record, entry = find(case)
    _, inviscid = find(peer_case)
    if entry is None or inviscid is None:
        return missing(label, case)
    theirs = field(case, "h", grid)
    difference = analysis.max_height_change(ours, theirs)
    bound = our_imbalance + inviscid["max_abs_dh"]
    band = (f"triangle inequality: each code's departure from the exact steady jet without diffusion "
            f"(hanami {our_imbalance:.2e} m, dinosaur {inviscid['max_abs_dh']:.2e} m)")
    return check(f"{label}: max |h_hanami - h_dinosaur| [m]", "validation", difference, difference <= bound,
                 limit=f"<= {bound:.2e}", reference=f"dinosaur max |dh| {entry['max_abs_dh']:.3e}",
                 source=source(record, entry, band), dinosaur_run=entry)


def potential_vorticity_check(label: str, case: ClimateCase, ours: float, our_error: float,
                              our_reference: str) -> dict[str, Any]:
    """Galewsky: the largest potential vorticity [1/(m s)] at the end against dinosaur's; band: the two codes'
    self-convergence errors of that maximum (each against its own high-resolution run)."""
    record, entry = find(case)
    if entry is None:
        return missing(label, case)
    theirs = entry["potential_vorticity_max"][-1]
    ref_key = entry["truncation_error"]["reference"]
    peer_error = abs(theirs - record["runs"][ref_key]["potential_vorticity_max"][-1])
    bound = our_error + peer_error
    band = (f"triangle inequality: hanami's self-convergence error ({our_error:.2e}, against its {our_reference}) "
            f"+ dinosaur's ({peer_error:.2e}, against its {ref_key.split('/')[1]})")
    return check(f"{label}: potential vorticity max |hanami - dinosaur| [1/(m s)]", "validation",
                 abs(ours - theirs), abs(ours - theirs) <= bound, limit=f"<= {bound:.2e}",
                 reference=f"dinosaur {theirs:.6e}", source=source(record, entry, band), hanami=ours, dinosaur=theirs)
