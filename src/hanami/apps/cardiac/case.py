"""The cardiac case file: grid (absent for a single cell), model and stimulus tables.

Units: lengths [mm], times [ms], conductivities [S/m], chi [mm^-1],
Cm [uF/cm^2], stimulus strength [uA/cm^3] (volume current) or [pA/pF].
"""

from __future__ import annotations

from typing import ClassVar, Literal

import pydantic
from pydantic import Field, PositiveFloat, PositiveInt

from hanami.apps.cardiac.stimulus import Protocol, per_capacitance
from hanami.config import Section
from hanami.core.sections import CaseBase, TimeSection
from hanami.apps.cardiac.geometry import lv_centre
from hanami.apps.cardiac.stencil import VertexGrid


def _file_choice(key: str, value: str, file_key: str, path: str | None, holds: str) -> None:
    """`key = "file"` and `file_key` come together: one without the other is an error."""
    if value == "file" and not path:
        raise ValueError(f'{key} = "file" needs {file_key}, the path of the NetCDF or Zarr file with {holds}')
    if path and value != "file":
        raise ValueError(f'{file_key} is given but {key} = "{value}"; set {key} = "file" to use it')


class GridSection(Section):
    """A box [0, L0] x [0, L1] x ... with nodes every `dx` (on the faces too), no flux through every face.

    `tissue` says which nodes are tissue: "box" (all), "file" (variable `tissue`, non-zero on
    tissue nodes, on the grid's nodes in `tissue_file`, a NetCDF file or Zarr store with
    dimensions x, y, z; see docs/cardiac.md) or "lv-ellipsoid" (the analytic left ventricle of
    Land et al. 2015, a truncated prolate-spheroid wall, its base on the box's top face). The
    tissue is the union of the cells whose corners are all tissue nodes; no current crosses its
    boundary.
    """

    lengths: list[PositiveFloat] = Field(default_factory=lambda: [20.0, 7.0, 3.0], min_length=1, max_length=3)
    dx: PositiveFloat = 0.5
    tissue: Literal["box", "file", "lv-ellipsoid"] = "box"
    tissue_file: str | None = None

    @pydantic.model_validator(mode="after")
    def _whole_cells(self) -> "GridSection":
        grid = self.build()
        if self.tissue == "lv-ellipsoid":
            lv_centre(grid)
        _file_choice("grid.tissue", self.tissue, "grid.tissue_file", self.tissue_file, "the variable tissue on the nodes")
        return self

    def build(self) -> VertexGrid:
        return VertexGrid.from_spacing(tuple(self.lengths), self.dx)


class ModelSection(Section):
    """Monodomain parameters and the ionic model.

    `fibre_field` chooses the fibre direction at the nodes (sigma_l acts along
    it, sigma_t across it):

    * "uniform": `fibre` everywhere (any length, normalised), one component per
      grid axis;
    * "rotational": in the x-y plane at an angle from the x axis that varies
      linearly through the wall, from `fibre_angle_endo` at z = 0 to
      `fibre_angle_epi` at z = Lz [degrees] (3D grids);
    * "lv-rule": on the analytic ventricle (grid.tissue = "lv-ellipsoid"), the helix
      angle from the circumferential direction varies linearly through the wall from
      `fibre_angle_endo` to `fibre_angle_epi` [degrees];
    * "file": read from `fibre_file` (NetCDF file or Zarr store, variables
      fibre_x, fibre_y, fibre_z on dimensions x, y, z; see docs/cardiac.md),
      a path absolute or relative to the directory hanami runs in.

    A field other than "uniform" uses the conservative variable-tensor operator.
    `diffusion` is "explicit" (forward Euler, dt limited by stability) or
    "implicit" (backward Euler by conjugate gradients, any dt).
    """

    ionic: Literal["tp06"] = "tp06"
    cell_type: Literal["epi", "endo", "m"] = "epi"
    chi: PositiveFloat = 140.0
    cm: PositiveFloat = 1.0
    sigma_l: PositiveFloat = 0.1334
    sigma_t: PositiveFloat = 0.01761
    fibre: list[float] = Field(default_factory=lambda: [1.0, 0.0, 0.0], min_length=1, max_length=3)
    fibre_field: Literal["uniform", "rotational", "lv-rule", "file"] = "uniform"
    fibre_angle_endo: float = Field(-60.0, ge=-180.0, le=180.0)
    fibre_angle_epi: float = Field(60.0, ge=-180.0, le=180.0)
    fibre_file: str | None = None
    diffusion: Literal["explicit", "implicit"] = "explicit"
    cg_tolerance: float = Field(1e-8, gt=0.0, lt=1.0)
    cg_maxiter: PositiveInt = 500

    @pydantic.field_validator("fibre")
    @classmethod
    def _nonzero(cls, fibre: list[float]) -> list[float]:
        if not any(fibre):
            raise ValueError("the fibre direction must not be the zero vector")
        return fibre

    @pydantic.model_validator(mode="after")
    def _field_source(self) -> "ModelSection":
        _file_choice("model.fibre_field", self.fibre_field, "model.fibre_file", self.fibre_file,
                     "fibre_x, fibre_y, fibre_z")
        return self


