"""Verification checks shared by the climate validations: invariants and self-convergence.

Tolerances come from the scheme (see `references`): mass is conserved exactly
by the divergence form, so only rounding moves it (one eps per step at most);
energy and potential enstrophy are conserved by the continuous equations, and
the scheme changes them through its hyperdiffusion (whose rate at a fixed scale
falls as T^-p: the loss must fall with resolution), its RAW filter (first order
in the step: without diffusion the loss must fall with the step) and the
leapfrog's time truncation (not sign-definite: their largest drift is reported).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from hanami.apps.base import RunResult, check
from hanami.apps.climate import references as ref

INVARIANTS = ("mass", "energy", "enstrophy")


def drifts(result: RunResult) -> dict[str, dict[str, float]]:
    """Largest |relative drift|, largest signed drift and final drift of each invariant over the history."""
    out = {}
    for key in INVARIANTS:
        values = [row[f"{key}_drift"] for row in result.history]
        out[key] = {"max_relative_drift": max(abs(v) for v in values), "max_drift": max(values),
                    "final_drift": values[-1]}
    return out


def invariant_checks(label: str, result: RunResult, *, steady: bool = False) -> list[dict[str, Any]]:
    """Mass within rounding; energy and enstrophy within rounding where the solution is exactly steady
    (`steady`), else their largest drift reported (their loss is judged across runs: `loss_checks`)."""
    precision = result.summary["provenance"]["precision"]
    steps = int(result.summary["iteration"])
    bound = ref.rounding_bound(steps, precision)
    eps = ref.eps(precision)
    found = drifts(result)
    out = [check(f"{label}: mass |drift|", "verification", found["mass"]["max_relative_drift"],
                 found["mass"]["max_relative_drift"] <= bound, limit=f"<= {bound:.1e}",
                 source=ref.ROUNDING.format(what=ref.MASS, eps=eps, steps=steps))]
    for key in ("energy", "enstrophy"):
        figures = found[key]
        if steady:
            out.append(check(f"{label}: {key} |drift|", "verification", figures["max_relative_drift"],
                             figures["max_relative_drift"] <= bound, limit=f"<= {bound:.1e}",
                             source=ref.ROUNDING.format(what="the exact solution is steady, so it is constant",
                                                        eps=eps, steps=steps)))
        else:
            out.append(check(f"{label}: {key} largest drift", "verification", figures["max_drift"], None, limit="-",
                             source=ref.TIME_TRUNCATION, final_drift=figures["final_drift"]))
    return out


def falls(name: str, values: dict[str, float], source: str, *, judged: bool = True,
          scales: list[float] | None = None) -> dict[str, Any]:
    """`values` (by run, coarsest first) must fall from each run to the next; the value is the last one.

    The observed order between the last two runs is kept, in T (labels "T<n>") or in `scales` (e.g. 1/dt).
    """
    labels, numbers = list(values), list(values.values())
    ok = all(b < a for a, b in zip(numbers, numbers[1:]))
    if scales is None and all(k.startswith("T") and k[1:].isdigit() for k in labels):
        scales = [int(k[1:]) for k in labels]
    order = None
    if scales and len(numbers) > 1 and numbers[-1] > 0 and numbers[-2] > 0:
        order = float(np.log(numbers[-2] / numbers[-1]) / np.log(scales[-1] / scales[-2]))
    return check(name, "verification", numbers[-1], ok if judged else None,
                 limit=f"< {numbers[-2]:.2e} ({labels[-2]})" if len(numbers) > 1 else "-",
                 reference=", ".join(f"{k} {v:.2e}" for k, v in values.items()), source=source, order=order)


def loss(result: RunResult, key: str) -> float:
    """The loss of an invariant over a run: minus its final relative drift."""
    return -drifts(result)[key]["final_drift"]


def loss_checks(label: str, results: dict[str, RunResult], diffusion: bool,
                half_step: tuple[str, RunResult, RunResult] | None = None) -> list[dict[str, Any]]:
    """Energy and enstrophy loss across the truncations: falling with T where the hyperdiffusion removes
    them, else reported (the time scheme's loss, common to every T at the shared step); and, with
    `half_step` (label, a run, the same at half its step), falling with the step."""
    prefix = f"{label}: " if label else ""
    out = []
    for key in ("energy", "enstrophy"):
        losses = {name: loss(r, key) for name, r in results.items()}
        source = ref.FALLS if diffusion else ref.TIME_LOSS
        out.append(falls(f"{prefix}{key} loss falls with T", losses, source, judged=diffusion))
        if half_step is not None:
            name, full, half = half_step
            steps = {f"{name} dt": loss(full, key), f"{name} dt/2": loss(half, key)}
            out.append(falls(f"{prefix}{key} loss falls with the step", steps, ref.FALLS_WITH_STEP,
                             scales=[1.0, 2.0]))
    return out


def potential_vorticity_max(zeta: np.ndarray, h: np.ndarray, lat_deg: np.ndarray, omega: float) -> np.ndarray:
    """Largest potential vorticity (zeta + f)/h [1/(m s)] of each snapshot of `zeta`, `h` [time, nlat, nlon]
    (no orography: h is the depth)."""
    f = 2 * omega * np.sin(np.radians(lat_deg))[:, None]
    return np.max((zeta + f) / h, axis=(-2, -1))


def potential_vorticity_check(label: str, series: np.ndarray) -> dict[str, Any]:
    """Galewsky: the largest potential vorticity at the end beside its start, reported.

    q = (zeta + f)/h is carried by the flow in the continuous inviscid equations, but it is no
    invariant of this scheme: the del^8 hyperdiffusion obeys no maximum principle and the truncated
    expansion overshoots at the sharp filaments, so the maximum may rise (dinosaur's does too, by 5
    to 11 % over 6 days at T42-T170); `peers.potential_vorticity_check` compares it across codes.
    """
    first, last = float(series[0]), float(series[-1])
    return check(f"{label}: potential vorticity max [1/(m s)]", "verification", last, None, limit="-",
                 reference=f"start {first:.6e}", relative_change=last / first - 1,
                 source=("scheme: q = (zeta + f)/h is materially conserved without diffusion, but the del^8 "
                         "hyperdiffusion obeys no maximum principle and the truncation overshoots at the "
                         "filaments: no invariant of the scheme, reported"), by_output=[float(x) for x in series])
