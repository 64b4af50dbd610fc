"""A learned time step: a neural operator that advances an app's state by a fixed interval.

`Surrogate(x, forcing)` maps the fields at t (physical units, (C, *grid)) to
the fields at t + dt: x + s * N(normalised x, forcing, position), with N a
`NeuralOperator` and s the typical size of one step's change, so N works on
numbers of order one and an untrained surrogate predicts no change. What fixes
the surrogate (grid, variables, normalisation, architecture) is a frozen
`SurrogateSpec`, written beside the trained weights as JSON.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from hanami.ai.operators import BoxModes, NeuralOperator, SphereModes
from hanami.core.files import atomic_path, write_text
from hanami.core.sphere import gaussian_latitudes
from hanami.errors import CaseError

WEIGHTS, SPEC = "surrogate.eqx", "surrogate.json"


@dataclasses.dataclass(frozen=True)
class SurrogateSpec:
    """Everything but the trained weights (hashable: a static part of the model).

    Attributes:
        app: the app whose states it advances.
        variables: the fields, in channel order.
        dims, shape: the grid's dimension names and sizes.
        domain: "box" (FFT modes) or "sphere" (spherical-harmonic modes, Gaussian grid).
        interval, stride: the learned step is stride x interval [time_units].
        time_units: the dataset's time unit.
        width, layers, modes: channels, spectral layers, modes kept per axis (box) or degree + 1 (sphere).
        forcing: inputs besides the state: varied case keys (constant over the grid), then
            static fields of the dataset (orography, ...).
        mean, std: per-variable normalisation of the state.
        change_std: per-variable root mean square of one step's change.
        forcing_mean, forcing_std: normalisation of the forcing channels.
        dataset, train_members, test_members, seed: where it was trained.
    """

    app: str
    variables: tuple[str, ...]
    dims: tuple[str, ...]
    shape: tuple[int, ...]
    domain: str
    interval: float
    stride: int
    time_units: str
    width: int
    layers: int
    modes: int
    forcing: tuple[str, ...]
    mean: tuple[float, ...]
    std: tuple[float, ...]
    change_std: tuple[float, ...]
    forcing_mean: tuple[float, ...]
    forcing_std: tuple[float, ...]
    dataset: str = ""
    train_members: tuple[int, ...] = ()
    test_members: tuple[int, ...] = ()
    seed: int = 0

    @property
    def dt(self) -> float:
        """The learned step [time_units]."""
        return self.interval * self.stride

    @property
    def channels_in(self) -> int:
        return len(self.variables) + len(self.forcing) + (3 if self.domain == "sphere" else 0)

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), indent=2)

    @classmethod
    def from_json(cls, text: str) -> "SurrogateSpec":
        data = json.loads(text)
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in data.items()})


def _positions(spec: SurrogateSpec) -> np.ndarray:
    """(3, nlat, nlon): the unit vector to each grid point; nothing on a box (its dynamics are
    the same everywhere, so the surrogate must not depend on position there)."""
    if spec.domain != "sphere":
        return np.zeros((0,) + spec.shape, np.float32)
    mu = gaussian_latitudes(spec.shape[0])[0]
    lon = 2 * np.pi * np.arange(spec.shape[1]) / spec.shape[1]
    cos = np.sqrt(1 - mu ** 2)[:, None]
    return np.stack([np.broadcast_to(mu[:, None], spec.shape), cos * np.cos(lon), cos * np.sin(lon)]).astype(np.float32)


def area_weights(spec: SurrogateSpec) -> np.ndarray:
    """Grid-point weights of mean 1: equal on a box, Gaussian (area) weights by latitude on the sphere."""
    if spec.domain != "sphere":
        return np.ones(spec.shape)
    w = np.broadcast_to(gaussian_latitudes(spec.shape[0])[1][:, None], spec.shape)
    return w / w.mean()


class Surrogate(eqx.Module):
    """The learned step for one sample: (C, *grid) fields and (F, *grid) forcing -> fields dt later."""

    operator: NeuralOperator
    spec: SurrogateSpec = eqx.field(static=True)

    @classmethod
    def create(cls, spec: SurrogateSpec, key: jax.Array) -> "Surrogate":
        if spec.domain == "sphere":
            modes = SphereModes.create(spec.shape[0], spec.shape[1], spec.modes)
        else:
            modes = BoxModes.create(tuple(spec.shape), spec.modes)
        operator = NeuralOperator.create(spec.channels_in, len(spec.variables), spec.width, spec.layers, modes, key)
        return cls(operator, spec)

    def __call__(self, x: jax.Array, forcing: jax.Array) -> jax.Array:
        s = self.spec
        column = (-1,) + (1,) * len(s.shape)

        def scaled(values: jax.Array, mean: tuple[float, ...], std: tuple[float, ...]) -> jax.Array:
            return (values - jnp.asarray(mean, jnp.float32).reshape(column)) / jnp.asarray(std, jnp.float32).reshape(column)

        inputs = jnp.concatenate([scaled(x, s.mean, s.std), scaled(forcing, s.forcing_mean, s.forcing_std),
                                  jnp.asarray(_positions(s))])
        return x + jnp.asarray(s.change_std, jnp.float32).reshape(column) * self.operator(inputs)


@eqx.filter_jit
def predict(surrogate: Surrogate, x: jax.Array, forcing: jax.Array) -> jax.Array:
    """One learned step of a batch: x (B, C, *grid), forcing (B, F, *grid)."""
    return jax.vmap(surrogate)(x, forcing)


@eqx.filter_jit
def rollout(surrogate: Surrogate, x: jax.Array, forcing: jax.Array, steps: int) -> jax.Array:
    """`steps` learned steps of a batch, each fed the last: (steps, B, C, *grid)."""
    def one(state: jax.Array, _: Any) -> tuple[jax.Array, jax.Array]:
        new = jax.vmap(surrogate)(state, forcing)
        return new, new

    return jax.lax.scan(one, x, None, length=steps)[1]


def save(surrogate: Surrogate, out: Path) -> None:
    """surrogate.json (spec) and surrogate.eqx (weights) in `out`, each replaced atomically."""
    out = Path(out)
    write_text(out / SPEC, surrogate.spec.to_json())
    with atomic_path(out / WEIGHTS) as tmp:
        eqx.tree_serialise_leaves(tmp, surrogate)


def load(path: Path) -> Surrogate:
    """A surrogate saved by `save` (the directory or its surrogate.eqx)."""
    path = Path(path)
    directory = path if path.is_dir() else path.parent
    if not (directory / SPEC).exists() or not (directory / WEIGHTS).exists():
        raise CaseError(f"{directory}: no {SPEC} and {WEIGHTS} (the output of hanami train-surrogate)")
    spec = SurrogateSpec.from_json((directory / SPEC).read_text())
    skeleton = Surrogate.create(spec, jax.random.key(0))
    return eqx.tree_deserialise_leaves(directory / WEIGHTS, skeleton)
