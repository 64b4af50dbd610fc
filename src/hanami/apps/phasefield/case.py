"""The phase-field case file: grid, model and initial condition tables."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import numpy as np
import pydantic
from pydantic import Discriminator, Field, PositiveFloat, PositiveInt, Tag

from hanami.config import Section
from hanami.core.grid import BoxGrid
from hanami.core.sections import CaseBase


class GridSection(Section):
    """A 1D, 2D or 3D box: `shape` points over `lengths`, periodic or no-flux on every face.

    `"dirichlet-y"` (2D, model.kind = "allen-cahn" only): periodic along x, phi fixed at
    `wall_values` = [at y = 0, at y = lengths[1]] on the two y walls (PFHub BM7).
    """

    shape: list[PositiveInt] = Field(default_factory=lambda: [200, 200], min_length=1, max_length=3)
    lengths: list[PositiveFloat] = Field(default_factory=lambda: [200.0, 200.0], min_length=1, max_length=3)
    boundary: Literal["periodic", "no-flux", "dirichlet-y"] = "periodic"
    wall_values: list[float] = Field(default_factory=lambda: [1.0, 0.0], min_length=2, max_length=2)

    @pydantic.model_validator(mode="after")
    def _same_dimension(self) -> "GridSection":
        if len(self.shape) != len(self.lengths):
            raise ValueError(f"grid.shape {self.shape} and grid.lengths {self.lengths} must have the same length")
        if any(n < 4 for n in self.shape):
            raise ValueError(f"grid.shape {self.shape}: need at least 4 points per axis")
        return self

    def build(self) -> BoxGrid:
        """The box; with Dirichlet walls its points are the cell centres, as on a no-flux box."""
        return BoxGrid(tuple(self.shape), tuple(self.lengths),
                       "no-flux" if self.boundary == "dirichlet-y" else self.boundary)

    def axis_boundaries(self) -> tuple[str, ...]:
        """The boundary of each axis: "periodic", "no-flux" or "dirichlet"."""
        if self.boundary == "dirichlet-y":
            return ("periodic", "dirichlet")
        return (self.boundary,) * len(self.shape)


class CahnHilliardSection(Section):
    """Cahn–Hilliard with the BM1 double well f = rho_s (c - c_alpha)^2 (c_beta - c)^2."""

    kind: Literal["cahn-hilliard"] = "cahn-hilliard"
    kappa: PositiveFloat = 2.0
    mobility: PositiveFloat = 5.0
    rho_s: PositiveFloat = 5.0
    c_alpha: float = 0.3
    c_beta: float = 0.7
    stabilisation: float | None = Field(None, ge=0.0)

    @pydantic.model_validator(mode="after")
    def _wells_ordered(self) -> "CahnHilliardSection":
        if not self.c_alpha < self.c_beta:
            raise ValueError(f"need c_alpha < c_beta, got {self.c_alpha} and {self.c_beta}")
        return self

    def resolved_stabilisation(self) -> float:
        """A = max f''/2 on [c_alpha, c_beta] by default: rho_s (c_beta - c_alpha)^2."""
        if self.stabilisation is not None:
            return self.stabilisation
        return self.rho_s * (self.c_beta - self.c_alpha) ** 2


class DendriteSection(Section):
    """Karma–Rappel solidification of a pure substance (PFHub BM3), in units of W0 and tau0.

    `coupling` (lambda) defaults to D tau0 / (a2 W0^2) with a2 = 0.6267, the thin-interface value at
    which the interface kinetics vanish (Karma & Rappel 1998). `stencil`: "isotropic" (nine-point in
    the isotropic limit, the default) or "compact" (five-point); docs/dendrite.md compares them.
    `u_substeps`: steps of U per step of phi (U's stable step is about five times smaller than phi's in the
    benchmark; 4 runs the phi operator four times less often). eps4 stays below 1/15, above which
    the interface stiffness W + W_theta_theta turns negative for some orientations (missing
    orientations, corners), which this model does not handle.
    """

    kind: Literal["dendrite"]
    w0: PositiveFloat = 1.0
    tau0: PositiveFloat = 1.0
    eps4: float = Field(0.05, ge=0.0, lt=1.0 / 15.0)
    diffusivity: PositiveFloat = 10.0
    coupling: PositiveFloat | None = None
    stencil: Literal["isotropic", "compact"] = "isotropic"
    u_substeps: int = Field(1, ge=1, le=16)

    def resolved_coupling(self) -> float:
        """lambda; D tau0 / (0.6267 W0^2) unless given."""
        if self.coupling is not None:
            return self.coupling
        return self.diffusivity * self.tau0 / (A2 * self.w0**2)


# a2 of the thin-interface asymptotics (Karma & Rappel 1998, eq. 69 and after).
A2 = 0.6267


class OstwaldSection(Section):
    """Ostwald ripening of `order_parameters` particle orientations in a matrix (PFHub BM2).

    `stabilisation` (A of the eta equations) defaults to 2 w, the largest curvature of the
    double well w eta^2 (1 - eta)^2 on [0, 1]; the step-doubling error control keeps the
    scheme accurate, A only damps the explicit part.
    """

    kind: Literal["ostwald-ripening"]
    order_parameters: int = Field(4, ge=1, le=12)
    kappa_c: PositiveFloat = 3.0
    kappa_eta: PositiveFloat = 3.0
    mobility: PositiveFloat = 5.0
    relaxation: PositiveFloat = 5.0
    rho2: PositiveFloat = 2.0
    w: PositiveFloat = 1.0
    alpha: float = Field(5.0, ge=0.0)
    c_alpha: float = 0.3
    c_beta: float = 0.7
    stabilisation: float | None = Field(None, ge=0.0)

    @pydantic.model_validator(mode="after")
    def _wells_ordered(self) -> "OstwaldSection":
        if not self.c_alpha < self.c_beta:
            raise ValueError(f"need c_alpha < c_beta, got {self.c_alpha} and {self.c_beta}")
        return self

    def resolved_stabilisation(self) -> float:
        return self.stabilisation if self.stabilisation is not None else 2.0 * self.w


class RipeningInitialSection(Section):
    """The PFHub BM2 initial state of c and eta_1..eta_p (2D only):

    c = c0 + epsilon [cos(0.105x)cos(0.11y) + (cos(0.13x)cos(0.087y))^2 + cos(0.025x - 0.15y)cos(0.07x - 0.02y)],
    eta_i = epsilon_eta {cos(0.01 i x - 4) cos((0.007 + 0.01 i) y) + cos((0.11 + 0.01 i) x) cos((0.11 + 0.01 i) y)
            + psi [cos((0.046 + 0.001 i) x + (0.0405 + 0.001 i) y) cos((0.031 + 0.001 i) x - (0.004 + 0.001 i) y)]^2}^2.
    """

    kind: Literal["pfhub-bm2"]
    c0: float = 0.5
    epsilon: float = Field(0.05, ge=0.0)
    epsilon_eta: float = Field(0.1, ge=0.0)
    psi: float = 1.5

    def build(self, grid: BoxGrid, count: int) -> tuple[np.ndarray, list[np.ndarray]]:
        """c and the `count` order parameters on `grid` (float64)."""
        x, y = grid.mesh()
        c = self.c0 + self.epsilon * bm1_perturbation(x, y)
        etas = []
        for i in range(1, count + 1):
            a, b = 0.046 + 0.001 * i, 0.031 + 0.001 * i
            inner = (np.cos(0.01 * i * x - 4) * np.cos((0.007 + 0.01 * i) * y)
                     + np.cos((0.11 + 0.01 * i) * x) * np.cos((0.11 + 0.01 * i) * y)
                     + self.psi * (np.cos(a * x + (0.0405 + 0.001 * i) * y)
                                   * np.cos(b * x - (0.004 + 0.001 * i) * y)) ** 2)
            etas.append(self.epsilon_eta * inner**2)
        return c, etas


def bm1_perturbation(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The PFHub BM1/BM2 composition perturbation (amplitude about 1)."""
    return (np.cos(0.105 * x) * np.cos(0.11 * y) + (np.cos(0.13 * x) * np.cos(0.087 * y)) ** 2
            + np.cos(0.025 * x - 0.15 * y) * np.cos(0.07 * x - 0.02 * y))