class StimulusSection(Section):
    """A stimulus protocol: windows [start + k period, start + k period + duration), k < count,
    in the box [lower, upper] [mm] (not needed for a single cell). `strength` is the magnitude
    of the depolarising current in `unit`."""

    strength: PositiveFloat
    unit: Literal["uA/cm^3", "pA/pF"] = "uA/cm^3"
    start: float = Field(0.0, ge=0.0)
    duration: PositiveFloat = 1.0
    period: PositiveFloat = 1000.0
    count: PositiveInt = 1
    lower: list[float] = Field(default_factory=list, max_length=3)
    upper: list[float] = Field(default_factory=list, max_length=3)

    @pydantic.model_validator(mode="after")
    def _window(self) -> "StimulusSection":
        if self.count > 1 and self.duration >= self.period:
            raise ValueError(f"stimulus duration {self.duration} must be shorter than its period {self.period}")
        if len(self.lower) != len(self.upper):
            raise ValueError(f"stimulus lower {self.lower} and upper {self.upper} differ in length")
        if any(lo > hi for lo, hi in zip(self.lower, self.upper)):
            raise ValueError(f"stimulus box is empty: lower {self.lower} exceeds upper {self.upper}")
        return self

    def protocol(self, chi: float, cm: float) -> Protocol:
        strength = self.strength if self.unit == "pA/pF" else per_capacitance(self.strength, chi, cm)
        return Protocol(strength=strength, start=self.start, duration=self.duration, period=self.period,
                        count=self.count, lower=tuple(self.lower), upper=tuple(self.upper))


class LeadSection(Section):
    """One pseudo-ECG lead: the potential at electrode `positive` minus that at `negative` (none: unipolar)."""

    name: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")
    positive: str
    negative: str | None = None


class EcgSection(Section):
    """Pseudo-ECG (docs/cardiac.md): `electrodes` by name at positions [mm] outside the tissue, `leads`
    built from them (none given: one unipolar lead per electrode), in a volume conductor of
    conductivity `sigma_e` [S/m] (the potentials scale as 1 / sigma_e). Sampled with the
    diagnostics (every `diagnostics.every_iterations` steps) into diagnostics.nc and ecg.png."""

    electrodes: dict[str, list[float]] = Field(default_factory=dict, description="name = [x, y, z] in mm")
    leads: list[LeadSection] = Field(default_factory=list)
    sigma_e: PositiveFloat = 1.0

    @pydantic.model_validator(mode="after")
    def _known_electrodes(self) -> "EcgSection":
        for name in self.electrodes:
            if not name.replace("_", "").isalnum() or not name[0].isalpha():
                raise ValueError(f"electrode name {name!r}: use letters, digits and _ (starting with a letter)")
        for lead in self.leads:
            for end in (lead.positive, lead.negative):
                if end is not None and end not in self.electrodes:
                    raise ValueError(f"lead {lead.name!r} uses electrode {end!r}; electrodes are "
                                     f"{', '.join(self.electrodes) or 'none'}")
        names = [lead.name for lead in self.leads]
        if len(set(names)) != len(names):
            raise ValueError(f"lead names {names} repeat")
        return self

    def resolved_leads(self) -> list[tuple[str, str, str | None]]:
        """(name, positive, negative) of every lead."""
        if self.leads:
            return [(lead.name, lead.positive, lead.negative) for lead in self.leads]
        return [(name, name, None) for name in self.electrodes]


class CardiacCase(CaseBase):
    """Monodomain tissue when `grid` is given, a single paced cell otherwise."""

    time_unit_s: ClassVar[float | None] = 1e-3  # milliseconds

    app: Literal["cardiac"]
    time: TimeSection = TimeSection(dt=0.01, adaptive=False)
    grid: GridSection | None = None
    model: ModelSection = ModelSection()
    stimulus: list[StimulusSection] = Field(default_factory=list)
    ecg: EcgSection = EcgSection()

    @pydantic.model_validator(mode="after")
    def _consistent(self) -> "CardiacCase":
        if self.time.adaptive:
            raise ValueError("cardiac runs use a fixed step: set time.adaptive = false")
        if self.grid is None:
            if any(s.unit != "pA/pF" for s in self.stimulus):
                raise ValueError("a single cell (no [grid]) takes stimulus strength in unit = \"pA/pF\"")
            if self.ecg.electrodes:
                raise ValueError("a single cell (no [grid]) has no pseudo-ECG: remove [ecg]")
            return self
        dim = len(self.grid.lengths)
        if self.model.fibre_field == "lv-rule" and self.grid.tissue != "lv-ellipsoid":
            raise ValueError('model.fibre_field = "lv-rule" follows the analytic ventricle: set grid.tissue = '
                             '"lv-ellipsoid"')
        if self.model.fibre_field == "rotational" and dim != 3:
            raise ValueError(f'model.fibre_field = "rotational" needs a 3D grid (z across the wall), '
                             f"grid.lengths has {dim} entries")
        if len(self.model.fibre) != dim:
            raise ValueError(f"model.fibre {self.model.fibre} needs {dim} components, one per grid axis")
        for name, position in self.ecg.electrodes.items():
            if len(position) != dim:
                raise ValueError(f"ecg.electrodes.{name} needs {dim} coordinates [mm], one per grid axis")
        for i, s in enumerate(self.stimulus):
            if len(s.lower) != dim:
                raise ValueError(f"stimulus[{i}] needs lower and upper corners with {dim} coordinates [mm]")
        return self

    def protocols(self) -> tuple[Protocol, ...]:
        return tuple(s.protocol(self.model.chi, self.model.cm) for s in self.stimulus)
