"""The ten Tusscher–Panfilov 2006 human ventricular cell model.

ten Tusscher K.H.W.J. & Panfilov A.V. (2006), Alternans and spiral breakup in a
human ventricular tissue model, Am J Physiol Heart Circ Physiol 291:H1088–H1100,
doi:10.1152/ajpheart.00109.2006; equations and default initial state as in the
model's CellML encoding (epicardial cell).

Units: time [ms], membrane potential [mV], currents [pA/pF] (= uA/uF),
concentrations [mM]. 19 state variables. The twelve Hodgkin–Huxley gates are
advanced by Rush–Larsen (exact exponential step with frozen V), everything else
(V, the concentrations and the ryanodine-receptor state R_prime) by forward
Euler. `step` is one pure elementwise function: it runs on any array shape, can
be vmapped and differentiated.

Cell types differ in G_Ks, G_to and the s gate of I_to (endocardial s gate is
slower and recovers at more negative potentials).
"""

from __future__ import annotations

from typing import Literal

import equinox as eqx
import jax
import jax.numpy as jnp

Fields = dict[str, jax.Array]
CellType = Literal["epi", "endo", "m"]

# Physical constants and cell geometry (CellML units: R [J/(kmol K)], F [C/mol]).
R, T, F = 8314.472, 310.0, 96485.3415
RTF = R * T / F  # [mV]
CM = 0.185  # membrane capacitance [uF]
V_C, V_SR, V_SS = 0.016404, 0.001094, 0.00005468  # volumes [uL]
K_O, NA_O, CA_O = 5.4, 140.0, 2.0  # extracellular concentrations [mM]

STATE_NAMES = ("V", "K_i", "Na_i", "Ca_i", "Ca_SR", "Ca_ss", "R_prime", "Xr1", "Xr2", "Xs",
               "m", "h", "j", "d", "f", "f2", "fCass", "s", "r")

# CellML default initial state (epicardial cell).
INITIAL_STATE: dict[str, float] = {
    "V": -85.23, "K_i": 136.89, "Na_i": 8.604, "Ca_i": 0.000126, "Ca_SR": 3.64, "Ca_ss": 0.00036,
    "R_prime": 0.9073, "Xr1": 0.00621, "Xr2": 0.4712, "Xs": 0.0095, "m": 0.00172, "h": 0.7444,
    "j": 0.7045, "d": 3.373e-5, "f": 0.7888, "f2": 0.9755, "fCass": 0.9953, "s": 0.999998, "r": 2.42e-8,
}

# Conductances that depend on the cell type [nS/pF].
CELL_TYPES: dict[str, dict[str, float]] = {
    "epi": {"g_Ks": 0.392, "g_to": 0.294},
    "endo": {"g_Ks": 0.392, "g_to": 0.073},
    "m": {"g_Ks": 0.098, "g_to": 0.294},
}


def _sigmoid(x: jax.Array) -> jax.Array:
    """1 / (1 + exp(x))."""
    return 1.0 / (1.0 + jnp.exp(x))


