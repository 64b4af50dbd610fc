"""A STREAM-triad probe: the memory bandwidth the roofline is measured against.

    a = b + s * c        (3 words of traffic per element: read b, read c, write a)

`triad_bandwidth` runs it in JAX on the default device (on a GPU it measures
the GPU's memory); the triad repeats inside one compiled loop so the figure is
not the allocator's page faults. `numpy_triad_bandwidth` is the same on the
host with NumPy, for comparison: on CPUs XLA's fused loops may stream slower
than the hardware can. Both report the best of several repeats, as STREAM
does (McCalpin 1995, https://www.cs.virginia.edu/stream/).
"""

from __future__ import annotations

import time

import jax
import jax.numpy as jnp
import numpy as np


def triad_bandwidth(n: int = 1 << 24, repeats: int = 5, inner: int = 8, dtype: str = "float64") -> float:
    """Triad bandwidth achieved by JAX on the default device [GB/s] (1 GB = 1e9 bytes).

    Arguments:
        n: elements per array; 3 arrays of `n` elements must dwarf the caches
            (the default, 2^24 float64, is 128 MiB per array).
        repeats: timed calls after one warm-up; the fastest counts.
        inner: triads per call, in a compiled loop that reuses its buffers.
        dtype: element type.
    """
    if n < 1 or repeats < 1 or inner < 1:
        raise ValueError(f"need n, repeats, inner >= 1, got {n}, {repeats}, {inner}")

    def body(_, abc):
        a, b, c = abc
        return b + 3.0 * c, a, c  # the new a; the old a becomes the next b

    loop = jax.jit(lambda a, b, c: jax.lax.fori_loop(0, inner, body, (a, b, c)))
    arrays = (jnp.zeros(n, dtype), jnp.ones(n, dtype), jnp.full(n, 2.0, dtype))
    jax.block_until_ready(loop(*arrays))
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        jax.block_until_ready(loop(*arrays))
        best = min(best, time.perf_counter() - start)
    return 3 * n * inner * jnp.dtype(dtype).itemsize / best / 1e9


def numpy_triad_bandwidth(n: int = 1 << 24, repeats: int = 5) -> float:
    """The triad with NumPy on the host [GB/s], counted as STREAM counts it (3 words).

    NumPy needs two passes (c * s into a, then a += b), so the memory really
    moves 5 words per element; the 3-word count makes it comparable to STREAM.
    """
    a, b, c = np.zeros(n), np.ones(n), np.full(n, 2.0)
    best = float("inf")
    for _ in range(repeats + 1):
        start = time.perf_counter()
        np.multiply(c, 3.0, out=a)
        np.add(a, b, out=a)
        best = min(best, time.perf_counter() - start)
    return 3 * n * a.itemsize / best / 1e9
