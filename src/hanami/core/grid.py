"""Rectangular box grids, periodic or with no-flux walls."""

from __future__ import annotations

import dataclasses
from typing import Literal

import numpy as np

Boundary = Literal["periodic", "no-flux"]


@dataclasses.dataclass(frozen=True)
class BoxGrid:
    """A uniform grid on the box [0, L0] x [0, L1] x ... (any dimension).

    Periodic grids put points at x_i = i dx (the point at L is the point at 0);
    no-flux grids are cell centred, x_i = (i + 1/2) dx, so the walls sit half a
    cell outside the first and last points, as the cosine transform expects.

    Arguments:
        shape: points along each axis.
        lengths: box size along each axis [length units of the model].
        boundary: "periodic" or "no-flux" (on every face).
    """

    shape: tuple[int, ...]
    lengths: tuple[float, ...]
    boundary: Boundary = "periodic"

    def __post_init__(self) -> None:
        if len(self.shape) != len(self.lengths):
            raise ValueError(f"shape {self.shape} and lengths {self.lengths} differ in dimension")
        if any(n < 2 for n in self.shape):
            raise ValueError(f"every axis needs at least 2 points, got shape {self.shape}")
        if any(length <= 0 for length in self.lengths):
            raise ValueError(f"lengths must be positive, got {self.lengths}")
        if self.boundary not in ("periodic", "no-flux"):
            raise ValueError(f"boundary must be 'periodic' or 'no-flux', got {self.boundary!r}")

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def spacing(self) -> tuple[float, ...]:
        """Grid spacing dx along each axis [length]."""
        return tuple(length / n for length, n in zip(self.lengths, self.shape))

    @property
    def cell_volume(self) -> float:
        """Area (2D) or volume (3D) of one grid cell, the quadrature weight."""
        return float(np.prod(self.spacing))

    @property
    def size(self) -> int:
        return int(np.prod(self.shape))

    def axis(self, i: int) -> np.ndarray:
        """Coordinates of the points along axis `i` (float64)."""
        offset = 0.0 if self.boundary == "periodic" else 0.5
        return (np.arange(self.shape[i]) + offset) * self.spacing[i]

    def mesh(self) -> tuple[np.ndarray, ...]:
        """Coordinate arrays of full shape ('ij' indexing), float64."""
        return tuple(np.meshgrid(*(self.axis(i) for i in range(self.ndim)), indexing="ij"))
