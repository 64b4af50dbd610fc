"""The pseudo-ECG: extracellular potentials at electrodes from the transmembrane potential.

In an infinite volume conductor of conductivity sigma_e around the tissue, the impressed
current density -sigma_i grad V is the source (Plonsey and Barr, Bioelectricity: A
Quantitative Approach, ch. 8; the pseudo-ECG of Gima and Rudy 2002,
doi:10.1161/01.RES.0000016960.61087.86):

    phi_e(x0) = -1 / (4 pi sigma_e) int sigma_i grad V . grad(1 / |x - x0|) dV
              =  chi Cm / (4 pi sigma_e) int div(D grad V) / |x - x0| dV,

the second form by parts, exact here because no current leaves the tissue (sigma_i =
chi Cm D). An electrode the depolarisation wave moves towards reads positive, one it moves
away from negative. Discretely phi_e(x0) = k sum_i W_i (L V)_i / |x_i - x0| with the
operator's own L and node volumes W, so it costs one operator application and one weighted
sum per lead per sample. Units: chi [mm^-1], Cm [uF/cm^2], sigma_e [S/m], L V [mV/ms],
lengths [mm] give k = 1e-2 chi Cm / (4 pi sigma_e) and phi_e in mV.

Limits: a homogeneous, unbounded conductor (no torso, no bath boundary, no lungs); the
tissue's own extracellular space is not resolved (monodomain); electrodes must lie
outside the tissue (at least one dx from every tissue node) where 1/r is smooth.
"""

from __future__ import annotations

import math

import numpy as np

from hanami.apps.cardiac.stencil import VertexGrid
from hanami.errors import CaseError


def potential_factor(chi: float, cm: float, sigma_e: float) -> float:
    """k of the module docstring [mV per (mV/ms mm^2)]: 1e-2 chi Cm / (4 pi sigma_e)."""
    return 1e-2 * chi * cm / (4.0 * math.pi * sigma_e)


def lead_weights(grid: VertexGrid, volumes: np.ndarray, electrodes: dict[str, tuple[float, ...]],
                 leads: list[tuple[str, str, str | None]], factor: float) -> np.ndarray:
    """(leads, *grid) weights w with lead = sum(w * L V): k W / r at the positive electrode
    minus the same at the negative one (None: a unipolar lead, against zero at infinity)."""
    mesh = np.stack(grid.mesh(), axis=-1)
    tissue = volumes > 0
    per_electrode = {}
    for name, position in electrodes.items():
        r = np.linalg.norm(mesh - np.asarray(position, np.float64), axis=-1)
        nearest = float(r[tissue].min())
        if nearest < min(grid.spacing):
            raise CaseError(f"ecg.electrodes.{name} = {list(position)} mm lies {nearest:.3g} mm from the tissue; "
                            f"an electrode must be at least dx = {min(grid.spacing):g} mm outside it")
        per_electrode[name] = factor * volumes / r
    out = []
    for lead, positive, negative in leads:
        weights = per_electrode[positive]
        out.append(weights - per_electrode[negative] if negative else weights)
    return np.stack(out)
