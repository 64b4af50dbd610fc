"""`Model`: what the time loop, the writers and the front ends need from an app's model."""

from __future__ import annotations

from typing import Protocol

import jax
import numpy as np

Fields = dict[str, jax.Array]


class Model(Protocol):
    """What the time loop and the writers need from a model (its step is in the `Attempt`)."""

    def diagnostics(self, fields: Fields) -> dict[str, jax.Array]:
        """Scalar diagnostics of a state (traced: runs inside the compiled chunk)."""

    def healthy(self, fields: Fields) -> jax.Array:
        """A boolean scalar: False once the state is non-finite or out of bounds (traced)."""

    def bad_field(self, fields: dict[str, np.ndarray]) -> str:
        """The name of the field that made `healthy` False (host arrays)."""

    def output_fields(self, fields: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """The fields written to the output dataset, from the prognostic ones (host arrays)."""
