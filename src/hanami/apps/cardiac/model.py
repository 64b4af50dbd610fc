"""Cardiac models the engine runs: a paced single cell and monodomain tissue.

Monodomain (Niederer et al. 2011, doi:10.1098/rsta.2011.0139), in [ms], [mm], [mV]:

    dV/dt = div(D grad V) - (I_ion(V, y) + I_stim),    D = sigma / (chi Cm),

with I_ion and I_stim in [pA/pF] and no flux through every face. One step is a
Godunov (first-order) operator split: the ionic model advances every node by
dt (Rush–Larsen gates, forward-Euler rest), then diffusion advances V by dt
(explicit forward Euler or implicit backward Euler by conjugate gradients).

Activation time: where V crosses 0 mV upward during a step [t, t + h] for the
first time, `activation` becomes t + h (0 - V_old) / (V_new - V_old) [ms]
(linear interpolation); it stays +inf elsewhere. It is updated inside the
compiled step, so no snapshot schedule can miss a crossing.

Single cell: the same ionic step with a scalar state; APD90 per beat is tracked
in the loop as well (`apd.py`).
"""

from __future__ import annotations

import functools

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from hanami.apps.cardiac import apd
from hanami.apps.cardiac.diffusion import ConstantTensor, explicit_step, implicit_step, laplacian
from hanami.apps.cardiac.ionic import IonicModel
from hanami.apps.cardiac.stimulus import Protocol, stimulus_current
from hanami.apps.cardiac.stencil import FieldCoefficients, VertexGrid

Fields = dict[str, jax.Array]
BLOWUP_MV = 500.0
# Blocks of the ionic step on CPU: bytes per state array in one block, and the fewest
# nodes worth splitting. Measured on the project CPU (2 cores, 32 MiB L3) with the
# Niederer slab: at dx 0.1 (442k nodes) 96 KiB blocks ran 1.3-1.45x faster than none
# (best of 48 KiB to 1 MiB), at dx 0.2 (58k nodes) any split was slower.
CPU_BLOCK_BYTES = 96 * 1024
CPU_BLOCK_MIN_NODES = 131072


def _healthy_v(v: jax.Array) -> jax.Array:
    return jnp.all(jnp.isfinite(v)) & (jnp.max(jnp.abs(v)) < BLOWUP_MV)


def _bad(fields: dict[str, np.ndarray], names: tuple[str, ...]) -> str:
    for name in names:
        if not np.all(np.isfinite(fields[name])):
            return name
    return "V"


