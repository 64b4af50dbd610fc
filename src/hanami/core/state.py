"""The state every app advances: named field arrays plus the clock."""

from __future__ import annotations

from typing import Mapping

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np


class State(eqx.Module):
    """A pytree: model fields and the clock.

    Attributes:
        fields: the prognostic arrays by name (the app's state, any dtype).
        t: simulated time (float64 so long runs keep an exact clock).
        iteration: accepted steps so far.
        dt: the step the next attempt will try (float64). For adaptive runs this
            is the controller's proposal, so a restart resumes the same sequence.
        rejected: attempts rejected by the error control so far.
    """

    fields: dict[str, jax.Array]
    t: jax.Array
    iteration: jax.Array
    dt: jax.Array
    rejected: jax.Array

    @classmethod
    def start(cls, fields: Mapping[str, jax.Array], dt: float, t: float = 0.0) -> "State":
        # Copies: two fields sharing one buffer could not both be donated to a chunk.
        return cls(
            fields={k: jnp.array(v, copy=True) for k, v in fields.items()},
            t=jnp.asarray(t, jnp.float64),
            iteration=jnp.asarray(0, jnp.int64),
            dt=jnp.asarray(dt, jnp.float64),
            rejected=jnp.asarray(0, jnp.int64),
        )

    def to_numpy(self) -> dict[str, np.ndarray]:
        """Flat dict of host arrays (fields prefixed `field/`), for checkpoints."""
        out = {f"field/{k}": np.asarray(v) for k, v in self.fields.items()}
        out.update(t=np.asarray(self.t), iteration=np.asarray(self.iteration),
                   dt=np.asarray(self.dt), rejected=np.asarray(self.rejected))
        return out

    @classmethod
    def from_numpy(cls, arrays: Mapping[str, np.ndarray]) -> "State":
        fields = {k.split("/", 1)[1]: jnp.asarray(v) for k, v in arrays.items() if k.startswith("field/")}
        return cls(fields=fields, t=jnp.asarray(arrays["t"]), iteration=jnp.asarray(arrays["iteration"]),
                   dt=jnp.asarray(arrays["dt"]), rejected=jnp.asarray(arrays["rejected"]))
