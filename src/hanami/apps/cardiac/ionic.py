"""The small interface an ionic model offers the cardiac solvers, and the models known.

An ionic model is an immutable object with

* `state_names`: the names of its state variables, membrane potential "V" first;
* `initial_state(shape, dtype) -> dict`: its default state on an array shape;
* `step(y, dt, i_stim) -> dict`: one pure elementwise step of `dt` [ms] under a
  stimulus current `i_stim` [pA/pF] (negative depolarises);
* `currents(y) -> dict` and `ionic_current(currents) -> I_ion` [pA/pF] for tests
  and diagnostics.

A new model is a new module with those members and one line in `ionic_model`.
"""

from __future__ import annotations

from typing import Protocol

import jax

from hanami.apps.cardiac.tp06 import TP06

Fields = dict[str, jax.Array]


class IonicModel(Protocol):
    state_names: tuple[str, ...]

    def initial_state(self, shape: tuple[int, ...] = (), dtype: str = "float64") -> Fields: ...

    def step(self, y: Fields, dt: jax.Array, i_stim: jax.Array | float = 0.0) -> Fields: ...

    def currents(self, y: Fields) -> dict[str, jax.Array]: ...


IONIC_MODELS = ("tp06",)


def ionic_model(name: str, cell_type: str = "epi") -> IonicModel:
    """The ionic model `name` for `cell_type`."""
    if name == "tp06":
        return TP06.of(cell_type)  # type: ignore[arg-type]
    raise ValueError(f"ionic model {name!r} is not known; allowed: {', '.join(IONIC_MODELS)}")
