"""The phase field's peer code: py-pde's Cahn–Hilliard on PFHub BM1a (`hanami bench phasefield --peers`).

py-pde (Zwicker 2020, doi:10.21105/joss.02158) solves

    d(phi)/d(tau) = lap( phi^3 - phi - gamma lap phi ).

BM1 (`hanami.apps.phasefield.model`) is dc/dt = M lap( f'(c) - kappa lap c )
with f = rho (c - c_a)^2 (c_b - c)^2. Writing c = m + h phi with
m = (c_a + c_b)/2 and h = (c_b - c_a)/2 gives c - c_a = h (1 + phi),
c_b - c = h (1 - phi), c_a + c_b - 2c = -2 h phi, hence
f'(c) = 4 rho h^3 (phi^3 - phi) and

    d(phi)/dt = 4 M rho h^2 lap( phi^3 - phi - kappa / (4 rho h^2) lap phi ),

that is tau = 4 M rho h^2 t and gamma = kappa / (4 rho h^2); lengths are
unchanged. For BM1 (M = 5, rho = 5, kappa = 2, h = 0.2): tau = 4 t, gamma = 2.5.
`tests/unit/test_bench.py` checks the mapping against a hand-written BM1
right-hand side.

The peer run: py-pde's `CahnHilliardPDE`, its 5-point Laplacian, numba backend,
explicit Euler at a fixed dt (0.0025 in t units; its stability limit is about
0.0028), on py-pde's cell-centred periodic grid with the same values as
hanami's initial array (a half-cell shift of a periodic problem, which the
equation does not notice).
"""

from __future__ import annotations

import importlib.util
import time
from typing import Any

import numpy as np

from hanami.apps.base import LoadedCase, Peer, PeerSettings, Setting
from hanami.apps.phasefield.norms import final_norms

PYPDE_DT = 0.0025


def pypde_available() -> bool:
    """Whether py-pde and numba can be imported."""
    return importlib.util.find_spec("pde") is not None and importlib.util.find_spec("numba") is not None


def bm1_rescaling(c_alpha: float, c_beta: float, rho_s: float, kappa: float, mobility: float
                  ) -> dict[str, float]:
    """The map from BM1 to py-pde's Cahn–Hilliard form.

    Returns:
        middle m and half_width h (c = m + h phi), time_rate (tau = time_rate * t)
        and gamma (py-pde's `interface_width`), all dimensionless.
    """
    half = 0.5 * (c_beta - c_alpha)
    return {"middle": 0.5 * (c_alpha + c_beta), "half_width": half,
            "time_rate": 4.0 * mobility * rho_s * half**2, "gamma": kappa / (4.0 * rho_s * half**2)}


def free_energy_fd(c: np.ndarray, spacing: tuple[float, float], c_alpha: float, c_beta: float, rho_s: float,
                   kappa: float) -> float:
    """BM1 free energy with forward differences on a periodic grid (py-pde's discrete energy).

    Summed by parts this equals the sum of f(c) - kappa/2 c lap_5(c), the energy
    the 5-point scheme decreases. Units: the benchmark's energy units.
    """
    c = np.asarray(c, np.float64)
    bulk = rho_s * (c - c_alpha) ** 2 * (c_beta - c) ** 2
    grad2 = sum(((np.roll(c, -1, axis=i) - c) / d) ** 2 for i, d in enumerate(spacing))
    return float(np.sum(bulk + 0.5 * kappa * grad2) * spacing[0] * spacing[1])


