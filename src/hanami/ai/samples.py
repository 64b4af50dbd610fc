"""Training samples streamed from an ensemble dataset (the Zarr store of `hanami run --members`).

A sample is a pair of states of one member: the fields at a time t and at
t + stride x interval. xarray reads the store's metadata; the fields are read
with zarr itself (15 times less overhead per read than xarray's lazy indexing),
one snapshot of one member at a time (the writer puts each in its own chunk), so
a dataset larger than memory trains as well as a small one. Members, not snapshots, are split into
training and held-out sets: states of a held-out member never reach training.

Snapshots are used on the regular lattice t0 + k x interval; extra output times
(a case's fixed `output.times`) are left out. `interval` is the most common
spacing of the output times unless given.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Iterator, Sequence

import numpy as np
import xarray as xr
import zarr

from hanami.core.cf import from_cf, model_time_units
from hanami.errors import CaseError

# Keys that only shape the starting state: the dynamics do not depend on them, so a
# surrogate is not given them as inputs.
STATE_ONLY_KEYS = {"initial.seed", "initial.c0", "initial.epsilon", "initial.kind", "initial.perturbation",
                   "initial.alpha", "initial.u0"}


def open_ensemble(path: Path) -> xr.Dataset:
    """The store, lazily (no field data read); one message if it is not an ensemble store."""
    path = Path(path)
    if not path.exists():
        raise CaseError(f"{path}: no such dataset (give the output.zarr of an ensemble run)")
    try:
        ds = xr.open_zarr(path, chunks=None, decode_times=False)
    except Exception as err:  # zarr raises several types for a non-store
        raise CaseError(f"{path}: not a Zarr store ({type(err).__name__}: {err}); run the ensemble with "
                        "--set output.format=zarr") from None
    if "member" not in ds.dims or "time" not in ds.dims:
        raise CaseError(f"{path}: dims {tuple(ds.dims)} have no 'member' and 'time': give the output of an "
                        "ensemble run (hanami run CASE --members N --vary KEY=...)")
    return from_cf(ds)


def _dims_of(array: Any) -> tuple[str, ...]:
    """Dimension names of a Zarr array as xarray stored them (v3 metadata, or v2's _ARRAY_DIMENSIONS)."""
    names = getattr(array.metadata, "dimension_names", None) or array.attrs.get("_ARRAY_DIMENSIONS")
    return tuple(names)


def field_variables(ds: xr.Dataset) -> list[str]:
    """Variables of shape (time, member, *space)."""
    return [n for n, v in ds.data_vars.items() if v.dims[:2] == ("time", "member") and v.ndim > 2]


def static_fields(ds: xr.Dataset, space_dims: tuple[str, ...]) -> list[str]:
    """Fields constant in time on the same grid (orography, ...), per member or shared."""
    return [str(n) for n, v in ds.data_vars.items()
            if "time" not in v.dims and v.dims in (space_dims, ("member",) + space_dims)]


def condition_keys(ds: xr.Dataset) -> list[str]:
    """Varied case keys that change the dynamics (coordinates along `member` not in STATE_ONLY_KEYS)."""
    keys = []
    for name, coord in ds.coords.items():
        key = str(coord.attrs.get("long_name", "")).removeprefix("case key ")
        if coord.dims == ("member",) and name != "member" and key not in STATE_ONLY_KEYS \
                and np.issubdtype(coord.dtype, np.number) and np.ptp(coord.values) > 0:
            keys.append(str(name))
    return keys


def dataset_time(value: float | str, units: str) -> float:
    """A time in the dataset's unit from a number (that unit) or a string with a unit ("2 days")."""
    from hanami.units import SECONDS, parse_duration

    try:
        number = parse_duration(value)
    except ValueError as err:
        raise CaseError(f"--start-time {value!r}: {err}") from None
    if re.fullmatch(r"\s*[-+0-9.eE]+\s*", str(value)):
        return number  # no unit: already the dataset's
    unit = units.split(" since ")[0].strip().lower()
    if unit not in SECONDS:
        raise CaseError(f"--start-time {value!r}: the dataset's time has no physical unit ({units!r}); give a number")
    return number / SECONDS[unit]


def lattice(times: np.ndarray, interval: float | None) -> tuple[float, dict[int, int]]:
    """(interval, {lattice step k: time index}) of the snapshots at times[0] + k x interval."""
    if len(times) < 2:
        raise CaseError(f"the dataset has {len(times)} output time(s); need a series (set output.interval)")
    if interval is None:
        spacings = Counter(np.round(np.diff(times), 9).tolist())
        interval = float(spacings.most_common(1)[0][0])
    if not interval > 0:
        raise CaseError(f"interval = {interval}: must be > 0")
    k = (times - times[0]) / interval
    on = np.abs(k - np.round(k)) < 1e-6 * np.maximum(1.0, np.abs(k))
    return interval, {int(round(k[i])): i for i in np.flatnonzero(on)}


@dataclasses.dataclass
class EnsembleSamples:
    """Pairs (state at t, state at t + stride x interval) of an ensemble store.

    Arguments:
        path: the ensemble's output.zarr.
        variables: fields to learn (default: every field of the store).
        stride: output intervals per learned step.
        test_members: how many members to hold out (default: a fifth, at least one).
        seed: seed of the member split and of the batch order.
        interval: spacing of the snapshots to use, in the dataset's time unit (default: the most common one).
        start_time: leave out snapshots before this time (a spin-up), in the dataset's time unit.
        condition: varied case keys given to the model as inputs (default: those that change the dynamics).

    The model's inputs besides the state are the forcing channels: the condition
    values (constant over the grid) and the dataset's static fields.
    """

    path: Path
    variables: Sequence[str] = ()
    stride: int = 1
    test_members: int | None = None
    seed: int = 0
    interval: float | None = None
    condition: Sequence[str] | None = None
    start_time: float | str = 0.0

    def __post_init__(self) -> None:
        self.path = Path(self.path)
        self.ds = open_ensemble(self.path)
        available = field_variables(self.ds)
        self.variables = list(self.variables) or available
        unknown = [v for v in self.variables if v not in available]
        if unknown:
            raise CaseError(f"{self.path}: no field {unknown[0]!r}; fields are {', '.join(available)}")
        self.space_dims = self.ds[self.variables[0]].dims[2:]
        group = zarr.open_group(self.path, mode="r")
        self._arrays = {v: group[v] for v in self.variables}
        # The store's arrays are in the file's (CF) order: member before time (older stores: time first).
        self._member_first = {v: _dims_of(group[v]).index("member") < _dims_of(group[v]).index("time")
                              for v in self.variables}
        self._static_values: dict[str, np.ndarray] = {}
        # Chunks are read by several threads: zarr's decompression and file reads release the GIL.
        self._readers = ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 1))
        if any(self.ds[v].dims[2:] != self.space_dims for v in self.variables):
            raise CaseError(f"{self.path}: fields {self.variables} are not all on the same grid")
        if self.stride < 1:
            raise CaseError(f"stride = {self.stride}: must be >= 1")
        times = self.ds["time"].values
        self.start_time = dataset_time(self.start_time, model_time_units(self.ds))
        later = np.flatnonzero(times >= self.start_time - 1e-9 * max(1.0, abs(self.start_time)))
        if len(later) < 2:
            raise CaseError(f"{self.path}: fewer than two snapshots at or after start time {self.start_time:g} "
                            f"(the last is at {times[-1]:g})")
        self.interval, steps = lattice(times[later], self.interval)
        self.steps = {k: int(later[i]) for k, i in steps.items()}
        self._step_of = {i: k for k, i in self.steps.items()}
        members = self.ds.sizes["member"]
        held = max(1, members // 5) if self.test_members is None else self.test_members
        if not 1 <= held < members:
            raise CaseError(f"{self.path}: {members} members; test members = {held} must lie in 1..{members - 1}")
        order = np.random.default_rng(self.seed).permutation(members)
        self.test, self.train = sorted(order[:held].tolist()), sorted(order[held:].tolist())
        self.condition = condition_keys(self.ds) if self.condition is None else list(self.condition)
        missing = [c for c in self.condition if c not in self.ds.coords]
        if missing:
            raise CaseError(f"{self.path}: condition {missing[0]!r} is not a varied key of the ensemble "
                            f"(varied: {', '.join(condition_keys(self.ds)) or 'none'})")
        self.statics = static_fields(self.ds, self.space_dims)
        if not self.starts(1):
            raise CaseError(f"{self.path}: no two snapshots {self.stride} x {self.interval:g} apart; "
                            "lower --stride or write outputs more often")

    # -- what there is ----------------------------------------------------------------
    @property
    def dt(self) -> float:
        """The learned step [the dataset's time unit]."""
        return self.stride * self.interval

    @property
    def shape(self) -> tuple[int, ...]:
        """(channels, *grid) of one state."""
        return (len(self.variables),) + tuple(self.ds.sizes[d] for d in self.space_dims)

    def starts(self, rollout: int) -> list[int]:
        """Time indices from which `rollout` learned steps stay on the lattice."""
        k_of = self._step_of
        return [i for i in sorted(k_of) if all(k_of[i] + n * self.stride in self.steps for n in range(1, rollout + 1))]

    def later(self, index: int, steps: int) -> int:
        """The time index `steps` learned steps after `index`."""
        return self.steps[self._step_of[index] + steps * self.stride]

    def pairs(self, members: Sequence[int]) -> list[tuple[int, int]]:
        """Every (member, time index) that starts a sample, members in order, then time."""
        return [(m, i) for m in members for i in self.starts(1)]

    # -- reading ----------------------------------------------------------------------------
    def state(self, member: int, index: int) -> np.ndarray:
        """(channels, *grid) float32: one snapshot of one member (one chunk per variable)."""
        return np.stack([np.asarray(self._arrays[v][(member, index) if self._member_first[v] else (index, member)],
                                    np.float32) for v in self.variables])

    @property
    def forcing_names(self) -> list[str]:
        """The forcing channels: condition keys, then static fields."""
        return [*self.condition, *self.statics]

    def forcing(self, members: Sequence[int]) -> np.ndarray:
        """(len(members), F, *grid) float32: each member's conditions spread over the grid, and its static fields."""
        grid = self.shape[1:]
        out = np.empty((len(members), len(self.forcing_names)) + grid, np.float32)
        for j, name in enumerate(self.condition):
            out[:, j] = self.ds[name].values[np.asarray(members)].astype(np.float32).reshape((-1,) + (1,) * len(grid))
        for j, name in enumerate(self.statics, start=len(self.condition)):
            out[:, j] = self._static(name)[np.asarray(members)]
        return out

    def _static(self, name: str) -> np.ndarray:
        """A static field for every member, (members, *grid), read once."""
        if name not in self._static_values:
            var = self.ds[name].load()
            values = var.values if "member" in var.dims else np.broadcast_to(var.values,
                                                                              (self.ds.sizes["member"],) + var.shape)
            self._static_values[name] = np.asarray(values, np.float32)
        return self._static_values[name]

    def read(self, pairs: Sequence[tuple[int, int]], steps: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(x, y, forcing) of these pairs: x (B, C, *grid) at t, y at t + steps learned steps, forcing (B, F, *grid)."""
        wanted = [(m, i) for m, i in pairs] + [(m, self.later(i, steps)) for m, i in pairs]
        states = list(self._readers.map(lambda p: self.state(*p), wanted))
        return np.stack(states[:len(pairs)]), np.stack(states[len(pairs):]), self.forcing([m for m, _ in pairs])

    def batches(self, pairs: Sequence[tuple[int, int]], batch_size: int, epoch: int, shuffle: bool = True
                ) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Batches of `pairs` (shuffled by seed and epoch), the next read while the caller works on one."""
        order = list(pairs)
        if shuffle:
            rng = np.random.default_rng((self.seed, epoch))
            order = [order[j] for j in rng.permutation(len(order))]
        groups = [order[s: s + batch_size] for s in range(0, len(order), batch_size)]
        with ThreadPoolExecutor(max_workers=1) as pool:
            pending = pool.submit(self.read, groups[0]) if groups else None
            for g in range(len(groups)):
                batch = pending.result()
                pending = pool.submit(self.read, groups[g + 1]) if g + 1 < len(groups) else None
                yield batch

    def statistics(self, max_pairs: int = 512) -> dict[str, np.ndarray]:
        """Per-variable mean and standard deviation of the training states, root mean square of their one-step change,
        and of the forcing channels, from up to `max_pairs` training samples (streamed)."""
        pairs = self.pairs(self.train)
        if len(pairs) > max_pairs:
            pick = np.random.default_rng(self.seed).choice(len(pairs), max_pairs, replace=False)
            pairs = [pairs[j] for j in sorted(pick)]
        axes = tuple(range(1, len(self.shape)))
        s1 = s2 = d2 = 0.0
        for m, i in pairs:
            x = self.state(m, i).astype(np.float64)
            d = self.state(m, self.later(i, 1)).astype(np.float64) - x
            s1, s2 = s1 + x.mean(axis=axes), s2 + (x ** 2).mean(axis=axes)
            d2 = d2 + (d ** 2).mean(axis=axes)
        n = len(pairs)
        mean = s1 / n
        forcing = self.forcing(self.train).astype(np.float64)
        over = (0,) + tuple(range(2, forcing.ndim))
        return {"mean": mean, "std": _positive(np.sqrt(np.maximum(s2 / n - mean ** 2, 0))),
                "change_std": _positive(np.sqrt(d2 / n)),
                "forcing_mean": forcing.mean(axis=over), "forcing_std": _positive(forcing.std(axis=over))}


def _positive(std: np.ndarray) -> np.ndarray:
    """A constant quantity gets scale 1 (nothing to normalise)."""
    return np.where(std > 0, std, 1.0)