class AllenCahnSection(Section):
    """Allen–Cahn relaxation of phi in [0, 1] (PFHub BM7, BM8); f = w phi^2 (1 - phi)^2 - df p(phi).

    `scheme`: the IMEX Runge-Kutta pair, "imex-euler" (first order), "imex-sil3" (second) or
    "imex-ark3" (third, L-stable; default); the diffusion term is implicit, so the step is
    limited by accuracy and by the reaction term (dt < about 1 / (mobility w)), not by dx.
    """

    kind: Literal["allen-cahn"]
    kappa: PositiveFloat = 1.0
    w: PositiveFloat = 1.0
    driving_force: float = 0.0
    mobility: PositiveFloat = 1.0
    scheme: Literal["imex-euler", "imex-sil3", "imex-ark3"] = "imex-ark3"


class ManufacturedSection(Section):
    """The PFHub BM7 manufactured solution eta = [1 - tanh((y - alpha) / sqrt(2 kappa))] / 2 with
    alpha = 1/4 + a1 t sin(b1 x) + a2 sin(b2 x + c2 t); b1, b2, c2 given over pi (the statement's
    8 pi, 22 pi, 0.0625 pi). It sets phi at t = 0 and the source term of every step.
    """

    kind: Literal["pfhub-bm7"]
    a1: float = 0.0075
    b1_over_pi: float = 8.0
    a2: float = 0.03
    b2_over_pi: float = 22.0
    c2_over_pi: float = 0.0625