def run_pypde_bm1a(loaded: LoadedCase, settings: PeerSettings, dt: float = PYPDE_DT) -> dict[str, Any]:
    """Run py-pde's `CahnHilliardPDE` on the loaded BM1a case (periodic) to `settings.stop_time`.

    Arguments:
        loaded: the shipped BM1a case (float64); its initial array is py-pde's.
        settings: `stop_time` is the simulated time in BM1 units.
        dt: explicit Euler step in BM1 time units.

    Returns:
        The `peer` record's figures: `compile_s` (py-pde's numba compilation), `run_s` (its
        solver time), `wall_s` (the whole `solve` call), steps, and the final
        state's norms with F from hanami's spectral estimator (`free_energy`)
        and from forward differences (`free_energy_fd`).
    """
    import numba
    import pde

    stop_time = settings.stop_time
    cfg = loaded.case
    built = loaded.app.build(cfg)
    model = built.model
    m = cfg.model
    scale = bm1_rescaling(m.c_alpha, m.c_beta, m.rho_s, m.kappa, m.mobility)
    c0 = np.asarray(built.state.fields["c"], np.float64)
    grid = pde.CartesianGrid([(0.0, length) for length in cfg.grid.lengths], list(cfg.grid.shape), periodic=True)
    state = pde.ScalarField(grid, (c0 - scale["middle"]) / scale["half_width"])
    equation = pde.CahnHilliardPDE(interface_width=scale["gamma"])
    start = time.perf_counter()
    result, info = equation.solve(state, t_range=scale["time_rate"] * stop_time, dt=scale["time_rate"] * dt,
                                  tracker=None, backend="numba", solver="euler", ret_info=True)
    wall = time.perf_counter() - start
    profiler = info["controller"]["profiler"]
    steps = int(info["solver"]["steps"])
    c = scale["middle"] + scale["half_width"] * np.asarray(result.data)
    spacing = tuple(float(d) for d in grid.discretization)
    final = final_norms(c, float(model.free_energy(c)), info["controller"]["t_final"] / scale["time_rate"],
                        float(np.mean(c0)))
    final["free_energy_fd"] = free_energy_fd(c, spacing, m.c_alpha, m.c_beta, m.rho_s, m.kappa)
    return {
        "code_version": pde.__version__, "case": cfg.name, "resolution": list(cfg.grid.shape),
        "grid_points": int(np.prod(cfg.grid.shape)), "box": list(cfg.grid.lengths), "precision": "float64",
        "devices": 1, "processes": 1, "bytes_per_update": None,
        "method": {"summary": f"5-point FD, explicit Euler dt={dt:g}", "pde": "CahnHilliardPDE",
                   "interface_width": scale["gamma"], "time_rate": scale["time_rate"], "dt": dt,
                   "backend": "numba", "numba": numba.__version__,
                   "numba_threads": numba.config.NUMBA_NUM_THREADS,
                   "multithreading": pde.config["backend.numba.multithreading"],
                   "multithreading_threshold": pde.config["backend.numba.multithreading_threshold"]},
        "stop_time": stop_time,
        "compile_s": float(profiler["compilation"]),
        "run_s": float(profiler["solver"]),
        "wall_s": wall,
        "steps": steps,
        "time_per_step_s": float(profiler["solver"]) / steps,
        "spread": None,
        "updates_per_s": int(np.prod(cfg.grid.shape)) * steps / float(profiler["solver"]),
        "final": final,
    }


def compare_with_hanami(peer: dict[str, Any], records: list[dict[str, Any]]) -> None:
    """Add to `peer` the ratio of its solver time to hanami's adaptive wall time (after compile).

    Uses the `adaptive` records among `records` that reached the peer's stop time, one per
    precision; adds `ratio_to_hanami` {precision: ratio} and `hanami`
    {precision: {wall_s, run_s, compile_s, free_energy, steps}}.
    """
    peer["ratio_to_hanami"], peer["hanami"] = {}, {}
    for record in (r for r in records if r["kind"] == "adaptive"):
        if record["stop_time"] == peer["stop_time"] and record["resolution"] == peer["resolution"]:
            peer["ratio_to_hanami"][record["precision"]] = peer["run_s"] / record["wall_s"]
            peer["hanami"][record["precision"]] = {
                "wall_s": record["wall_s"], "run_s": record["run_s"], "compile_s": record["compile_s"],
                "free_energy": record["final"]["free_energy"], "steps": record["steps"]}


PYPDE = Peer(code="py-pde", requirement="py-pde (with numba)", available=lambda: pypde_available(),
             run=run_pypde_bm1a, compare=compare_with_hanami, precisions=("float64",),
             stop_time=Setting(1000.0, 1000.0, option="peer_time"),
             note=" (numba compile and run take a minute or two)")
