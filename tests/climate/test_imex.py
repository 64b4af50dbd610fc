"""The IMEX Runge-Kutta schemes: tableau order conditions, the stage solve, TC2 at round-off and
the order of time convergence on the Rossby-Haurwitz wave."""

import math
import typing

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from hanami.apps.climate import analysis
from hanami.apps.climate.app import build_model, initial_grid_fields
from hanami.apps.climate.case import ShallowWaterSection
from hanami.core.imex import ARK3, EULER, SIL3, TABLEAUX, Tableau
from hanami.runner import load_case, run_case

SMALL = ["output.plots=false", "checkpoint.wall_interval=0"]


def order_defects(tableau):
    """|residual| of the classical order conditions up to order 3 of each part and of the coupling."""
    ae, ai = np.array(tableau.explicit, float), np.array(tableau.implicit, float)
    be, bi = np.array(tableau.b_explicit, float), np.array(tableau.b_implicit, float)
    ce, ci = ae.sum(axis=1), ai.sum(axis=1)
    defects = {"stage times agree": np.max(np.abs(ce - ci))}
    for name, b, c in (("explicit", be, ce), ("implicit", bi, ci)):
        defects[f"{name} order 1"] = abs(b.sum() - 1)
        defects[f"{name} order 2"] = abs(b @ c - 1 / 2)
        defects[f"{name} order 3 (b c^2)"] = abs(b @ c ** 2 - 1 / 3)
    for (bn, b), (an, a) in [((x, y), (z, w)) for x, y in (("E", be), ("I", bi)) for z, w in (("E", ae), ("I", ai))]:
        defects[f"order 3 b_{bn} A_{an} c"] = abs(b @ a @ ce - 1 / 6)
    return defects


def test_ark3_is_third_order_and_sil3_second_order_by_their_coefficients():
    ark = order_defects(ARK3)
    assert max(ark.values()) < 1e-12, ark
    sil = order_defects(SIL3)
    second = {k: v for k, v in sil.items() if "order 3" not in k}
    assert max(second.values()) < 1e-15, sil
    assert sil["order 3 b_E A_E c"] < 1e-15  # F alone: third order on linear problems
    assert sil["explicit order 3 (b c^2)"] > 1e-2 and sil["implicit order 3 (b c^2)"] > 1e-2  # not in general
    euler = order_defects(EULER)
    assert euler["stage times agree"] == 0 and euler["explicit order 1"] == euler["implicit order 1"] == 0
    assert euler["explicit order 2"] == euler["implicit order 2"] == 0.5  # first order, not second


def test_bad_tableaux_are_refused():
    with pytest.raises(ValueError, match="strictly lower"):
        Tableau(explicit=((0, 1), (0, 0)), implicit=((0, 0), (0, 1)), b_explicit=(0.5, 0.5),
                b_implicit=(0.5, 0.5), order=1)
    with pytest.raises(ValueError, match="inconsistent"):
        Tableau(explicit=((0, 0), (1, 0)), implicit=((0, 0), (0, 1)), b_explicit=(0.5, 0.5), b_implicit=(1,),
                order=1)


def test_stage_solve_inverts_the_implicit_terms():
    case = load_case("williamson-tc5", ["grid.truncation=21", 'model.scheme="imex-ark3"']).case
    model, fields = build_model(case)
    rng = np.random.default_rng(0)
    scales = (1e-5, 1e-6, 100.0)  # vorticity, divergence [1/s], h' [m]
    y = tuple(jnp.asarray(s * (rng.normal(size=fields["h"].shape) + 1j * rng.normal(size=fields["h"].shape)))
              for s in scales)
    k = 300.0  # [s]
    rhs = tuple(a - k * b for a, b in zip(y, model.implicit_terms(*y)))
    back = model.implicit_solve(rhs, jnp.asarray(k))
    for a, b, s in zip(back, y, scales):
        assert float(jnp.max(jnp.abs(a - b))) <= 1e-12 * s
    assert float(jnp.max(jnp.abs(rhs[1] - y[1]))) > 1e-3 * scales[1]  # the implicit terms are not negligible


# the IMEX schemes the shallow-water case offers (the first-order IMEX Euler is the phase field's)
CLIMATE_IMEX = sorted(s for s in typing.get_args(ShallowWaterSection.model_fields["scheme"].annotation) if s in TABLEAUX)


@pytest.mark.parametrize("scheme", CLIMATE_IMEX)
def test_tc2_stays_at_round_off_with_imex(tmp_path, scheme):
    result = run_case("williamson-tc2", out=tmp_path / "run", progress=False,
                      overrides=SMALL + ["grid.truncation=31", 'time.dt="30 min"', 'stop.time="5 days"',
                                         f'model.scheme="{scheme}"', "initial.alpha=0.7853981633974483"])
    case = load_case(tmp_path / "run" / "case.toml").case
    grid = case.grid.build(case.model.radius)
    norms = analysis.error_norms(result.dataset["h"].values[-1], initial_grid_fields(case, grid)[2], grid)
    print(f"{scheme} TC2 alpha = pi/4, T31, 5 days: l2 = {norms['l2']:.2e}, linf = {norms['linf']:.2e}")
    assert norms["l2"] < 1e-12 and norms["linf"] < 1e-11, norms
    assert set(result.dataset.data_vars) >= {"h", "vorticity"}


@eqx.filter_jit
def _advance(model, fields, dt, steps):
    return jax.lax.fori_loop(0, steps, lambda _, f: model.step(f, dt), fields)


def tc6_h(scheme, dts, stop=86400.0):
    """h' (spectral) of TC6 at T21 after `stop` [s] for each step in `dts` (one compile for all)."""
    case = load_case("williamson-tc6", ["grid.truncation=21", f'model.scheme="{scheme}"']).case
    model, fields = build_model(case)
    assert set(fields) == {"vor", "div", "h"}  # one time level
    return [np.asarray(_advance(model, dict(fields), jnp.asarray(dt), round(stop / dt))["h"]) for dt in dts]


@pytest.mark.slow
@pytest.mark.parametrize("scheme,low,high", [("imex-ark3", 2.6, 3.3), ("imex-sil3", 1.7, 2.3)])
def test_imex_time_convergence_order(scheme, low, high):
    """TC6 at T21 over one day with dt, dt/2, dt/4 against dt/16: the error falls at the pair's order."""
    dt = 1200.0
    *runs, reference = tc6_h(scheme, (dt, dt / 2, dt / 4, dt / 16))
    errors = [float(np.max(np.abs(h - reference))) for h in runs]
    orders = [math.log2(a / b) for a, b in zip(errors, errors[1:])]
    print(f"{scheme}: max |h error| [m] {errors}, orders {[round(o, 2) for o in orders]}")
    # measured: imex-ark3 2.81, 2.97; imex-sil3 1.85, 2.05
    assert all(low < o < high for o in orders[1:]) and orders[0] > low - 0.3, (errors, orders)


def test_imex_lands_on_times_that_are_not_whole_steps(tmp_path):
    result = run_case("williamson-tc6", out=tmp_path / "run", progress=False,
                      overrides=SMALL + ["grid.truncation=21", 'time.dt="25 min"', 'stop.time="1 day"',
                                         'output.interval="7 h"', 'model.scheme="imex-sil3"'])
    assert [float(t) for t in result.dataset["time"].values] == [0.0, 25200.0, 50400.0, 75600.0, 86400.0]
    assert result.summary["time"] == 86400.0