class TP06(eqx.Module):
    """ten Tusscher–Panfilov 2006 with the published parameter values.

    Attributes:
        cell_type: "epi", "endo" or "m".
        g_Na, g_K1, g_Kr, g_Ks, g_to, g_bNa, g_bCa, g_pK, g_pCa: conductances [nS/pF]
            (g_pCa [pA/pF]); g_CaL [cm ms^-1 uF^-1].
    """

    cell_type: str = eqx.field(static=True, default="epi")
    g_Na: float = 14.838
    g_K1: float = 5.405
    g_Kr: float = 0.153
    g_Ks: float = 0.392
    g_to: float = 0.294
    g_CaL: float = 3.98e-5
    g_bNa: float = 0.00029
    g_bCa: float = 0.000592
    g_pK: float = 0.0146
    g_pCa: float = 0.1238

    state_names = STATE_NAMES

    @classmethod
    def of(cls, cell_type: CellType = "epi") -> "TP06":
        if cell_type not in CELL_TYPES:
            raise ValueError(f"cell_type {cell_type!r} is not one of {', '.join(CELL_TYPES)}")
        return cls(cell_type=cell_type, **CELL_TYPES[cell_type])

    def initial_state(self, shape: tuple[int, ...] = (), dtype: str = "float64") -> Fields:
        """The CellML default state broadcast to `shape`."""
        return {k: jnp.full(shape, INITIAL_STATE[k], dtype=dtype) for k in STATE_NAMES}

    # -- currents -------------------------------------------------------------
    def currents(self, y: Fields) -> dict[str, jax.Array]:
        """Every membrane current [pA/pF] and the SR fluxes [mM/ms] at state `y`."""
        V, Ki, Nai, Cai, Ca_ss = y["V"], y["K_i"], y["Na_i"], y["Ca_i"], y["Ca_ss"]
        E_Na = RTF * jnp.log(NA_O / Nai)
        E_K = RTF * jnp.log(K_O / Ki)
        E_Ks = RTF * jnp.log((K_O + 0.03 * NA_O) / (Ki + 0.03 * Nai))
        E_Ca = 0.5 * RTF * jnp.log(CA_O / Cai)

        alpha_K1 = 0.1 / (1.0 + jnp.exp(0.06 * (V - E_K - 200.0)))
        beta_K1 = (3.0 * jnp.exp(0.0002 * (V - E_K + 100.0)) + jnp.exp(0.1 * (V - E_K - 10.0))) / (
            1.0 + jnp.exp(-0.5 * (V - E_K)))
        x_K1 = alpha_K1 / (alpha_K1 + beta_K1)
        sqrt_ko = (K_O / 5.4) ** 0.5

        out = {
            "I_Na": self.g_Na * y["m"] ** 3 * y["h"] * y["j"] * (V - E_Na),
            "I_K1": self.g_K1 * x_K1 * sqrt_ko * (V - E_K),
            "I_to": self.g_to * y["r"] * y["s"] * (V - E_K),
            "I_Kr": self.g_Kr * sqrt_ko * y["Xr1"] * y["Xr2"] * (V - E_K),
            "I_Ks": self.g_Ks * y["Xs"] ** 2 * (V - E_Ks),
            "I_bNa": self.g_bNa * (V - E_Na),
            "I_bCa": self.g_bCa * (V - E_Ca),
            "I_pK": self.g_pK * (V - E_K) / (1.0 + jnp.exp((25.0 - V) / 5.98)),
            "I_pCa": self.g_pCa * Cai / (Cai + 0.0005),
        }
        # L-type calcium current (GHK form); its 0/0 at V = 15 mV is replaced by the limit.
        u = 2.0 * (V - 15.0) / RTF
        small = jnp.abs(u) < 1e-6
        u_safe = jnp.where(small, 1.0, u)
        ghk = jnp.where(small, (0.25 * Ca_ss - CA_O) + 0.5 * u * (0.25 * Ca_ss + CA_O),
                        u_safe * (0.25 * Ca_ss * jnp.exp(u_safe) - CA_O) / jnp.expm1(u_safe))
        out["I_CaL"] = self.g_CaL * y["d"] * y["f"] * y["f2"] * y["fCass"] * 2.0 * F * ghk
        out["I_NaK"] = (2.724 * K_O / (K_O + 1.0) * Nai / (Nai + 40.0)
                        / (1.0 + 0.1245 * jnp.exp(-0.1 * V / RTF) + 0.0353 * jnp.exp(-V / RTF)))
        gamma = 0.35
        out["I_NaCa"] = (1000.0 * (jnp.exp(gamma * V / RTF) * Nai ** 3 * CA_O
                                   - jnp.exp((gamma - 1.0) * V / RTF) * NA_O ** 3 * Cai * 2.5)
                         / ((87.5 ** 3 + NA_O ** 3) * (1.38 + CA_O)
                            * (1.0 + 0.1 * jnp.exp((gamma - 1.0) * V / RTF))))

        # Calcium-induced calcium release and SR fluxes [mM/ms].
        Ca_SR = y["Ca_SR"]
        kcasr = 2.5 - 1.5 / (1.0 + (1.5 / Ca_SR) ** 2)
        k1 = 0.15 / kcasr
        open_ = k1 * Ca_ss ** 2 * y["R_prime"] / (0.06 + k1 * Ca_ss ** 2)
        out["J_rel"] = 0.102 * open_ * (Ca_SR - Ca_ss)
        out["J_up"] = 0.006375 / (1.0 + 0.00025 ** 2 / Cai ** 2)
        out["J_leak"] = 0.00036 * (Ca_SR - Cai)
        out["J_xfer"] = 0.0038 * (Ca_ss - Cai)
        out["k2"] = 0.045 * kcasr
        return out

    @staticmethod
    def ionic_current(c: dict[str, jax.Array]) -> jax.Array:
        """Total ionic current I_ion [pA/pF]."""
        return (c["I_Na"] + c["I_K1"] + c["I_to"] + c["I_Kr"] + c["I_Ks"] + c["I_CaL"] + c["I_NaK"]
                + c["I_NaCa"] + c["I_pCa"] + c["I_pK"] + c["I_bNa"] + c["I_bCa"])

    # -- gates ----------------------------------------------------------------
    def gates(self, V: jax.Array, Ca_ss: jax.Array) -> dict[str, tuple[jax.Array, jax.Array]]:
        """(steady state, time constant [ms]) of every gate."""
        out = {}
        a, b = 450.0 * _sigmoid((-45.0 - V) / 10.0), 6.0 * _sigmoid((V + 30.0) / 11.5)
        out["Xr1"] = (_sigmoid((-26.0 - V) / 7.0), a * b)
        a, b = 3.0 * _sigmoid((-60.0 - V) / 20.0), 1.12 * _sigmoid((V - 60.0) / 20.0)
        out["Xr2"] = (_sigmoid((V + 88.0) / 24.0), a * b)
        a = 1400.0 / jnp.sqrt(1.0 + jnp.exp((5.0 - V) / 6.0))
        out["Xs"] = (_sigmoid((-5.0 - V) / 14.0), a * _sigmoid((V - 35.0) / 15.0) + 80.0)

        a = _sigmoid((-60.0 - V) / 5.0)
        b = 0.1 * _sigmoid((V + 35.0) / 5.0) + 0.1 * _sigmoid((V - 50.0) / 200.0)
        out["m"] = (_sigmoid((-56.86 - V) / 9.03) ** 2, a * b)
        h_inf = _sigmoid((V + 71.55) / 7.43) ** 2
        low = V < -40.0
        # Evaluate each branch on a clamped V so the unused branch never overflows.
        v_lo, v_hi = jnp.minimum(V, -40.0), jnp.maximum(V, -40.0)
        alpha_h = jnp.where(low, 0.057 * jnp.exp(-(v_lo + 80.0) / 6.8), 0.0)
        beta_h = jnp.where(low, 2.7 * jnp.exp(0.079 * v_lo) + 3.1e5 * jnp.exp(0.3485 * v_lo),
                           0.77 / (0.13 * (1.0 + jnp.exp((v_hi + 10.66) / -11.1))))
        out["h"] = (h_inf, 1.0 / (alpha_h + beta_h))
        alpha_j = jnp.where(low, (-2.5428e4 * jnp.exp(0.2444 * v_lo) - 6.948e-6 * jnp.exp(-0.04391 * v_lo))
                            * (v_lo + 37.78) / (1.0 + jnp.exp(0.311 * (v_lo + 79.23))), 0.0)
        beta_j = jnp.where(low, 0.02424 * jnp.exp(-0.01052 * v_lo) / (1.0 + jnp.exp(-0.1378 * (v_lo + 40.14))),
                           0.6 * jnp.exp(0.057 * v_hi) / (1.0 + jnp.exp(-0.1 * (v_hi + 32.0))))
        out["j"] = (h_inf, 1.0 / (alpha_j + beta_j))

        a = 1.4 * _sigmoid((-35.0 - V) / 13.0) + 0.25
        b, c = 1.4 * _sigmoid((V + 5.0) / 5.0), _sigmoid((50.0 - V) / 20.0)
        out["d"] = (_sigmoid((-8.0 - V) / 7.5), a * b + c)
        out["f"] = (_sigmoid((V + 20.0) / 7.0),
                    1102.5 * jnp.exp(-((V + 27.0) ** 2) / 225.0) + 200.0 * _sigmoid((13.0 - V) / 10.0)
                    + 180.0 * _sigmoid((V + 30.0) / 10.0) + 20.0)
        out["f2"] = (0.67 * _sigmoid((V + 35.0) / 7.0) + 0.33,
                     562.0 * jnp.exp(-((V + 27.0) ** 2) / 240.0) + 31.0 * _sigmoid((25.0 - V) / 10.0)
                     + 80.0 * _sigmoid((V + 30.0) / 10.0))
        ratio = 1.0 / (1.0 + (Ca_ss / 0.05) ** 2)
        out["fCass"] = (0.6 * ratio + 0.4, 80.0 * ratio + 2.0)

        out["r"] = (_sigmoid((20.0 - V) / 6.0), 9.5 * jnp.exp(-((V + 40.0) ** 2) / 1800.0) + 0.8)
        if self.cell_type == "endo":
            out["s"] = (_sigmoid((V + 28.0) / 5.0), 1000.0 * jnp.exp(-((V + 67.0) ** 2) / 1000.0) + 8.0)
        else:
            out["s"] = (_sigmoid((V + 20.0) / 5.0), 85.0 * jnp.exp(-((V + 45.0) ** 2) / 320.0)
                        + 5.0 * _sigmoid((V - 20.0) / 5.0) + 3.0)
        return out

    # -- rates and the step ------------------------------------------------------
    def rates(self, y: Fields, i_stim: jax.Array | float = 0.0) -> Fields:
        """Time derivatives of the non-gate states [unit/ms] under stimulus current `i_stim` [pA/pF]."""
        c = self.currents(y)
        Cai, Ca_SR, Ca_ss = y["Ca_i"], y["Ca_SR"], y["Ca_ss"]
        buf_c = 1.0 / (1.0 + 0.2 * 0.001 / (Cai + 0.001) ** 2)
        buf_sr = 1.0 / (1.0 + 10.0 * 0.3 / (Ca_SR + 0.3) ** 2)
        buf_ss = 1.0 / (1.0 + 0.4 * 0.00025 / (Ca_ss + 0.00025) ** 2)
        to_c = CM / (V_C * F)
        return {
            "V": -(self.ionic_current(c) + i_stim),
            "K_i": -(c["I_K1"] + c["I_to"] + c["I_Kr"] + c["I_Ks"] + c["I_pK"] + i_stim - 2.0 * c["I_NaK"]) * to_c,
            "Na_i": -(c["I_Na"] + c["I_bNa"] + 3.0 * c["I_NaK"] + 3.0 * c["I_NaCa"]) * to_c,
            "Ca_i": buf_c * ((c["J_leak"] - c["J_up"]) * V_SR / V_C + c["J_xfer"]
                             - (c["I_bCa"] + c["I_pCa"] - 2.0 * c["I_NaCa"]) * to_c / 2.0),
            "Ca_SR": buf_sr * (c["J_up"] - (c["J_rel"] + c["J_leak"])),
            "Ca_ss": buf_ss * (-c["I_CaL"] * CM / (2.0 * V_SS * F) + c["J_rel"] * V_SR / V_SS
                               - c["J_xfer"] * V_C / V_SS),
            "R_prime": -c["k2"] * Ca_ss * y["R_prime"] + 0.005 * (1.0 - y["R_prime"]),
        }

    def step(self, y: Fields, dt: jax.Array, i_stim: jax.Array | float = 0.0) -> Fields:
        """One step of `dt` [ms]: Rush–Larsen on the gates, forward Euler on the rest."""
        rates = self.rates(y, i_stim)
        out = {k: y[k] + dt * rate for k, rate in rates.items()}
        for name, (inf, tau) in self.gates(y["V"], y["Ca_ss"]).items():
            out[name] = inf + (y[name] - inf) * jnp.exp(-dt / tau)
        return {k: out[k].astype(y[k].dtype) for k in STATE_NAMES}
