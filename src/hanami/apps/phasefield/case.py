"""The phase-field case file: grid, model and initial condition tables."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pydantic
from pydantic import Field, PositiveFloat, PositiveInt

from hanami.config import Section
from hanami.core.grid import BoxGrid
from hanami.core.sections import CaseBase


class GridSection(Section):
    """A 2D or 3D box: `shape` points over `lengths`, periodic or no-flux on every face."""

    shape: list[PositiveInt] = Field(default_factory=lambda: [200, 200], min_length=1, max_length=3)
    lengths: list[PositiveFloat] = Field(default_factory=lambda: [200.0, 200.0], min_length=1, max_length=3)
    boundary: Literal["periodic", "no-flux"] = "periodic"

    @pydantic.model_validator(mode="after")
    def _same_dimension(self) -> "GridSection":
        if len(self.shape) != len(self.lengths):
            raise ValueError(f"grid.shape {self.shape} and grid.lengths {self.lengths} must have the same length")
        if any(n < 4 for n in self.shape):
            raise ValueError(f"grid.shape {self.shape}: need at least 4 points per axis")
        return self

    def build(self) -> BoxGrid:
        return BoxGrid(tuple(self.shape), tuple(self.lengths), self.boundary)


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
        return self.c0 + self.epsilon * (
            np.cos(0.105 * x) * np.cos(0.11 * y)
            + (np.cos(0.13 * x) * np.cos(0.087 * y)) ** 2
            + np.cos(0.025 * x - 0.15 * y) * np.cos(0.07 * x - 0.02 * y)
        )


class PhaseFieldCase(CaseBase):
    app: Literal["phasefield"]
    grid: GridSection = GridSection()
    model: CahnHilliardSection = CahnHilliardSection()
    initial: InitialSection = InitialSection()

    @pydantic.model_validator(mode="after")
    def _initial_fits_grid(self) -> "PhaseFieldCase":
        if self.initial.kind == "pfhub-bm1" and len(self.grid.shape) != 2:
            raise ValueError("initial.kind = 'pfhub-bm1' needs a 2D grid; use initial.kind = 'random' in 1D/3D")
        return self
