"""Training a surrogate on streamed ensemble samples (optax AdamW, cosine-decayed step).

The loss is the mean square error of the predicted state in units of the typical
one-step change (per variable, area-weighted on the sphere), so every variable
counts alike and persistence scores 1. After each epoch the weights are written
(atomically) and the held-out loss recorded.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Callable

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from hanami.ai.evaluation import evenly_spaced
from hanami.ai.samples import EnsembleSamples
from hanami.ai.surrogate import Surrogate, area_weights, save


def trained_leaves(surrogate: Surrogate) -> Any:
    """Filter of the trained leaves: the operator's floating arrays, not its transform's constants."""
    spec = jax.tree.map(eqx.is_inexact_array, surrogate)
    modes = surrogate.operator.modes
    return eqx.tree_at(lambda s: s.operator.modes, spec, replace=jax.tree.map(lambda _: False, modes))


def loss_fn(surrogate: Surrogate, x: jax.Array, y: jax.Array, forcing: jax.Array) -> jax.Array:
    """Mean square error of one step, in units of each variable's typical change."""
    s = surrogate.spec
    column = (-1,) + (1,) * len(s.shape)
    weights = jnp.asarray(area_weights(s), jnp.float32)
    scaled = (jax.vmap(surrogate)(x, forcing) - y) / jnp.asarray(s.change_std, jnp.float32).reshape(column)
    return jnp.mean(scaled ** 2 * weights)


class Trainer:
    """The optimiser's state and one compiled training step (AdamW on a cosine-decayed step,
    gradients clipped to norm 1) for the trained leaves of a surrogate."""

    def __init__(self, surrogate: Surrogate, optimiser: optax.GradientTransformation):
        self.params, self.static = eqx.partition(surrogate, trained_leaves(surrogate))
        self.optimiser = optimiser
        self.state = optimiser.init(self.params)
        static = self.static

        @eqx.filter_jit
        def step(params, state, x, y, c):
            loss, grads = eqx.filter_value_and_grad(lambda p: loss_fn(eqx.combine(p, static), x, y, c))(params)
            updates, state = optimiser.update(grads, state, params)
            return eqx.apply_updates(params, updates), state, loss

        self._step = step
        self._loss = eqx.filter_jit(lambda params, x, y, c: loss_fn(eqx.combine(params, static), x, y, c))

    @classmethod
    def create(cls, surrogate: Surrogate, learning_rate: float, total_steps: int) -> "Trainer":
        schedule = optax.cosine_decay_schedule(learning_rate, max(1, total_steps), alpha=0.02)
        return cls(surrogate, optax.chain(optax.clip_by_global_norm(1.0), optax.adamw(schedule, weight_decay=1e-5)))

    @property
    def surrogate(self) -> Surrogate:
        return eqx.combine(self.params, self.static)

    def step(self, x: np.ndarray, y: np.ndarray, c: np.ndarray) -> jax.Array:
        """One optimiser step on a batch; returns the batch's loss before the step."""
        self.params, self.state, loss = self._step(self.params, self.state, x, y, c)
        return loss

    def loss(self, x: np.ndarray, y: np.ndarray, c: np.ndarray) -> jax.Array:
        return self._loss(self.params, x, y, c)


def mirrored(arrays: tuple[np.ndarray, ...], rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """Each sample of (B, C, *grid) arrays (input, target, forcing) reflected along a random set of
    axes, and on a cube (equal sizes) with its axes randomly permuted: one map for all the arrays.

    For an isotropic model on a periodic or no-flux box these are symmetries of the dynamics,
    so the mirrored pair is as true a sample as the original; the spectral weights are not
    mirror-symmetric themselves, so the surrogate learns something from each.
    """
    arrays = tuple(a.copy() for a in arrays)
    shape = arrays[0].shape
    grid_axes = list(range(1, len(shape) - 1))
    cube = len({shape[a + 1] for a in grid_axes}) == 1
    for b in range(shape[0]):
        flips = tuple(a for a in grid_axes if rng.random() < 0.5)
        order = [0] + (list(rng.permutation(grid_axes)) if cube else grid_axes)
        for a in arrays:
            a[b] = np.transpose(np.flip(a[b], flips), order)
    return arrays


def fit(surrogate: Surrogate, samples: EnsembleSamples, *, epochs: int, batch_size: int, learning_rate: float,
        out: Path | None = None, progress: bool = True, console: Console | None = None, augment: bool = False,
        on_epoch: Callable[[dict[str, float]], None] | None = None) -> tuple[Surrogate, list[dict[str, float]]]:
    """Train for `epochs` passes over the training pairs (`augment`: each pair randomly mirrored,
    see `mirrored`); returns the surrogate and one row per epoch (epoch, train_loss, test_loss,
    seconds, samples_per_second)."""
    train_pairs = samples.pairs(samples.train)
    test_pairs = samples.pairs(samples.test)
    batch_size = min(batch_size, len(train_pairs))
    per_epoch = len(train_pairs) // batch_size
    trainer = Trainer.create(surrogate, learning_rate, epochs * per_epoch)
    history = []
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[info]}"),
               TimeElapsedColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=True, disable=not progress) as bar:
        task = bar.add_task("training", total=epochs * per_epoch, info="")
        for epoch in range(1, epochs + 1):
            start, losses, timed, timed_s = time.perf_counter(), [], 0, 0.0
            for b, (x, y, c) in enumerate(samples.batches(train_pairs, batch_size, epoch)):
                if len(x) < batch_size:
                    continue  # a full batch every step: one compiled shape
                t0 = time.perf_counter()
                if augment:
                    x, y, c = mirrored((x, y, c), np.random.default_rng((samples.seed, epoch, b)))
                loss = trainer.step(x, y, c)
                losses.append(float(loss))
                if epoch > 1 or b > 0:  # the first step compiles
                    timed, timed_s = timed + len(x), timed_s + time.perf_counter() - t0
                bar.update(task, advance=1, info=f"epoch {epoch} loss {np.mean(losses):.4g}")
            test_loss = _mean_loss(trainer, samples, test_pairs, batch_size)
            row = {"epoch": epoch, "train_loss": float(np.mean(losses)), "test_loss": test_loss,
                   "seconds": time.perf_counter() - start,
                   "samples_per_second": timed / timed_s if timed_s > 0 else float("nan")}
            history.append(row)
            surrogate = trainer.surrogate
            if out is not None:
                save(surrogate, out)
            if on_epoch is not None:
                on_epoch(row)
    return surrogate, history


def _mean_loss(trainer: "Trainer", samples: EnsembleSamples, pairs, batch_size: int, most: int = 256) -> float:
    """Held-out loss on up to `most` pairs (evenly spaced), in batches."""
    pairs = evenly_spaced(pairs, most)
    total = 0.0
    for x, y, c in samples.batches(pairs, batch_size, 0, shuffle=False):
        total += float(trainer.loss(x, y, c)) * len(x)
    return total / len(pairs)
