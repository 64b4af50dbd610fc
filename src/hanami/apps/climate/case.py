"""The climate case file: grid, model and initial condition tables.

Times are in seconds; every time key also takes a string with a unit
("15 days", "6 h", "900 s"). The leapfrog scheme needs a constant step, so with
it the stop time, the output times and intervals and the checkpoint interval
must be whole multiples of `time.dt` (checked here, at load time); the IMEX
Runge-Kutta schemes take a shortened step to land on such a time.
"""

from __future__ import annotations

import math
from typing import ClassVar, Literal

import numpy as np
import pydantic
from pydantic import Field, PositiveFloat

from hanami.apps.climate.initial import Planet
from hanami.config import Section
from hanami.core.sections import CaseBase, Duration, PositiveDuration, TimeSection
from hanami.core.sphere import SphereGrid


class ClimateGridSection(Section):
    """Gaussian grid for triangular truncation T; nlon defaults to an FFT-friendly even number >= 3T + 1,
    nlat to nlon / 2."""

    truncation: int = Field(42, ge=2, le=1023)
    nlon: int | None = Field(None, ge=8)
    nlat: int | None = Field(None, ge=4)

    @pydantic.model_validator(mode="after")
    def _resolvable(self) -> "ClimateGridSection":
        t = self.truncation
        if self.nlon is not None and self.nlon < 3 * t + 1:
            raise ValueError(f"grid.nlon = {self.nlon} aliases the quadratic terms at T = {t}: need nlon >= 3T + 1 "
                             f"= {3 * t + 1} (or leave nlon out)")
        if self.nlat is not None and self.nlat < (3 * t + 1) / 2:
            raise ValueError(f"grid.nlat = {self.nlat} is too small for T = {t}: need nlat >= (3T + 1)/2 "
                             f"= {math.ceil((3 * t + 1) / 2)} (or leave nlat out)")
        return self

    def build(self, radius: float) -> SphereGrid:
        return SphereGrid.T(self.truncation, self.nlon, self.nlat, radius)


class ShallowWaterSection(Section):
    """Planet constants, time scheme and hyperdiffusion.

    `scheme = "leapfrog-raw"`: semi-implicit leapfrog with the Robert-Asselin-Williams
    filter (strength `raw_nu`, split `raw_alpha`; 1 gives the Robert-Asselin filter).
    `"imex-ark3"`: IMEX Runge-Kutta ARK3(2)4L[2]SA (Kennedy & Carpenter 2003), third
    order, four transforms per step; `"imex-sil3"`: SIL3 (Whitaker & Kar 2013),
    second order, three. Both treat the gravity-wave terms and the hyperdiffusion
    implicitly and ignore `raw_nu`, `raw_alpha`.
    Hyperdiffusion of order `diffusion_order` (the power of the gradient: 2 is
    diffusion, 4 bi-harmonic, ...) acts on vorticity and divergence with
    e-folding time `diffusion_time` at the truncation scale (off when absent or 0).
    """

    kind: Literal["shallow-water"] = "shallow-water"
    radius: PositiveFloat = 6.37122e6
    omega: float = 7.292e-5
    gravity: PositiveFloat = 9.80616
    scheme: Literal["leapfrog-raw", "imex-ark3", "imex-sil3"] = "leapfrog-raw"
    raw_nu: float = Field(0.2, ge=0.0, le=1.0)
    raw_alpha: float = Field(0.53, ge=0.5, le=1.0)
    diffusion_order: Literal[2, 4, 6, 8] = 4
    diffusion_time: Duration | None = Field(None, ge=0.0)

    def planet(self) -> Planet:
        return Planet(self.radius, self.omega, self.gravity)


class InitialSection(Section):
    """Initial state.

    `williamson-2`: steady zonal flow tilted by `alpha` [rad] (Williamson et al. 1992, test 2).
    `williamson-5`: zonal flow over an isolated mountain (test 5).
    `williamson-6`: Rossby-Haurwitz wave 4 (test 6).
    `galewsky`: the Galewsky et al. (2004) jet with a height bump of `perturbation` [m]
    (0 gives the steady jet).
    `u0` [m/s] is the zonal wind of tests 2 and 5 (default: each test's own, 2 pi a / 12 days
    and 20 m/s); `mountain_height` [m] is test 5's mountain (default 2000 m).
    """

    kind: Literal["williamson-2", "williamson-5", "williamson-6", "galewsky"] = "williamson-2"
    alpha: float = Field(0.0, ge=-np.pi, le=np.pi)
    perturbation: float = Field(120.0, ge=0.0)
    u0: float | None = Field(None, ge=-200.0, le=200.0)
    mountain_height: float = Field(2000.0, ge=0.0, le=5000.0)

    @pydantic.model_validator(mode="after")
    def _keys_used(self) -> "InitialSection":
        if self.alpha != 0.0 and self.kind != "williamson-2":
            raise ValueError(f"initial.alpha applies to kind = 'williamson-2' only, not {self.kind!r}")
        if self.u0 is not None and self.kind not in ("williamson-2", "williamson-5"):
            raise ValueError(f"initial.u0 applies to kinds 'williamson-2' and 'williamson-5' only, not {self.kind!r}")
        if self.mountain_height != 2000.0 and self.kind != "williamson-5":
            raise ValueError(f"initial.mountain_height applies to kind = 'williamson-5' only, not {self.kind!r}")
        return self


class ClimateTimeSection(TimeSection):
    """A constant step `dt` [s] (or with a unit); the climate schemes have no adaptive mode."""

    dt: PositiveDuration = 900.0
    adaptive: bool = False

    @pydantic.model_validator(mode="after")
    def _fixed(self) -> "ClimateTimeSection":
        if self.adaptive:
            raise ValueError("time.adaptive = true is not available for the climate app (its schemes take a "
                             "constant step); set time.adaptive = false and choose time.dt")
        return self


def _multiple(value: float, dt: float) -> bool:
    k = value / dt
    return abs(k - round(k)) <= 1e-9 * max(1.0, k)


class ClimateCase(CaseBase):
    time_unit_s: ClassVar[float | None] = 1.0  # seconds

    app: Literal["climate"]
    time: ClimateTimeSection = ClimateTimeSection()
    grid: ClimateGridSection = ClimateGridSection()
    model: ShallowWaterSection = ShallowWaterSection()
    initial: InitialSection = InitialSection()

    @pydantic.model_validator(mode="after")
    def _steps_land(self) -> "ClimateCase":
        if self.model.scheme != "leapfrog-raw":
            return self  # a Runge-Kutta step may be shortened to land on a time
        dt = self.time.dt
        keys: list[tuple[str, float]] = [("stop.time", self.stop.time or 0.0), ("output.interval", self.output.interval),
                                         ("checkpoint.interval", self.checkpoint.interval)]
        keys += [("output.times", t) for t in self.output.times]
        for key, value in keys:
            if value and not _multiple(value, dt):
                raise ValueError(f"{key} = {value:g} s is not a whole number of steps of time.dt = {dt:g} s; "
                                 "the leapfrog scheme needs a constant step: change one of them")
        return self

