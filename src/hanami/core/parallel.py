"""Laying the state out on a device mesh.

The fields are split along their first axis over a 1D mesh of devices with
`NamedSharding`; XLA partitions the step (and the FFTs' transposes) itself.
`jax.make_mesh` makes Explicit axes by default in this JAX; the mesh here uses
Auto axes so plain array code traces unchanged.
"""

from __future__ import annotations

import jax
from jax.sharding import AxisType, NamedSharding, PartitionSpec

from hanami.core.state import State
from hanami.errors import CaseError


def device_mesh(n_devices: int) -> jax.sharding.Mesh:
    """A 1D mesh over the first `n_devices` devices (0 = all), axis name 'x'."""
    available = jax.device_count()
    n = available if n_devices == 0 else n_devices
    if n > available:
        raise CaseError(f"parallel.devices = {n}: only {available} device(s) visible "
                        f"({jax.default_backend()}); lower it or set it to 0 for all")
    return jax.make_mesh((n,), ("x",), axis_types=(AxisType.Auto,), devices=jax.devices()[:n])


def shard_state(state: State, n_devices: int) -> State:
    """Place the fields split along axis 0; scalars and the clock are replicated."""
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
    fields = {k: jax.device_put(v, split if v.ndim else replicated) for k, v in state.fields.items()}
    clock = {k: jax.device_put(getattr(state, k), replicated) for k in ("t", "iteration", "dt", "rejected")}
    return State(fields=fields, **clock)
