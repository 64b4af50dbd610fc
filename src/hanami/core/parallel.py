"""Laying the state out on a device mesh.

The fields are split along their first axis over a 1D mesh of devices with
`NamedSharding`; XLA partitions the step (and the FFTs' transposes) itself.
The mesh may span several processes (see `hanami.core.distributed`).
`jax.make_mesh` makes Explicit axes by default in this JAX; the mesh here uses
Auto axes so plain array code traces unchanged.
"""

from __future__ import annotations

import jax
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


def shard_state(state: State, n_devices: int) -> State:
    """Place the fields split along axis 0 (an ensemble's: the member axis); scalars are replicated."""
    mesh = device_mesh(n_devices)
    n = mesh.devices.size
    if n == 1:
        return state
    for name, field in state.fields.items():
        if field.ndim and field.shape[0] % n:
            raise CaseError(f"parallel.devices = {n} does not divide the first axis of field '{name}' "
                            f"({field.shape[0]} points); choose a divisor")
    split = NamedSharding(mesh, PartitionSpec("x"))
    replicated = NamedSharding(mesh, PartitionSpec())
    fields = {k: place(v, split if v.ndim else replicated) for k, v in state.fields.items()}
    # An ensemble's clock has a member axis: split like its fields.
    clock = {k: place(v, split if v.ndim else replicated)
             for k in ("t", "iteration", "dt", "rejected") for v in [getattr(state, k)]}
    return State(fields=fields, **clock)


def place(value: jax.Array | np.ndarray, sharding: NamedSharding) -> jax.Array:
    """Lay out a value every process holds whole as one global array with `sharding`."""
    if sharding.is_fully_addressable:
        return jax.device_put(value, sharding)
    host = np.asarray(value)
    return jax.make_array_from_callback(host.shape, sharding, lambda index: host[index])
