"""Phase-field benchmark problems: PFHub BM1a (Cahn–Hilliard spinodal decomposition), BM2a
(Ostwald ripening), BM3 (dendritic solidification) and BM8b (nucleation).

Nondimensional: simulated times are in the benchmark's units.

* throughput: fixed first-order step (`time.adaptive = false`, `time.order = 1`,
  `time.dt = 0.05`; the stabilised scheme keeps F decreasing and mass to
  round-off at that step), on n x n grids over the same 200 x 200 box, so every
  size solves the same problem and ends at the same time: F agrees across sizes
  when all is well. The sizes are grid points per side (`--sizes`).
* adaptive: the shipped settings (adaptive step, tolerance 1e-4) on 200 x 200,
  timed to t = 1000 and (full suite) t = 10^4; with `--peers`, py-pde to t = 1000.

Cost per attempt in spectral transforms: a first-order fixed step does 3
(forward c, forward f'(c) - A c, inverse); an adaptive attempt, like a
second-order fixed step (`time.order = 2`, the case default), does 5 (step
doubling fused with Richardson extrapolation); the diagnostics at each chunk
end add 2.

BM3 (`pfhub-bm3`, forward Euler at the case's dt):
* throughput: n x n grids over the 960 x 960 box (dx = 960 / n; the case's dt is stable
  for every n <= 2400), with the NumPy peer running the same step (`numpy_peer`);
* whole run: the shipped case (2400 x 2400) to t = 250 and 1500 (quick suite: t = 5),
  wall seconds and cell-updates per second, float32 and float64.
The traffic model counts phi and U read and written once per step (4 passes): what a
fully fused step moves; the stencil's neighbours come from cache.

BM2a (`pfhub-bm2a`, c and four order parameters):
* throughput: the first-order semi-implicit step at dt = 0.01 on n x n over the 200 x 200 box,
  with the NumPy peer running the same step;
* whole run: the shipped adaptive case to t = 1000 (quick: t = 10).
Traffic: per field and step three transforms (each a read and a write) and four more passes,
five fields: 50 passes.

BM8b (`pfhub-bm8b`, 25 seeds, 500 x 500 periodic, ARK3 IMEX):
* throughput: n x n over the 500 x 500 box, with the NumPy peer (the same IMEX driver and
  reaction term, NumPy FFT solves);
* whole run: the shipped case to t = 200 (quick: t = 5).
Traffic: four stages, each an explicit evaluation and a solve by FFT (forward and inverse):
about 8 passes per stage, 32 per step.
"""

from __future__ import annotations

from typing import Any, Callable

from hanami.apps.base import (AdaptiveProblem, Benchmarks, GradientProblem, ScalingProblem, Setting,
                              SurrogateProblem, ThroughputProblem, Traffic)
from hanami.apps.base.scaling import Link, Projection, all_to_all
from hanami.apps.phasefield.norms import allen_cahn_norms, dendrite_norms, norms
from hanami.apps.phasefield.numpy_peer import NUMPY
from hanami.apps.phasefield.pypde_peer import PYPDE

CASE = "pfhub-bm1a"
FIXED_DT = 0.05
TRANSFORMS_PER_ATTEMPT = {"fixed": 3, "adaptive": 5}  # first-order fixed step; adaptive attempt
# Memory traffic model, in passes over one field per attempt: each transform reads and
# writes it once; the explicit term, the diagonal solve and the update add 4 passes
# (fixed) or 6 (adaptive: two solves, extrapolation).
FIXED_TRAFFIC = Traffic(2 * TRANSFORMS_PER_ATTEMPT["fixed"] + 4)
ADAPTIVE_TRAFFIC = Traffic(2 * TRANSFORMS_PER_ATTEMPT["adaptive"] + 6)


def _fixed_fields(case: Any, chunk: int, time_per_step_s: float) -> dict[str, Any]:
    return {"box": list(case.grid.lengths),
            "time_stepping": {"adaptive": False, "order": case.time.order, "dt": case.time.dt,
                              "transforms_per_attempt": TRANSFORMS_PER_ATTEMPT["fixed"], "chunk_attempts": chunk}}


def _adaptive_fields(case: Any) -> dict[str, Any]:
    return {"box": list(case.grid.lengths),
            "time_stepping": {"adaptive": True, "tolerance": case.time.tolerance, "dt0": case.time.dt,
                              "transforms_per_attempt": TRANSFORMS_PER_ATTEMPT["adaptive"],
                              "diagnostics_every": case.diagnostics.every_iterations}}


BM3 = "pfhub-bm3"
BM3_TRAFFIC = Traffic(4)


def _bm3_fields(case: Any, *rest: Any) -> dict[str, Any]:
    return {"box": list(case.grid.lengths), "time_stepping": {"adaptive": False, "dt": case.time.dt,
                                                              "stencil": case.model.stencil}}


BM2 = "pfhub-bm2a"
BM2_TRAFFIC = Traffic(50)
BM8 = "pfhub-bm8b"
BM8_TRAFFIC = Traffic(32)