class NucleiSection(Section):
    """Solid seeds in liquid for model.kind = "allen-cahn" (PFHub BM8), phi = 1 solid, 0 liquid.

    `count` seeds of radius `radius_over_critical` r* (r* = sqrt(2 kappa w) / (6 df)), at the box
    centre (`placement = "centre"`, count 1: BM8a) or at uniform random places (`"random"`) drawn
    with `seed`. `until = 0`: all at t = 0 (BM8b); `until > 0`: each at a uniform random time in
    [0, until) (BM8c, a constant nucleation rate). Profile: [1 - tanh((r - r0) / (sqrt(2) l))] / 2,
    l = sqrt(kappa / w); overlaps add and are clipped to 1.
    """

    kind: Literal["nuclei"]
    count: PositiveInt = 1
    radius_over_critical: PositiveFloat = 1.01
    placement: Literal["centre", "random"] = "centre"
    seed: int = Field(0, ge=0)
    until: float = Field(0.0, ge=0.0)

    @pydantic.model_validator(mode="after")
    def _centre_is_one(self) -> "NucleiSection":
        if self.placement == "centre" and (self.count != 1 or self.until > 0):
            raise ValueError("initial.placement = 'centre' places one seed at t = 0: count = 1, until = 0; "
                             "use placement = 'random' for more")
        return self


class SeedSection(Section):
    """A circular solid seed in undercooled liquid: phi = +1 inside `radius` around `centre`, -1 outside.

    `profile = "sharp"` jumps at r = radius, as the PFHub BM3 statement writes it;
    `"tanh"` gives the equilibrium profile -tanh((r - radius) / (sqrt(2) W0)).
    U = `undercooling` (Delta, negative below the melting point) everywhere.
    """

    kind: Literal["seed"]
    radius: PositiveFloat = 8.0
    centre: list[float] = Field(default_factory=lambda: [0.0, 0.0], min_length=2, max_length=2)
    undercooling: float = -0.3
    profile: Literal["sharp", "tanh"] = "sharp"

    def build(self, grid: BoxGrid, w0: float) -> tuple[np.ndarray, np.ndarray]:
        """The initial phi and U on `grid` (float64)."""
        x, y = grid.mesh()
        distance = np.hypot(x - self.centre[0], y - self.centre[1]) - self.radius
        if self.profile == "sharp":
            phi = np.where(distance < 0, 1.0, -1.0)
        else:
            phi = -np.tanh(distance / (np.sqrt(2.0) * w0))
        return phi, np.full(grid.shape, self.undercooling)


class InitialSection(Section):
    """Initial c.

    `pfhub-bm1`: c0 + epsilon [cos(0.105x)cos(0.11y) + (cos(0.13x)cos(0.087y))^2
    + cos(0.025x - 0.15y)cos(0.07x - 0.02y)] (2D only). `random`: c0 plus
    uniform noise of half-width `epsilon` from `seed`. `constant`: c0.
    """

    kind: Literal["pfhub-bm1", "random", "constant"] = "pfhub-bm1"
    c0: float = 0.5
    epsilon: float = Field(0.01, ge=0.0)
    seed: int = 0

    def build(self, grid: BoxGrid) -> np.ndarray:
        if self.kind == "constant":
            return np.full(grid.shape, self.c0)
        if self.kind == "random":
            rng = np.random.default_rng(self.seed)
            return self.c0 + self.epsilon * (2 * rng.random(grid.shape) - 1)
        if grid.ndim != 2:
            raise ValueError("initial.kind = 'pfhub-bm1' is defined in 2D only; use 'random' in 3D")
        x, y = grid.mesh()
        return self.c0 + self.epsilon * bm1_perturbation(x, y)


