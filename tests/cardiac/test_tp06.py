"""TP06: currents, gates and rates at the CellML initial state against the published
equations written out again here (numpy, independent of the model code); Rush–Larsen;
rest without stimulus; APD90 of the first beat (shared/BENCHMARKS.md: 291.5 ms)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from hanami.apps.cardiac import apd
from hanami.apps.cardiac.model import SingleCell
from hanami.apps.cardiac.stimulus import Protocol
from hanami.apps.cardiac.tp06 import TP06
from hanami.core.integrate import fixed_step
from hanami.core.simulation import Simulation
from hanami.core.state import State

Y0 = dict(V=-85.23, Ki=136.89, Nai=8.604, Cai=0.000126, CaSR=3.64, Ca_ss=0.00036, Rp=0.9073, Xr1=0.00621,
          Xr2=0.4712, Xs=0.0095, m=0.00172, h=0.7444, j=0.7045, d=3.373e-5, f=0.7888, f2=0.9755, fCass=0.9953,
          s=0.999998, r=2.42e-8)


def reference_currents(y, gks=0.392, gto=0.294):
    """ten Tusscher & Panfilov 2006 (doi:10.1152/ajpheart.00109.2006), Appendix, epicardial cell."""
    rtf = 8314.472 * 310.0 / 96485.3415
    ko, nao, cao = 5.4, 140.0, 2.0
    v = y["V"]
    ek = rtf * np.log(ko / y["Ki"])
    ena = rtf * np.log(nao / y["Nai"])
    eks = rtf * np.log((ko + 0.03 * nao) / (y["Ki"] + 0.03 * y["Nai"]))
    eca = rtf / 2 * np.log(cao / y["Cai"])
    ak1 = 0.1 / (1 + np.exp(0.06 * (v - ek - 200)))
    bk1 = (3 * np.exp(2e-4 * (v - ek + 100)) + np.exp(0.1 * (v - ek - 10))) / (1 + np.exp(-0.5 * (v - ek)))
    e2 = np.exp(2 * (v - 15) / rtf)
    fac = 4 * (v - 15) * 96485.3415 / rtf
    c = {
        "I_Na": 14.838 * y["m"] ** 3 * y["h"] * y["j"] * (v - ena),
        "I_K1": 5.405 * ak1 / (ak1 + bk1) * (v - ek),
        "I_to": gto * y["r"] * y["s"] * (v - ek),
        "I_Kr": 0.153 * y["Xr1"] * y["Xr2"] * (v - ek),
        "I_Ks": gks * y["Xs"] ** 2 * (v - eks),
        "I_CaL": 3.98e-5 * y["d"] * y["f"] * y["f2"] * y["fCass"] * fac * (0.25 * y["Ca_ss"] * e2 - cao) / (e2 - 1),
        "I_NaK": 2.724 * ko / (ko + 1) * y["Nai"] / (y["Nai"] + 40)
                 / (1 + 0.1245 * np.exp(-0.1 * v / rtf) + 0.0353 * np.exp(-v / rtf)),
        "I_NaCa": 1000 * (np.exp(0.35 * v / rtf) * y["Nai"] ** 3 * cao
                          - np.exp(-0.65 * v / rtf) * nao ** 3 * y["Cai"] * 2.5)
                  / ((87.5 ** 3 + nao ** 3) * (1.38 + cao) * (1 + 0.1 * np.exp(-0.65 * v / rtf))),
        "I_pCa": 0.1238 * y["Cai"] / (y["Cai"] + 5e-4),
        "I_pK": 0.0146 * (v - ek) / (1 + np.exp((25 - v) / 5.98)),
        "I_bNa": 2.9e-4 * (v - ena),
        "I_bCa": 5.92e-4 * (v - eca),
    }
    return c


def model_state(y):
    names = {"Ki": "K_i", "Nai": "Na_i", "Cai": "Ca_i", "CaSR": "Ca_SR", "Rp": "R_prime"}
    return {names.get(k, k): jnp.asarray(v) for k, v in y.items()}


@pytest.mark.parametrize("v", [-85.23, -20.0, 10.0])
def test_currents_match_published_equations(v):
    y = dict(Y0, V=v)
    ref = reference_currents(y)
    got = TP06.of("epi").currents(model_state(y))
    for name, value in ref.items():
        np.testing.assert_allclose(float(got[name]), value, rtol=1e-10, atol=1e-14, err_msg=name)


def test_cell_types_change_gks_and_gto():
    y = dict(Y0, V=10.0)
    for kind, gks, gto in (("endo", 0.392, 0.073), ("m", 0.098, 0.294)):
        got = TP06.of(kind).currents(model_state(y))
        ref = reference_currents(y, gks, gto)
        np.testing.assert_allclose(float(got["I_Ks"]), ref["I_Ks"], rtol=1e-12)
        np.testing.assert_allclose(float(got["I_to"]), ref["I_to"], rtol=1e-12)


def test_resting_rates_at_initial_state():
    """dV/dt = -sum of the currents; the CellML state is close to rest (|dV/dt| ~ 1e-3 mV/ms)."""
    ref = reference_currents(Y0)
    rates = TP06.of("epi").rates(model_state(Y0))
    np.testing.assert_allclose(float(rates["V"]), -sum(ref.values()), rtol=1e-10)
    assert abs(float(rates["V"])) < 5e-3
    stim = TP06.of("epi").rates(model_state(Y0), i_stim=-52.0)
    np.testing.assert_allclose(float(stim["V"] - rates["V"]), 52.0, rtol=1e-12)


@pytest.mark.parametrize("v", [-85.23, -30.0, 20.0])
def test_gates_and_rush_larsen(v):
    """m, h, j, d, Xs steady states and time constants from the paper; the step is exact for frozen V."""
    gates = TP06.of("epi").gates(jnp.asarray(v), jnp.asarray(Y0["Ca_ss"]))
    m_inf = 1 / (1 + np.exp((-56.86 - v) / 9.03)) ** 2
    tau_m = (1 / (1 + np.exp((-60 - v) / 5))) * (0.1 / (1 + np.exp((v + 35) / 5)) + 0.1 / (1 + np.exp((v - 50) / 200)))
    h_inf = 1 / (1 + np.exp((v + 71.55) / 7.43)) ** 2
    if v < -40:
        ah, bh = 0.057 * np.exp(-(v + 80) / 6.8), 2.7 * np.exp(0.079 * v) + 3.1e5 * np.exp(0.3485 * v)
        aj = ((-2.5428e4 * np.exp(0.2444 * v) - 6.948e-6 * np.exp(-0.04391 * v)) * (v + 37.78)
              / (1 + np.exp(0.311 * (v + 79.23))))
        bj = 0.02424 * np.exp(-0.01052 * v) / (1 + np.exp(-0.1378 * (v + 40.14)))
    else:
        ah, bh = 0.0, 0.77 / (0.13 * (1 + np.exp(-(v + 10.66) / 11.1)))
        aj, bj = 0.0, 0.6 * np.exp(0.057 * v) / (1 + np.exp(-0.1 * (v + 32)))
    d_inf = 1 / (1 + np.exp((-8 - v) / 7.5))
    tau_d = ((1.4 / (1 + np.exp((-35 - v) / 13)) + 0.25) * 1.4 / (1 + np.exp((v + 5) / 5))
             + 1 / (1 + np.exp((50 - v) / 20)))
    xs_inf = 1 / (1 + np.exp((-5 - v) / 14))
    tau_xs = 1400 / np.sqrt(1 + np.exp((5 - v) / 6)) / (1 + np.exp((v - 35) / 15)) + 80
    expected = {"m": (m_inf, tau_m), "h": (h_inf, 1 / (ah + bh)), "j": (h_inf, 1 / (aj + bj)),
                "d": (d_inf, tau_d), "Xs": (xs_inf, tau_xs)}
    for name, (inf, tau) in expected.items():
        np.testing.assert_allclose(float(gates[name][0]), inf, rtol=1e-10, err_msg=name)
        np.testing.assert_allclose(float(gates[name][1]), tau, rtol=1e-10, err_msg=name)
    y = model_state(dict(Y0, V=v))
    dt = 0.1
    new = TP06.of("epi").step(y, jnp.asarray(dt))
    for name, (inf, tau) in expected.items():
        np.testing.assert_allclose(float(new[name]), inf + (float(y[name]) - inf) * np.exp(-dt / tau), rtol=1e-10)


def test_step_runs_on_any_shape_and_differentiates():
    m = TP06.of("epi")
    batch = m.initial_state((3, 2))
    batch["V"] = batch["V"] + jnp.arange(6.0).reshape(3, 2)
    stepped = m.step(batch, jnp.asarray(0.02), -10.0)
    single = jax.vmap(jax.vmap(lambda y: m.step(y, jnp.asarray(0.02), -10.0)))(batch)
    for k in stepped:
        np.testing.assert_allclose(stepped[k], single[k], rtol=1e-13)
    depolarised = {**m.initial_state(), "V": jnp.asarray(-20.0)}
    grad = jax.grad(lambda g: TP06(g_Kr=g).step(depolarised, jnp.asarray(0.01))["V"])(0.153)
    assert np.isfinite(grad) and grad < 0  # more I_Kr repolarises faster


def run_cell(stop, protocols, dt=0.01, precision="float64"):
    cell = SingleCell(ionic=TP06.of("epi"), protocols=protocols, dtype=precision)
    sim = Simulation(cell, fixed_step(cell.step, timed=True), State.start(cell.initial_state(), dt=dt),
                     stop_time=stop, diagnostics_every=10**9, chunk_attempts=2000)
    sim.run()
    return cell, sim


def test_rest_without_stimulus_stays_at_rest():
    _, sim = run_cell(1000.0, ())
    v = float(sim.state.fields["V"])
    assert abs(v - (-85.23)) < 1.0, v
    assert float(sim.state.fields["Ca_i"]) < 3e-4


@pytest.mark.parametrize("precision", ["float64", "float32"])
def test_first_beat_apd90(precision):
    """Stimulus -52 pA/pF for 1 ms at 10 ms: APD90 = 291.5 ms (two codes agree within 0.2 ms)."""
    protocol = Protocol(strength=52.0, start=10.0, duration=1.0, period=1000.0, count=1)
    cell, sim = run_cell(420.0, (protocol,), precision=precision)
    got = float(apd.durations(sim.state.fields)[0])
    assert abs(got - 291.5) < 1.0, got


def test_apd_tracking_matches_the_trace():
    """The in-loop APD90 equals the one measured on the sampled trace afterwards."""
    m = TP06.of("epi")
    dt = 0.01
    protocol = Protocol(strength=52.0, start=10.0, duration=1.0)

    def body(y, i):
        t = i * dt
        return m.step(y, jnp.asarray(dt), -52.0 * protocol.fraction(t, jnp.asarray(dt))), y["V"]

    _, trace = jax.jit(lambda y: jax.lax.scan(body, y, jnp.arange(42000)))(m.initial_state())
    t = np.arange(42000) * dt
    from_trace = apd.apd90_from_trace(t, np.asarray(trace), 10.0)
    _, sim = run_cell(420.0, (protocol,))
    np.testing.assert_allclose(float(apd.durations(sim.state.fields)[0]), from_trace, atol=0.02)
