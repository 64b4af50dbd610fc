"""The NumPy peer: the same step run by NumPy (`hanami bench phasefield --peers`).

The question it answers: what does the compiled JAX step buy over the obvious array code of the same
method on the same machine? It advances the loaded case with exactly hanami's discretisation for the
throughput problem's steps and times the median of its repeats as the throughput records do:

* BM3 (`dendrite`): the model's own `step`, whose operators take NumPy arrays as well;
* BM2 (`ostwald-ripening`): the model's own chemical potentials with NumPy's FFT (scipy's DCT on
  no-flux boxes) for the first-order semi-implicit step;
* BM8 (`allen-cahn`): hanami's IMEX Runge-Kutta driver (`hanami.core.imex.imex_step`, plain Python)
  with the model's own reaction term, a NumPy five-point Laplacian and NumPy FFT solves (periodic box).

NumPy runs one thread; its operations each make a pass over memory, where XLA fuses them.
"""

from __future__ import annotations

import statistics
import time
from typing import Any, Callable

import numpy as np
import scipy.fft

from hanami.apps.base import LoadedCase, Peer, PeerSettings
from hanami.apps.phasefield import fd_operators as fd
from hanami.core.imex import TABLEAUX, imex_step

CODE = "numpy"


def _transforms(boundary: str):
    if boundary == "periodic":
        return np.fft.rfft2, lambda a, shape: np.fft.irfft2(a, s=shape)
    return (lambda a: scipy.fft.dctn(a, type=2, norm="ortho"),
            lambda a, shape: scipy.fft.idctn(a, type=2, norm="ortho"))


def ostwald_step(model: Any) -> Callable[[dict, Any, float], dict]:
    """BM2's first-order semi-implicit step in NumPy (the model's `step` with NumPy transforms)."""
    forward, inverse = _transforms(model.grid.boundary)
    k2 = np.asarray(model.spectral.k2(np.float64))

    def step(fields: dict, dt: Any, t: float) -> dict:
        c, etas = fields["c"], [fields[n] for n in model.names]
        k = k2.astype(c.dtype)
        mu_c, mu_eta = model._explicit_potentials(c, etas)
        m_dt_k2 = dt * model.mobility * k
        new = {"c": inverse((forward(c) - m_dt_k2 * forward(mu_c)) / (1 + m_dt_k2 * (2 * model.rho2
                                                                                   + model.kappa_c * k)), c.shape)}
        denominator = 1 + dt * model.relaxation * (model.stabilisation + model.kappa_eta * k)
        for name, e, mu in zip(model.names, etas, mu_eta):
            new[name] = inverse((forward(e) - dt * model.relaxation * forward(mu)) / denominator, e.shape)
        return {k: v.astype(c.dtype) for k, v in new.items()}

    return step


def allen_cahn_step(model: Any) -> Callable[[dict, Any, float], dict]:
    """BM8's IMEX step in NumPy on a periodic box (seeds at t = 0, no source)."""
    if set(model.boundaries) != {"periodic"} or model.manufactured is not None or model.nuclei is not None:
        raise ValueError("the NumPy Allen-Cahn peer runs periodic boxes without sources or later seeds")
    spacing, rate = model.grid.spacing, model.mobility * model.kappa
    symbol = fd.eigenvalues(model.grid.shape, spacing, model.boundaries)

    def laplacian(u: np.ndarray) -> np.ndarray:
        return sum((np.roll(u, 1, axis) + np.roll(u, -1, axis) - 2 * u) / h**2 for axis, h in enumerate(spacing))

    def step(fields: dict, dt: Any, t: float) -> dict:
        phi = fields["phi"]
        new = imex_step((phi,), dt, TABLEAUX[model.scheme], lambda y: (-model.mobility * model.bulk_potential(y[0]),),
                        lambda y: (rate * laplacian(y[0]),),
                        lambda r, k: (np.real(np.fft.ifft2(np.fft.fft2(r[0]) / (1 + k * rate * symbol))).astype(
                            phi.dtype),))
        return {"phi": new[0].astype(phi.dtype)}

    return step


def _numpy_step(model: Any) -> Callable[[dict, Any, float], dict]:
    kind = type(model).__name__
    if kind == "Dendrite":
        return lambda fields, dt, t: model.step(fields, dt)
    if kind == "OstwaldRipening":
        return ostwald_step(model)
    return allen_cahn_step(model)


def run_numpy(loaded: LoadedCase, settings: PeerSettings) -> dict[str, Any]:
    """Time `settings.repeats` x `settings.steps` NumPy steps of the loaded case after a warm-up chunk."""
    cfg = loaded.case
    built = loaded.app.build(cfg)
    model = built.model
    dtype = np.dtype(settings.precision)
    fields = {name: np.asarray(value, dtype) for name, value in built.state.fields.items()}
    dt = dtype.type(cfg.time.dt)
    step = _numpy_step(model)
    t = 0.0
    for _ in range(settings.chunk):
        fields, t = step(fields, dt, t), t + cfg.time.dt
    times = []
    for _ in range(settings.repeats):
        start = time.perf_counter()
        for _ in range(settings.steps):
            fields, t = step(fields, dt, t), t + cfg.time.dt
        times.append((time.perf_counter() - start) / settings.steps)
    per_step = statistics.median(times)
    points = int(np.prod(cfg.grid.shape))
    return {
        "code_version": np.__version__, "case": cfg.name, "resolution": list(cfg.grid.shape), "grid_points": points,
        "box": list(cfg.grid.lengths), "precision": settings.precision,
        "method": {"summary": f"hanami's {cfg.model.kind} step in NumPy, dt={cfg.time.dt:g}", "dt": cfg.time.dt},
        "steps": settings.steps, "repeats": settings.repeats, "time_per_step_s": per_step,
        "spread": (max(times) - min(times)) / per_step if per_step > 0 else None,
        "updates_per_s": points / per_step,
        "final": {"finite": bool(all(np.all(np.isfinite(v)) for v in fields.values())),
                  **({"tip_position": float(model.tip_position(fields["phi"]))} if "U" in fields else
                     {"mean": {k: float(np.mean(v)) for k, v in fields.items()}})},
    }


def compare_with_hanami(peer: dict[str, Any], records: list[dict[str, Any]]) -> None:
    """`ratio_to_hanami` {precision: NumPy s per step / hanami's} (above 1 hanami is faster) and
    `hanami` {precision: {time_per_step_s, updates_per_s}} from the throughput record of the same grid."""
    peer["ratio_to_hanami"], peer["hanami"] = {}, {}
    for r in records:
        if (r.get("app") == "phasefield" and r.get("kind") == "throughput" and r.get("case") == peer["case"]
                and r["resolution"] == peer["resolution"] and r["precision"] == peer["precision"]
                and r.get("devices", 1) == 1):
            peer["ratio_to_hanami"][r["precision"]] = peer["time_per_step_s"] / r["time_per_step_s"]
            peer["hanami"][r["precision"]] = {"time_per_step_s": r["time_per_step_s"],
                                              "updates_per_s": r["updates_per_s"]}


NUMPY = Peer(code=CODE, requirement="numpy", available=lambda: True, run=run_numpy, compare=compare_with_hanami,
             note=" (NumPy steps take seconds each on large grids)")