def _kind(value: Any) -> str | None:
    return value.get("kind") if isinstance(value, dict) else getattr(value, "kind", None)


def _model_tag(value: Any) -> str:
    """The `model` table's member of the union: its `kind`, Cahn–Hilliard when it has none."""
    return _kind(value) or "cahn-hilliard"


def _initial_tag(value: Any) -> str:
    """The `initial` table's member: a seed (phi, U), the BM2 state (c, eta) or a composition field (c)."""
    return {"seed": "seed", "pfhub-bm2": "ripening", "pfhub-bm7": "manufactured",
            "nuclei": "nuclei"}.get(_kind(value) or "", "field")


class PhaseFieldCase(CaseBase):
    app: Literal["phasefield"]
    grid: GridSection = GridSection()
    model: Annotated[Annotated[CahnHilliardSection, Tag("cahn-hilliard")] | Annotated[DendriteSection, Tag("dendrite")]
                     | Annotated[OstwaldSection, Tag("ostwald-ripening")]
                     | Annotated[AllenCahnSection, Tag("allen-cahn")], Discriminator(_model_tag)] = CahnHilliardSection()
    initial: Annotated[Annotated[InitialSection, Tag("field")] | Annotated[SeedSection, Tag("seed")]
                       | Annotated[RipeningInitialSection, Tag("ripening")]
                       | Annotated[ManufacturedSection, Tag("manufactured")]
                       | Annotated[NucleiSection, Tag("nuclei")], Discriminator(_initial_tag)] = InitialSection()

    @pydantic.model_validator(mode="after")
    def _initial_fits_grid(self) -> "PhaseFieldCase":
        if self.initial.kind == "pfhub-bm1" and len(self.grid.shape) != 2:
            raise ValueError("initial.kind = 'pfhub-bm1' needs a 2D grid; use initial.kind = 'random' in 1D/3D")
        needs = {"dendrite": ("seed",), "ostwald-ripening": ("pfhub-bm2",), "allen-cahn": ("pfhub-bm7", "nuclei")}.get(
            self.model.kind, ("pfhub-bm1", "random", "constant"))
        if self.initial.kind not in needs:
            raise ValueError(f"model.kind = {self.model.kind!r} starts from initial.kind = "
                             f"{' or '.join(repr(k) for k in needs)}, not {self.initial.kind!r}")
        if self.model.kind == "dendrite":
            self._check_dendrite()
        if self.initial.kind in ("pfhub-bm2", "pfhub-bm7") and len(self.grid.shape) != 2:
            raise ValueError(f"initial.kind = {self.initial.kind!r} is defined on a 2D grid")
        if self.grid.boundary == "dirichlet-y" and (self.model.kind != "allen-cahn" or len(self.grid.shape) != 2):
            raise ValueError("grid.boundary = 'dirichlet-y' is for a 2D grid with model.kind = 'allen-cahn'")
        if self.model.kind == "allen-cahn" and self.time.adaptive:
            raise ValueError("model.kind = 'allen-cahn' steps at a fixed step: set time.adaptive = false")
        if self.initial.kind == "nuclei" and (len(self.grid.shape) != 2 or self.grid.boundary == "dirichlet-y"
                                              or self.model.driving_force <= 0):
            raise ValueError("initial.kind = 'nuclei' needs a 2D periodic or no-flux grid and model.driving_force "
                             "> 0 (it sets the critical radius)")
        return self

    def _check_dendrite(self) -> None:
        grid = self.grid
        if len(grid.shape) != 2 or grid.boundary != "no-flux":
            raise ValueError("model.kind = 'dendrite' runs on a 2D grid with grid.boundary = 'no-flux'")
        dx, dy = (length / n for length, n in zip(grid.lengths, grid.shape))
        if abs(dx - dy) > 1e-9 * dx:
            raise ValueError(f"model.kind = 'dendrite' needs equal spacing on both axes, got {dx:g} and {dy:g} "
                             "(grid.lengths / grid.shape)")
        if self.time.adaptive:
            raise ValueError("model.kind = 'dendrite' steps with forward Euler at a fixed step: set "
                             "time.adaptive = false and time.dt below the stability limit")
