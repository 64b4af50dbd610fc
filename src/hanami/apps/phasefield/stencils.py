"""Finite-difference operators of the dendrite model on a cell-centred no-flux box.

Two discretisations of the anisotropic term div(W^2 grad phi) + d_x(-W W_theta d_y phi)
+ d_y(W W_theta d_x phi), i.e. the divergence of the flux
J = (W^2 phi_x - W W_theta phi_y, W^2 phi_y + W W_theta phi_x), W = W0 a(n):

* "compact": J's normal component on the cell faces (the normal derivative across the
  face, the tangential one averaged from the two cells), its divergence across the cell.
  Its isotropic limit is the five-point Laplacian, whose leading error is anisotropic:
  it adds a grid anisotropy to eps4 that slows tips along the axes.
* "isotropic": 1/3 of the face divergence plus 2/3 of a corner one (J at the cell
  corners from the four cells around each, its divergence from the four corners). The
  isotropic limit is then the nine-point Laplacian (1/6 h^2)[1 4 1; 4 -20 4; 1 4 1],
  whose leading error is isotropic (Kumar 2004, J. Comput. Phys. 201, 109; the
  construction follows the weighting of the axis and diagonal five-point stencils there).

The walls are mirror lines: a ghost layer repeats the edge cells, so the normal
derivative on the walls, and with it W_theta and the flux, vanish.

The operators take JAX or NumPy arrays (each uses its arrays' own namespace): the
model runs them compiled, the NumPy peer of `hanami bench` runs the very same code.
"""

from __future__ import annotations

from typing import Any

Array = Any  # a Array or a numpy.ndarray

# Below this |grad phi|^2 the normal is undefined; the bulk uses the mean of
# n_x^4 + n_y^4 over all angles (3/4), where W is then W0 exactly.
_FLAT = 1e-20


def anisotropy(px: Array, py: Array, eps4: float) -> tuple[Array, Array]:
    """a(n) = W/W0 = 1 + eps4 cos 4 theta and its derivative d a / d theta, from grad phi.

    cos 4 theta = 4 (n_x^4 + n_y^4) - 3 and sin 4 theta = 4 n_x n_y (n_x^2 - n_y^2)
    with n = grad phi / |grad phi|: polynomials in the gradient, no arctangent.
    """
    xp = px.__array_namespace__()
    g2 = px * px + py * py
    flat = g2 < _FLAT
    safe = xp.where(flat, 1.0, g2)
    quartic = xp.where(flat, 0.75, (px**4 + py**4) / (safe * safe))
    cross = xp.where(flat, 0.0, px * py * (px * px - py * py) / (safe * safe))
    return 1.0 + eps4 * (4.0 * quartic - 3.0), -16.0 * eps4 * cross


def _flux(px: Array, py: Array, w0: float, eps4: float) -> tuple[Array, Array, Array]:
    """J_x, J_y and the gradient energy density W^2 |grad phi|^2 / 2 from a gradient."""
    a, a_theta = anisotropy(px, py, eps4)
    w, w_theta = w0 * a, w0 * a_theta
    return w * (w * px - w_theta * py), w * (w * py + w_theta * px), 0.5 * (w * w) * (px * px + py * py)


def face_terms(phi: Array, h: float, w0: float, eps4: float
               ) -> tuple[Array, Array, Array, Array]:
    """(J_x on x faces, J_y on y faces, energy density on x faces, on y faces), walls included:
    x faces have shape (nx + 1, ny), y faces (nx, ny + 1)."""
    mirror = phi.__array_namespace__().pad(phi, 1, mode="edge")
    central_y = (mirror[:, 2:] - mirror[:, :-2]) / (2 * h)  # (nx + 2, ny)
    central_x = (mirror[2:, :] - mirror[:-2, :]) / (2 * h)  # (nx, ny + 2)
    flux_x, _, energy_x = _flux((mirror[1:, 1:-1] - mirror[:-1, 1:-1]) / h,
                                0.5 * (central_y[1:, :] + central_y[:-1, :]), w0, eps4)
    _, flux_y, energy_y = _flux(0.5 * (central_x[:, 1:] + central_x[:, :-1]),
                                (mirror[1:-1, 1:] - mirror[1:-1, :-1]) / h, w0, eps4)
    return flux_x, flux_y, energy_x, energy_y


def face_divergence(phi: Array, h: float, w0: float, eps4: float) -> Array:
    """div J from the face fluxes (the "compact" operator)."""
    flux_x, flux_y, _, _ = face_terms(phi, h, w0, eps4)
    return (flux_x[1:, :] - flux_x[:-1, :] + flux_y[:, 1:] - flux_y[:, :-1]) / h


def corner_divergence(phi: Array, h: float, w0: float, eps4: float) -> Array:
    """div J from J at the cell corners, each from the four cells around it."""
    m = phi.__array_namespace__().pad(phi, 1, mode="edge")
    low_low, high_low, low_high, high_high = m[:-1, :-1], m[1:, :-1], m[:-1, 1:], m[1:, 1:]
    px = (high_low + high_high - low_low - low_high) / (2 * h)
    py = (low_high + high_high - low_low - high_low) / (2 * h)
    jx, jy, _ = _flux(px, py, w0, eps4)  # corners: (nx + 1, ny + 1)
    return ((jx[1:, 1:] + jx[1:, :-1] - jx[:-1, 1:] - jx[:-1, :-1])
            + (jy[1:, 1:] + jy[:-1, 1:] - jy[1:, :-1] - jy[:-1, :-1])) / (2 * h)


def anisotropic_divergence(phi: Array, h: float, w0: float, eps4: float, stencil: str) -> Array:
    """div J with the named stencil ("compact" or "isotropic")."""
    if stencil == "compact":
        return face_divergence(phi, h, w0, eps4)
    return (face_divergence(phi, h, w0, eps4) + 2 * corner_divergence(phi, h, w0, eps4)) / 3


def laplacian(u: Array, h: float, stencil: str) -> Array:
    """Five-point ("compact") or isotropic nine-point ("isotropic") Laplacian with no-flux walls."""
    m = u.__array_namespace__().pad(u, 1, mode="edge")
    edges = m[2:, 1:-1] + m[:-2, 1:-1] + m[1:-1, 2:] + m[1:-1, :-2]
    if stencil == "compact":
        return (edges - 4 * u) / h**2
    corners = m[2:, 2:] + m[:-2, 2:] + m[2:, :-2] + m[:-2, :-2]
    return (4 * edges + corners - 20 * u) / (6 * h**2)


def spectral_radius(stencil: str) -> float:
    """The largest |eigenvalue| of the Laplacian stencil times h^2: 8 (five-point), 16/3 (nine-point)."""
    return 8.0 if stencil == "compact" else 16.0 / 3.0
