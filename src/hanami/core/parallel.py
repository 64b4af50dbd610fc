"""Laying the state out on a device mesh.

The fields are split along their first axis over a 1D mesh of devices with
`NamedSharding`; XLA partitions the step (and the FFTs' transposes) itself.
A first axis the device count does not divide is padded at the edges of each
compiled chunk (see `Layout`).
The mesh may span several processes (see `hanami.core.distributed`).
`jax.make_mesh` makes Explicit axes by default in this JAX; the mesh here uses
Auto axes so plain array code traces unchanged.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import AxisType, NamedSharding, PartitionSpec

from hanami.core.state import State
from hanami.errors import CaseError


def device_mesh(n_devices: int) -> jax.sharding.Mesh:
    """A 1D mesh over the first `n_devices` devices (0 = all), axis name 'x'.

    A run of several processes always spans every device of every process: there
    `n_devices` may be 0, 1 (the default) or the total.
    """
    available = jax.device_count()
    if jax.process_count() > 1:
        if n_devices not in (0, 1, available):
            raise CaseError(f"parallel.devices = {n_devices}: a run of {jax.process_count()} processes lays "
                            f"the state on all {available} devices; set it to 0 (or leave it out)")
        n_devices = 0
    n = available if n_devices == 0 else n_devices
    if n > available:
        raise CaseError(f"parallel.devices = {n}: only {available} device(s) visible "
                        f"({jax.default_backend()}); lower it or set it to 0 for all")
    return jax.make_mesh((n,), ("x",), axis_types=(AxisType.Auto,), devices=jax.devices()[:n])


@dataclasses.dataclass(frozen=True)
class Layout:
    """Where the state lives: the mesh, and how far each leaf's first axis is padded.

    A field whose first axis the device count does not divide is stored padded
    (with copies of its last plane) to the next multiple; the time loop cuts the
    padding off on entry to each compiled chunk and puts it back on exit, so the
    model only ever sees the true arrays and XLA partitions them unevenly inside.

    Attributes:
        mesh: the device mesh (None: one device, nothing to lay out).
        sizes: true first-axis length of each padded leaf, by its key in `State`.
    """

    mesh: jax.sharding.Mesh | None = None
    sizes: dict[str, int] = dataclasses.field(default_factory=dict)

    @property
    def devices(self) -> int:
        return 1 if self.mesh is None else self.mesh.devices.size

    def _sharding(self, value: jax.Array) -> NamedSharding:
        return NamedSharding(self.mesh, PartitionSpec("x") if value.ndim else PartitionSpec())

    def place(self, state: State) -> State:
        """Pad and lay out a whole state (every process holds it whole)."""
        if self.mesh is None:
            return state
        return _map_leaves(state, lambda key, v: place(self._pad_leaf(key, v), self._sharding(v)))

    def _pad_leaf(self, key: str, value: Any) -> Any:
        size = self.sizes.get(key)
        if size is None or value.shape[0] != size:
            return value
        extra = -size % self.devices
        return jnp.pad(value, [(0, extra)] + [(0, 0)] * (value.ndim - 1), mode="edge")

    def unpad(self, state: State) -> State:
        """The true arrays (inside a compiled chunk, or on the host after a gather)."""
        return _map_leaves(state, lambda key, v: v[: self.sizes[key]] if key in self.sizes else v)

    def pad(self, state: State) -> State:
        """Padded again and constrained to the layout (inside a compiled chunk)."""
        if self.mesh is None:
            return state
        return _map_leaves(state, lambda key, v: jax.lax.with_sharding_constraint(self._pad_leaf(key, v),
                                                                                  self._sharding(v)))

    def around(self, chunk: Callable) -> Callable:
        """`chunk(state, ...)` taking and giving the padded layout, computing on the true arrays."""
        if not self.sizes and self.mesh is None:
            return chunk

        def laid_out(state: State, *args: Any):
            global _tracing_mesh
            outer, _tracing_mesh = _tracing_mesh, self.mesh
            try:
                state, *rest = chunk(self.unpad(state), *args)
            finally:
                _tracing_mesh = outer
            return (self.pad(state), *rest)

        return laid_out

    def unpad_fields(self, fields: dict[str, Any]) -> dict[str, Any]:
        return {k: v[: self.sizes[f"field/{k}"]] if f"field/{k}" in self.sizes else v for k, v in fields.items()}


# The mesh of the chunk being traced, for `split_along` (None outside a laid-out chunk).
_tracing_mesh: jax.sharding.Mesh | None = None


def traced_devices() -> int:
    """Devices of the chunk being traced (1 outside a laid-out chunk)."""
    return 1 if _tracing_mesh is None else _tracing_mesh.devices.size


def split_along(x: jax.Array, axis: int) -> jax.Array:
    """Ask XLA to keep `x` split over the devices along `axis` (no-op on one device).

    Operators call it where their data changes hands, so that the partitioner
    moves data by one transpose (all-to-all) there instead of gathering whole
    arrays: the spectral transform's grid is split by latitude, its Fourier and
    spectral coefficients by zonal wavenumber.
    """
    mesh = _tracing_mesh
    if mesh is None or mesh.devices.size == 1:
        return x
    spec = [None] * x.ndim
    spec[axis % x.ndim] = "x"
    return jax.lax.with_sharding_constraint(x, NamedSharding(mesh, PartitionSpec(*spec)))


def local_along(fn: Callable[[jax.Array], jax.Array], x: jax.Array, axis: int) -> jax.Array:
    """`fn(x)` computed on each device's share of `x` split along `axis`, for an `fn`
    that acts independently along that axis (an FFT over another axis).

    XLA's partitioner gathers an FFT's operand whole; `shard_map` keeps it local.
    On one device, or when the devices do not divide that axis, it is `fn(x)`.
    """
    mesh = _tracing_mesh
    if mesh is None or mesh.devices.size == 1 or x.shape[axis] % mesh.devices.size:
        return fn(x)
    spec = [None] * x.ndim
    spec[axis % x.ndim] = "x"
    return jax.shard_map(fn, mesh=mesh, in_specs=PartitionSpec(*spec), out_specs=PartitionSpec(*spec))(x)


def _map_leaves(state: State, fn: Callable[[str, Any], Any]) -> State:
    fields = {k: fn(f"field/{k}", v) for k, v in state.fields.items()}
    clock = {k: fn(k, getattr(state, k)) for k in CLOCK}
    return State(fields=fields, **clock)


CLOCK = ("t", "iteration", "dt", "rejected")


def plan_layout(state: State, n_devices: int) -> Layout:
    """The layout of `state` on `n_devices` (0 = all): split along axis 0, padded where needed.

    An ensemble's leaves (clock included) have the member axis first: members are split.
    """
    mesh = device_mesh(n_devices)
    n = mesh.devices.size
    if n == 1:
        return Layout()
    leaves = {**{f"field/{k}": v for k, v in state.fields.items()}, **{k: getattr(state, k) for k in CLOCK}}
    sizes = {key: int(v.shape[0]) for key, v in leaves.items() if np.ndim(v) and v.shape[0] % n}
    return Layout(mesh, sizes)


def place(value: jax.Array | np.ndarray, sharding: NamedSharding) -> jax.Array:
    """Lay out a value every process holds whole as one global array with `sharding`."""
    if sharding.is_fully_addressable:
        return jax.device_put(value, sharding)
    host = np.asarray(value)
    return jax.make_array_from_callback(host.shape, sharding, lambda index: host[index])
