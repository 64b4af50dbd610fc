"""hanami: performance-portable HPC applications on JAX.

Three validated applications (phase-field materials science, shallow water on the
sphere, cardiac electrophysiology) share one engine: pure JAX steps fused into
jitted chunks, schedules that fire output writers, checkpoints and callbacks
between chunks, and exact restarts.
"""

__version__ = "0.1.0"

import jax as _jax

# The clock is float64 in every run (fields take the run's precision), so x64
# must be on before any array exists.
_jax.config.update("jax_enable_x64", True)
