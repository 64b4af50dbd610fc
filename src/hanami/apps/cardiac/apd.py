"""Action potential duration per beat, tracked inside the compiled loop.

APD90 of a beat is the time from the maximum upstroke velocity (max dV/dt) to
90 % repolarisation, the first downward crossing of

    V_90 = V_peak - 0.9 (V_peak - V_rest),

linearly interpolated in time, where V_rest is V at the start of the beat's
stimulus and V_peak the beat's maximum. Beat k is [start + k period,
start + (k + 1) period). Units: [ms], [mV].
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

Fields = dict[str, jax.Array]
KEYS = ("apd_rest", "apd_peak", "apd_dvdt", "apd_upstroke", "apd_end")
MIN_AMPLITUDE = 50.0  # [mV]: a smaller excursion is not an action potential
MIN_STEP = 1e-4  # [ms]: shorter steps do not take part in the search for max dV/dt


def initial(beats: int, dtype: str) -> Fields:
    """Fresh tracking arrays (distinct buffers: the loop donates them)."""
    fill = {"apd_rest": jnp.nan, "apd_peak": -jnp.inf, "apd_dvdt": -jnp.inf, "apd_upstroke": jnp.nan,
            "apd_end": jnp.nan}
    return {k: jnp.full((beats,), fill[k], dtype) for k in KEYS}


def update(fields: Fields, v_old: jax.Array, v_new: jax.Array, t: jax.Array, dt: jax.Array, start: float,
           period: float, beats: int) -> Fields:
    """The tracking arrays after a step [t, t + dt] that took V from `v_old` to `v_new`."""
    dtype = fields["apd_rest"].dtype
    span = period if beats > 1 else 1.0
    # The step belongs to the beat holding its midpoint, so a clock a rounding error
    # short of the stimulus start still gives the beat its resting V.
    middle = t + 0.5 * dt
    b = jnp.clip(jnp.floor((middle - start) / span), 0, beats - 1)
    mine = (jnp.arange(beats) == b) & (middle >= start)
    rest, peak, dvdt_max, up, end = (fields[k] for k in KEYS)
    tt = t.astype(dtype)
    rest = jnp.where(mine & jnp.isnan(rest), v_old, rest)
    dvdt = (v_new - v_old) / dt
    # A sliver of a step (landing on an output time) gives a noisy difference quotient.
    steeper = mine & (dvdt > dvdt_max) & (dt >= MIN_STEP)
    dvdt_max = jnp.where(steeper, dvdt, dvdt_max)
    up = jnp.where(steeper, tt, up)
    peak = jnp.where(mine, jnp.maximum(peak, v_new), peak)
    threshold = peak - 0.9 * (peak - rest)
    crossed = (mine & jnp.isnan(end) & (peak - rest > MIN_AMPLITUDE) & (v_old >= threshold) & (v_new < threshold)
               & (tt > up))
    fraction = (v_old - threshold) / jnp.where(crossed, v_old - v_new, 1.0)
    end = jnp.where(crossed, tt + dt * fraction, end)
    return dict(zip(KEYS, (rest, peak, dvdt_max, up, end)))


def durations(fields: Fields) -> jax.Array:
    """APD90 per beat [ms] (NaN for a beat not yet repolarised)."""
    return fields["apd_end"] - fields["apd_upstroke"]


def apd90_from_trace(t: np.ndarray, v: np.ndarray, start: float) -> float:
    """APD90 [ms] of the beat starting at `start` from a sampled trace (host, for checks)."""
    sel = t >= start
    t, v = t[sel], v[sel]
    rate = np.diff(v) / np.diff(t)
    t_up = t[np.argmax(rate)]
    rest, i_peak = v[0], int(np.argmax(v))
    threshold = v[i_peak] - 0.9 * (v[i_peak] - rest)
    k = i_peak + int(np.argmax(v[i_peak:] < threshold))
    return float(t[k - 1] + (t[k] - t[k - 1]) * (v[k - 1] - threshold) / (v[k - 1] - v[k]) - t_up)
