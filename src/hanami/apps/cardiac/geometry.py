"""An analytic left ventricle: a truncated prolate-spheroid wall and its rule-based fibres.

Geometry after the cardiac-mechanics benchmark of Land et al. 2015 (Proc. R. Soc. A 471:
20150641, doi:10.1098/rspa.2015.0641, problem 2): the endocardium is the spheroid
(x^2 + y^2) / 7^2 + z^2 / 17^2 = 1 and the epicardium (x^2 + y^2) / 10^2 + z^2 / 20^2 = 1 [mm]
about the centre, cut by the base plane z = 5 mm; the wall is what lies between them.

Transmural depth t (0 on the endocardium, 1 on the epicardium): the spheroids with radii
interpolated linearly, a(t) = 7 + 3 t and b(t) = 17 + 3 t, fill the wall, and a node's t is
the one whose spheroid passes through it (found by bisection). Fibres (rule-based, after
Streeter et al. 1969, doi:10.1161/01.RES.24.3.339, and Bayer et al. 2012,
doi:10.1007/s10439-012-0593-5) lie in the plane tangent to that spheroid at the helix angle

    alpha(t) = alpha_endo + (alpha_epi - alpha_endo) t,   f = cos(alpha) e_c + sin(alpha) e_l,

e_c the circumferential direction (counter-clockwise seen from the base) and e_l the
longitudinal one (in the meridian plane, tangent to the spheroid, towards the base).

The box's nodes hold the ventricle with its long axis along z, centre at (Lx/2, Ly/2, Lz - 5):
the base plane is the box's top face z = Lz, the epicardial apex 20 mm below the centre.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from hanami.apps.cardiac.stencil import VertexGrid

ENDO = (7.0, 17.0)  # short and long radius of the endocardium [mm]
EPI = (10.0, 20.0)  # of the epicardium [mm]
BASE = 5.0  # the base plane's height above the centre [mm]


@dataclasses.dataclass(frozen=True)
class Ventricle:
    """The analytic LV on a grid: `tissue` (bool), `depth` t (NaN outside), `centre` [mm]."""

    tissue: np.ndarray
    depth: np.ndarray
    centre: tuple[float, float, float]


def lv_centre(grid: VertexGrid) -> tuple[float, float, float]:
    """Where the centre goes in the box; a `ValueError` (the case check's message) if the ventricle does not fit."""
    if grid.ndim != 3:
        raise ValueError("grid.tissue = \"lv-ellipsoid\" needs a 3D grid")
    lx, ly, lz = grid.lengths
    need = (2 * EPI[0], 2 * EPI[0], EPI[1] + BASE)
    if lx < need[0] or ly < need[1] or lz < need[2]:
        raise ValueError(f"grid.lengths = {list(grid.lengths)} mm cannot hold the LV of grid.tissue = "
                        f"\"lv-ellipsoid\" (it needs at least {list(need)} mm: 10 mm epicardial radius, 20 mm "
                        f"from the apex to the centre and {BASE:g} mm to the base)")
    return (lx / 2, ly / 2, lz - BASE)


def _level(r: np.ndarray, z: np.ndarray, t: np.ndarray) -> np.ndarray:
    a, b = ENDO[0] + (EPI[0] - ENDO[0]) * t, ENDO[1] + (EPI[1] - ENDO[1]) * t
    return (r / a) ** 2 + (z / b) ** 2 - 1.0


def ventricle(grid: VertexGrid) -> Ventricle:
    """The wall's nodes and their transmural depth."""
    centre = lv_centre(grid)
    x, y, z = (c - c0 for c, c0 in zip(grid.mesh(), centre))
    r = np.hypot(x, y)
    tissue = (_level(r, z, np.zeros_like(r)) >= 0) & (_level(r, z, np.ones_like(r)) <= 0) & (z <= BASE)
    low, high = np.zeros_like(r), np.ones_like(r)
    for _ in range(50):  # the level decreases with t: bisection to 1e-15
        mid = 0.5 * (low + high)
        outside = _level(r, z, mid) > 0
        low, high = np.where(outside, mid, low), np.where(outside, high, mid)
    depth = np.where(tissue, 0.5 * (low + high), np.nan)
    return Ventricle(tissue, depth, centre)


def lv_fibres(grid: VertexGrid, angle_endo: float, angle_epi: float) -> np.ndarray:
    """Unit fibres at every node (the rule inside the wall; outside, that of the endocardium's depth 0)."""
    lv = ventricle(grid)
    x, y, z = (c - c0 for c, c0 in zip(grid.mesh(), lv.centre))
    t = np.clip(np.nan_to_num(lv.depth, nan=0.0), 0.0, 1.0)
    a, b = ENDO[0] + (EPI[0] - ENDO[0]) * t, ENDO[1] + (EPI[1] - ENDO[1]) * t
    r = np.hypot(x, y)
    on_axis = r < 1e-9
    # circumferential: counter-clockwise about z (any direction on the axis itself)
    e_c = np.stack([np.where(on_axis, 1.0, -y / np.where(on_axis, 1.0, r)),
                    np.where(on_axis, 0.0, x / np.where(on_axis, 1.0, r)), np.zeros_like(r)], axis=-1)
    # the spheroid's normal in the meridian plane is (r / a^2, z / b^2); its tangent towards the base:
    normal_r, normal_z = r / a ** 2, z / b ** 2
    length = np.hypot(normal_r, normal_z)
    length = np.where(length > 0, length, 1.0)
    tangent_r, tangent_z = -normal_z / length, normal_r / length
    radial = np.stack([np.where(on_axis, 0.0, x / np.where(on_axis, 1.0, r)),
                       np.where(on_axis, 0.0, y / np.where(on_axis, 1.0, r)), np.zeros_like(r)], axis=-1)
    e_l = tangent_r[..., None] * radial + tangent_z[..., None] * np.array([0.0, 0.0, 1.0])
    e_l = np.where((np.linalg.norm(e_l, axis=-1) > 0)[..., None], e_l, np.array([0.0, 1.0, 0.0]))
    e_l = e_l / np.linalg.norm(e_l, axis=-1, keepdims=True)
    alpha = np.deg2rad(angle_endo + (angle_epi - angle_endo) * t)[..., None]
    fibres = np.cos(alpha) * e_c + np.sin(alpha) * e_l
    return fibres / np.linalg.norm(fibres, axis=-1, keepdims=True)


def wall_volume() -> float:
    """The analytic volume of the truncated wall [mm^3]: epicardial minus endocardial cap below z = BASE.

    A spheroid (a, b) below the plane z = h (|h| < b) holds pi a^2 (2 b / 3 + h - h^3 / (3 b^2)).
    """
    def below(a: float, b: float, h: float) -> float:
        return np.pi * a ** 2 * (2 * b / 3 + h - h ** 3 / (3 * b ** 2))

    return below(*EPI, BASE) - below(*ENDO, BASE)