def _bm8_fields(case: Any, *rest: Any) -> dict[str, Any]:
    return {"box": list(case.grid.lengths), "time_stepping": {"adaptive": False, "dt": case.time.dt,
                                                              "scheme": case.model.scheme}}


def _weak(n: int) -> list[str]:
    return [f"grid.shape=[{256 * n},256]", f"grid.lengths=[{256.0 * n},256.0]"]




def communication(n: int, bytes_per_value: int = 4, transforms: int = 5) -> Callable[[int, Link], float]:
    """Slab decomposition of the pseudo-spectral solver on n x n: every 2D FFT moves the spectrum once
    through an all-to-all, `transforms` per attempt [s per step]."""
    spectrum = n * (n // 2 + 1) * 2 * bytes_per_value
    return lambda p, link: transforms * all_to_all(p, link, spectrum)


# One H200's measured float32 figures (docs/benchmarks.md): 1.72e10 updates/s at 2048^2 and
# 0.11 ms per step at 512^2.
PROJECTION = Projection("phase field 2D, 16384^2", 16384.0**2, 1.72e10, 0.11e-3, communication(16384))


BENCHMARKS = Benchmarks(
    throughput=(ThroughputProblem(
        case=CASE, points=Setting((64, 200), (128, 200, 256, 512)),
        at=lambda n: (f"grid.shape=[{n}, {n}]",), label=lambda n: f"{n}x{n}", traffic=FIXED_TRAFFIC, norms=norms,
        fields=_fixed_fields, overrides=("time.adaptive=false", "time.order=1", f"time.dt={FIXED_DT!r}"),
        sized=True, note="fixed dt, "),
        ThroughputProblem(
            case=BM3, points=Setting((600,), (1200, 2400), "bm3_sizes"), at=lambda n: (f"grid.shape=[{n}, {n}]",),
            label=lambda n: f"BM3 {n}x{n}", traffic=BM3_TRAFFIC, norms=dendrite_norms, fields=_bm3_fields,
            overrides=("output.times=[]",), steps=Setting(20, 40, "bm3_steps"), peers=(NUMPY,)),
        ThroughputProblem(
            case=BM2, points=Setting((200,), (200, 400), "bm2_sizes"), at=lambda n: (f"grid.shape=[{n}, {n}]",),
            label=lambda n: f"BM2a {n}x{n}", traffic=BM2_TRAFFIC, norms=norms, fields=_fixed_fields,
            overrides=("time.adaptive=false", "time.order=1", "time.dt=0.01", "output.times=[]"),
            steps=Setting(10, 40, "bm2_steps"), peers=(NUMPY,)),
        ThroughputProblem(
            case=BM8, points=Setting((200,), (1000,), "bm8_sizes"), at=lambda n: (f"grid.shape=[{n}, {n}]",),
            label=lambda n: f"BM8b {n}x{n}", traffic=BM8_TRAFFIC, norms=allen_cahn_norms, fields=_bm8_fields,
            overrides=("output.times=[]",), steps=Setting(10, 40, "bm8_steps"), peers=(NUMPY,))),
    adaptive=(
        AdaptiveProblem(case=CASE, label="BM1a", times=Setting((1000.0,), (1000.0, 10000.0), "adaptive_times"),
                        traffic=ADAPTIVE_TRAFFIC, norms=norms, fields=_adaptive_fields, peers=(PYPDE,)),
        AdaptiveProblem(case=BM3, label="BM3", times=Setting((5.0,), (250.0, 1500.0), "bm3_times"), traffic=BM3_TRAFFIC,
                        norms=dendrite_norms, fields=_bm3_fields),
        AdaptiveProblem(case=BM2, label="BM2a", times=Setting((10.0,), (1000.0,), "bm2_times"), traffic=BM2_TRAFFIC,
                        norms=norms, fields=_adaptive_fields),
        AdaptiveProblem(case=BM8, label="BM8b", times=Setting((5.0,), (200.0,), "bm8_times"), traffic=BM8_TRAFFIC,
                        norms=allen_cahn_norms, fields=_bm8_fields)),
    scaling=ScalingProblem(CASE, ("grid.shape=[256,256]", "grid.lengths=[256.0,256.0]", "time.adaptive=false",
                                  "time.dt=0.05"), _weak, "free_energy", PROJECTION),
    gradient=GradientProblem(CASE, ("grid.shape=[64,64]", "grid.lengths=[64.0,64.0]", "time.dt=0.05"),
                             "model.kappa", 400, "c", large=("grid.shape=[256,256]", "grid.lengths=[256.0,256.0]")),
    surrogate=SurrogateProblem(CASE, ("initial.kind=random", "initial.epsilon=0.05", "grid.shape=[64,64]",
                                      "grid.lengths=[64,64]", "output.interval=10"), 300.0,
                               {"members": 4, "vary": {"initial.seed": [0, 1, 2, 3]}}, (), 50.0),
)