class Monodomain(eqx.Module):
    """Monodomain tissue on a vertex-centred box with no-flux faces.

    Attributes:
        grid: the nodes (static).
        ionic: the cell model at every node.
        tensor: diffusion tensor D [mm^2/ms] (given as nested tuples or an array; held as a
            `ConstantTensor`, whose values may be differentiated), used when `field` is None.
        field: coefficients of a diffusion tensor varying in space (a fibre field), or None.
        protocols: stimulus protocols (static).
        diffusion: "explicit" or "implicit".
        cg_tol: relative residual of the implicit solve.
        cg_maxiter: most CG iterations per step.
        dtype: "float32" or "float64".
        tissue: 1 on tissue nodes, 0 elsewhere (float array), or None for the whole box; outside
            the tissue the output is NaN and the diagnostics do not look.
        leads: pseudo-ECG weights, (leads, *grid) (`ecg.lead_weights`): each lead is the sum of
            the weights times div(D grad V); None for no ECG.
        lead_names: the leads' names (diagnostics `ecg_<name>` [mV]).
    """

    grid: VertexGrid = eqx.field(static=True)
    ionic: IonicModel
    tensor: ConstantTensor
    protocols: tuple[Protocol, ...] = eqx.field(static=True)
    field: FieldCoefficients | None = None
    diffusion: str = eqx.field(static=True, default="explicit")
    cg_tol: float = eqx.field(static=True, default=1e-8)
    cg_maxiter: int = eqx.field(static=True, default=200)
    dtype: str = eqx.field(static=True, default="float64")
    tissue: jax.Array | None = None
    leads: jax.Array | None = None
    lead_names: tuple[str, ...] = eqx.field(static=True, default=())

    def __post_init__(self) -> None:
        if not isinstance(self.tensor, ConstantTensor):
            self.tensor = ConstantTensor.of(self.tensor)

    def initial_state(self) -> Fields:
        fields = self.ionic.initial_state(self.grid.shape, self.dtype)
        fields["activation"] = jnp.full(self.grid.shape, jnp.inf, self.dtype)
        return fields

    def diffuse(self, v: jax.Array, dt: jax.Array) -> jax.Array:
        tensor = self.tensor if self.field is None else self.field
        if self.diffusion == "implicit":
            return implicit_step(v, dt, tensor, self.grid, self.cg_tol, self.cg_maxiter)
        return explicit_step(v, dt, tensor, self.grid)

    def step(self, fields: Fields, dt: jax.Array, t: jax.Array) -> Fields:
        """One split step of `dt` [ms] from time `t` [ms]."""
        axes = [self.grid.axis(i) for i in range(self.grid.ndim)]
        i_stim = stimulus_current(self.protocols, axes, t, dt.astype(t.dtype), fields["V"].dtype)
        v_old = fields["V"]
        cpu = jax.default_backend() == "cpu"
        y = _ionic_step(self.ionic, {k: fields[k] for k in self.ionic.state_names}, dt, i_stim, cpu)
        diffuse = jax.named_call(self.diffuse, name="diffusion")
        if cpu:
            # Diffusion in a computation of its own (the branch is always taken in a run): XLA
            # on CPU otherwise fuses the ionic update of V into the stencil's mirror padding,
            # where it runs element by element, not vectorised (the step was 1.5x slower).
            # CPU only, where it was measured: on a GPU a conditional can cost a host round trip.
            y["V"] = jax.lax.cond(dt > 0, diffuse, lambda v, _: v, y["V"], dt)
        else:
            y["V"] = diffuse(y["V"], dt)
        y["activation"] = activation_update(fields["activation"], v_old, y["V"], t, dt)
        return y

    # -- what the loop reads -------------------------------------------------------
    def diagnostics(self, fields: Fields) -> dict[str, jax.Array]:
        v, act = fields["V"], fields["activation"]
        activated = jnp.isfinite(act)
        out = self._ecg(v)
        if self.tissue is None:
            return {"V_min": jnp.min(v), "V_max": jnp.max(v),
                    "activated_fraction": jnp.mean(activated.astype(jnp.float64)),
                    "activation_max": jnp.max(jnp.where(activated, act, -jnp.inf)), **out}
        inside = self.tissue > 0
        activated = activated & inside
        return {"V_min": jnp.min(jnp.where(inside, v, jnp.inf)), "V_max": jnp.max(jnp.where(inside, v, -jnp.inf)),
                "activated_fraction": jnp.sum(activated) / jnp.sum(inside),
                "activation_max": jnp.max(jnp.where(activated, act, -jnp.inf)), **out}

    def _ecg(self, v: jax.Array) -> dict[str, jax.Array]:
        """The pseudo-ECG leads [mV]: one operator application, one weighted sum per lead."""
        if self.leads is None:
            return {}
        flux = laplacian(v, self.tensor if self.field is None else self.field, self.grid)
        values = jnp.tensordot(self.leads, flux.astype(self.leads.dtype), axes=v.ndim)
        return {f"ecg_{name}": values[i] for i, name in enumerate(self.lead_names)}

    def healthy(self, fields: Fields) -> jax.Array:
        return _healthy_v(fields["V"])

    def bad_field(self, fields: dict[str, np.ndarray]) -> str:
        return _bad(fields, tuple(self.ionic.state_names))

    def output_fields(self, fields: Fields) -> dict[str, np.ndarray]:
        act = np.asarray(fields["activation"])
        out = {"V": np.asarray(fields["V"]), "activation_time": np.where(np.isfinite(act), act, np.nan)}
        if self.tissue is not None:
            inside = np.asarray(self.tissue) > 0
            out = {k: np.where(inside, v, np.nan) for k, v in out.items()}
        return out


# Rematerialised under differentiation: the reverse pass recomputes the ionic step from
# its ~20 states per node instead of keeping its hundreds of intermediates per node and
# step (cardiac slab at dx 0.2, 200 steps, 2-core CPU: gradient 4.7 -> 3.7 forward runs,
# temporaries 1.9 GB -> 0.3 GB). Without differentiation it changes nothing.
@functools.partial(eqx.filter_checkpoint, prevent_cse=False)
def _ionic_step(ionic: IonicModel, y: Fields, dt: jax.Array, i_stim: jax.Array, cpu: bool) -> Fields:
    """The ionic step on the grid's state arrays: on CPU through flat node blocks (`ionic_nodes`),
    on a GPU on the grid arrays as they are (the flat layout was measured on CPU only)."""
    if not cpu:
        return jax.named_call(ionic.step, name="ionic")(y, dt, i_stim)
    shape = y["V"].shape
    flat = jax.named_call(ionic_nodes, name="ionic")(ionic, {k: v.reshape(-1) for k, v in y.items()}, dt, i_stim)
    return {k: v.reshape(shape) for k, v in flat.items()}


def ionic_nodes(ionic: IonicModel, y: Fields, dt: jax.Array, i_stim: jax.Array) -> Fields:
    """The ionic step on flat node arrays `y` (`i_stim` of the grid's shape, or a scalar).

    The nodes form one flat axis (a free reshape): XLA's CPU loops vectorise a long row
    better than the grid's short last axis. On CPU a large grid goes through in blocks
    of `CPU_BLOCK_BYTES` per array (`lax.map`), so the step's many intermediate arrays
    stay in cache instead of streaming through memory. Values are the same either way.
    """
    i_stim = i_stim.reshape(-1) if i_stim.ndim else i_stim
    n = y["V"].size
    block = CPU_BLOCK_BYTES // y["V"].dtype.itemsize
    # Not across several devices either: there each holds a part already, and blocks of
    # the flat axis would cut across the parts.
    if jax.default_backend() != "cpu" or n < CPU_BLOCK_MIN_NODES or jax.device_count() > 1:
        return ionic.step(y, dt, i_stim)
    blocks = -(-n // block)
    size = -(-n // blocks)  # equal blocks, fewer than `blocks` spare nodes

    def split(a: jax.Array) -> jax.Array:  # edge padding keeps the spare nodes physical
        return jnp.pad(a, (0, blocks * size - n), mode="edge").reshape(blocks, size)

    if i_stim.ndim:
        out = jax.lax.map(lambda b: ionic.step(b[0], dt, b[1]), ({k: split(v) for k, v in y.items()}, split(i_stim)))
    else:
        out = jax.lax.map(lambda b: ionic.step(b, dt, i_stim), {k: split(v) for k, v in y.items()})
    return {k: v.reshape(-1)[:n] for k, v in out.items()}


def activation_update(activation: jax.Array, v_old: jax.Array, v_new: jax.Array, t: jax.Array,
                      dt: jax.Array, threshold: float = 0.0) -> jax.Array:
    """First upward crossing of `threshold` [mV], linearly interpolated in time [ms]."""
    crossed = (v_old < threshold) & (v_new >= threshold) & jnp.isinf(activation)
    fraction = (threshold - v_old) / jnp.where(crossed, v_new - v_old, 1.0)
    return jnp.where(crossed, (t + dt * fraction).astype(activation.dtype), activation)


class SingleCell(eqx.Module):
    """One paced cell; APD90 of every beat is tracked during the run.

    Attributes:
        ionic: the cell model.
        protocols: stimulus protocols; the first one defines the beats.
        dtype: "float32" or "float64".
    """

    ionic: IonicModel
    protocols: tuple[Protocol, ...] = eqx.field(static=True)
    dtype: str = eqx.field(static=True, default="float64")

    @property
    def beats(self) -> int:
        return self.protocols[0].count if self.protocols else 0

    def initial_state(self) -> Fields:
        fields = self.ionic.initial_state((), self.dtype)
        fields.update(apd.initial(self.beats, self.dtype))
        return fields

    def step(self, fields: Fields, dt: jax.Array, t: jax.Array) -> Fields:
        """One step of `dt` [ms] from time `t` [ms]."""
        i_stim = stimulus_current(self.protocols, [], t, dt.astype(t.dtype), fields["V"].dtype)
        y = {k: fields[k] for k in self.ionic.state_names}
        new = self.ionic.step(y, dt, i_stim)
        if self.beats:
            p = self.protocols[0]
            new.update(apd.update(fields, y["V"], new["V"], t, dt, p.start, p.period, self.beats))
        else:
            new.update({k: fields[k] for k in apd.KEYS})
        return new

    def diagnostics(self, fields: Fields) -> dict[str, jax.Array]:
        out = {"V": fields["V"], "Ca_i": fields["Ca_i"]}
        durations = apd.durations(fields)
        for i in range(self.beats):
            out[f"apd90_beat{i + 1}"] = durations[i]
        for i in range(self.beats):  # the beat's resting and peak V [mV] and max dV/dt [mV/ms]
            out[f"V_rest_beat{i + 1}"] = fields["apd_rest"][i]
            out[f"V_peak_beat{i + 1}"] = fields["apd_peak"][i]
            out[f"dVdt_max_beat{i + 1}"] = fields["apd_dvdt"][i]
        return out

    def healthy(self, fields: Fields) -> jax.Array:
        return _healthy_v(fields["V"])

    def bad_field(self, fields: dict[str, np.ndarray]) -> str:
        return _bad(fields, tuple(self.ionic.state_names))

    def output_fields(self, fields: Fields) -> dict[str, np.ndarray]:
        return {"V": np.asarray(fields["V"]), "Ca_i": np.asarray(fields["Ca_i"])}
