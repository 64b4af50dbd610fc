"""`hanami bench`: the records a tiny suite makes, the JSON file, and the py-pde mapping."""

from __future__ import annotations

import io
import math

import jax
import numpy as np
import pytest
from rich.console import Console

from hanami.bench import COMMON_KEYS, SCHEMA_VERSION, Plan, read_json, run_bench, write_json
from hanami.apps.phasefield.pypde_peer import bm1_rescaling
from hanami.core.simulation import Simulation
from hanami.errors import CaseError
from hanami.runner import load_case

TINY = Plan(sizes=(32,), steps=20, repeats=3, chunk=10, adaptive_times=(2.0, 5.0), bm3_sizes=(40,), bm3_steps=4,
            bm3_times=(0.2,), bm2_sizes=(32,), bm2_steps=4, bm2_times=(0.05,), bm8_sizes=(40,), bm8_steps=4,
            bm8_times=(0.2,))
NO_NEW = dict(bm2_sizes=(), bm2_times=(), bm8_sizes=(), bm8_times=())


@pytest.fixture(scope="module")
def suite(tmp_path_factory):
    path = tmp_path_factory.mktemp("bench") / "records.json"
    out = io.StringIO()
    records = run_bench(["phasefield"], precisions=["float64"], json_path=path, console=Console(file=out),
                        plan=TINY, quick=True, site="test-site")
    return records, path, out.getvalue()


def _kind(records, kind, case="pfhub-bm1a"):
    return [r for r in records if r["kind"] == kind and r["case"] == case]


def test_records_have_the_schema(suite):
    records, _, _ = suite
    assert [(r["kind"], r["case"]) for r in records] == [
        ("adaptive", "pfhub-bm1a"), ("adaptive", "pfhub-bm1a"), ("adaptive", "pfhub-bm3"), ("adaptive", "pfhub-bm2a"),
        ("adaptive", "pfhub-bm8b"), ("throughput", "pfhub-bm1a"), ("throughput", "pfhub-bm3"),
        ("throughput", "pfhub-bm2a"), ("throughput", "pfhub-bm8b")]
    for r in records:
        missing = set(COMMON_KEYS) - set(r)
        assert not missing, f"{r['kind']} record lacks {missing}"
        assert r["schema_version"] == SCHEMA_VERSION
        assert r["app"] == "phasefield" and r["precision"] == "float64"
        machine = r["machine"]
        assert machine["jax"] == jax.__version__ and machine["platform"] == jax.default_backend()
        assert machine["cpu_cores"] >= 1 and machine["cpu_model"]
        assert machine["site"] == "test-site" and machine["process_count"] == 1
        assert r["processes"] == 1 and r["devices"] == 1


def test_bandwidth_probe_and_roofline(suite):
    records, _, _ = suite
    machine = records[0]["machine"]
    for key in ("bandwidth_gbs", "bandwidth_numpy_gbs"):
        assert math.isfinite(machine[key]) and machine[key] > 0, key
    for r in records:
        expected = r["bytes_per_update"] * r["updates_per_s"] / (machine["bandwidth_gbs"] * 1e9)
        assert r["roofline_fraction"] == pytest.approx(expected)
        passes = {"pfhub-bm3": 4, "pfhub-bm2a": 50, "pfhub-bm8b": 32}.get(
            r["case"], 16 if r["kind"] == "adaptive" else 10)
        assert r["bytes_per_update"] == passes * 8


def test_hostname_is_hashed_without_a_site():
    import socket

    from hanami.bench.machine import host_label

    label = host_label(None)
    assert label["site"] is None and label["host"].startswith("host-")
    assert socket.gethostname() not in label["host"]
    assert host_label(None) == label and host_label("riken") == {"site": "riken", "host": "riken"}


def test_suite_resumes_without_redoing_records(suite, tmp_path):
    records, path, _ = suite
    copy = tmp_path / "records.json"
    copy.write_text(path.read_text())
    out = io.StringIO()
    again = run_bench(["phasefield"], precisions=["float64"], json_path=copy, console=Console(file=out),
                      plan=TINY, quick=True, probe_bandwidth=False)
    assert again == records and f"resuming: {len(records)} records" in out.getvalue() and len(records) == 9
    out = io.StringIO()
    more = run_bench(["phasefield"], precisions=["float64"], json_path=copy, console=Console(file=out),
                     plan=TINY, quick=True, probe_bandwidth=False, sizes=[32, 16])
    assert more[:9] == records and [r["resolution"] for r in more[9:]] == [[16, 16]]


def test_throughput_record_is_positive_finite_and_consistent(suite):
    (r,) = _kind(suite[0], "throughput")
    assert r["resolution"] == [32, 32] and r["grid_points"] == 32 * 32
    assert r["steps"] == TINY.steps and r["repeats"] == TINY.repeats == len(r["per_repeat_s"])
    for key in ("compile_s", "time_per_step_s", "updates_per_s"):
        assert math.isfinite(r[key]) and r[key] > 0, key
    assert r["spread"]["min"] <= r["time_per_step_s"] <= r["spread"]["max"]
    assert r["time_per_step_s"] == pytest.approx(sorted(r["per_repeat_s"])[1])
    assert r["updates_per_s"] == pytest.approx(32 * 32 / r["time_per_step_s"], rel=1e-12)
    final = r["final"]
    # warm-up chunk plus the timed steps, at the fixed dt
    assert final["time"] == pytest.approx((TINY.chunk + TINY.repeats * TINY.steps) * r["time_stepping"]["dt"])
    assert final["finite"] and abs(final["mass_drift"]) < 1e-12 and final["max_energy_rise"] == 0.0
    assert 0.3 < final["c_min"] < final["mass"] < final["c_max"] < 0.7


def test_throughput_state_matches_an_independent_run(suite):
    """The bench's repeats advance the same solution as one plain run: no step lost or doubled."""
    (r,) = _kind(suite[0], "throughput")
    steps = TINY.chunk + TINY.repeats * TINY.steps
    loaded = load_case("pfhub-bm1a", ["grid.shape=[32, 32]", "time.adaptive=false", "time.order=1", "time.dt=0.05"])
    built = loaded.app.build(loaded.case)
    sim = Simulation(built.model, built.attempt, built.state, stop_iteration=steps, diagnostics_every=steps,
                     chunk_attempts=steps)
    sim.run()
    assert r["final"]["free_energy"] == pytest.approx(sim.history[-1]["free_energy"], rel=1e-10)
    assert r["final"]["std_c"] == pytest.approx(float(np.std(np.asarray(sim.state.fields["c"]))), rel=1e-9)


def test_adaptive_records_reach_their_times_with_falling_energy(suite):
    first, second = _kind(suite[0], "adaptive")
    assert [first["stop_time"], second["stop_time"]] == [2.0, 5.0]
    for r in (first, second):
        assert r["resolution"] == [200, 200] and r["time_stepping"]["adaptive"]
        assert r["final"]["time"] == pytest.approx(r["stop_time"], abs=1e-12)
        assert r["wall_s"] >= r["run_s"] > 0 and r["updates_per_s"] > 0
        assert abs(r["final"]["mass_drift"]) < 1e-12
    assert second["steps"] > first["steps"] and second["run_s"] > first["run_s"]
    assert second["final"]["free_energy"] < first["final"]["free_energy"]


def test_json_round_trips_and_tables_print(suite):
    records, path, printed = suite
    assert read_json(path) == records
    assert "32x32" in printed and "200x200" in printed and "float64" in printed


def test_read_json_rejects_another_schema(tmp_path):
    path = tmp_path / "old.json"
    path.write_text('{"schema_version": 0, "records": []}')
    with pytest.raises(ValueError, match="schema_version"):
        read_json(path)
    write_json(tmp_path / "new.json", [{"a": 1.5}])
    assert read_json(tmp_path / "new.json") == [{"a": 1.5}]


def test_bad_app_or_precision_is_a_case_error():
    with pytest.raises(CaseError, match="unknown app"):
        run_bench(["nope"], console=Console(file=io.StringIO()))
    with pytest.raises(CaseError, match="float16"):
        run_bench(["phasefield"], precisions=["float16"], console=Console(file=io.StringIO()))


def test_bm1_rescaling_gives_the_published_map():
    scale = bm1_rescaling(c_alpha=0.3, c_beta=0.7, rho_s=5.0, kappa=2.0, mobility=5.0)
    assert scale["middle"] == pytest.approx(0.5) and scale["half_width"] == pytest.approx(0.2)
    assert scale["time_rate"] == pytest.approx(4.0) and scale["gamma"] == pytest.approx(2.5)


def test_pypde_cahn_hilliard_is_bm1_after_rescaling():
    """py-pde's right-hand side in phi, mapped back, equals BM1's with the same 5-point Laplacian."""
    pde = pytest.importorskip("pde")
    pytest.importorskip("numba")
    rho, kappa, mobility, c_a, c_b = 5.0, 2.0, 5.0, 0.3, 0.7
    scale = bm1_rescaling(c_a, c_b, rho, kappa, mobility)
    n = 32
    c = 0.5 + 0.05 * np.random.default_rng(1).standard_normal((n, n))

    def lap(u):  # periodic 5-point Laplacian, spacing 1
        return sum(np.roll(u, s, axis=a) for a in (0, 1) for s in (1, -1)) - 4 * u

    def f_prime(u):
        return 2 * rho * (u - c_a) * (c_b - u) * (c_a + c_b - 2 * u)

    bm1_rate = mobility * lap(f_prime(c) - kappa * lap(c))
    grid = pde.CartesianGrid([(0.0, float(n)), (0.0, float(n))], [n, n], periodic=True)
    phi = pde.ScalarField(grid, (c - scale["middle"]) / scale["half_width"])
    phi_rate = pde.CahnHilliardPDE(interface_width=scale["gamma"]).evolution_rate(phi).data
    mapped = scale["half_width"] * scale["time_rate"] * phi_rate  # dc/dt = h * dphi/dtau * dtau/dt
    np.testing.assert_allclose(mapped, bm1_rate, rtol=1e-9, atol=1e-9 * np.max(np.abs(bm1_rate)))


def test_peers_are_skipped_with_a_note_when_pypde_is_missing(monkeypatch):
    import hanami.apps.phasefield.pypde_peer

    monkeypatch.setattr(hanami.apps.phasefield.pypde_peer, "pypde_available", lambda: False)
    out = io.StringIO()
    records = run_bench(["phasefield"], peers=True, console=Console(file=out),
                        plan=Plan(sizes=(16,), steps=5, repeats=1, chunk=5, adaptive_times=(), bm3_sizes=(),
                                  bm3_times=(), **NO_NEW))
    assert [r["kind"] for r in records] == ["throughput"]
    assert "py-pde (with numba) is not installed; skipped" in out.getvalue()


@pytest.mark.slow
def test_bm3_records_and_the_numpy_peer(suite):
    """BM3's throughput and whole-run records; the NumPy peer runs the same step and states the ratio
    (about 90 s: a second suite with the peers, so it runs with the slow tests)."""
    (r,) = _kind(suite[0], "throughput", "pfhub-bm3")
    assert r["resolution"] == [40, 40] and r["steps"] == 4 and r["time_stepping"]["stencil"] == "isotropic"
    assert r["final"]["finite"] and abs(r["final"]["enthalpy_drift"]) < 1e-12
    (whole,) = _kind(suite[0], "adaptive", "pfhub-bm3")
    assert whole["resolution"] == [2400, 2400] and whole["final"]["time"] == pytest.approx(0.2, abs=1e-12)
    assert whole["updates_per_s"] == pytest.approx(2400 * 2400 * whole["steps"] / whole["run_s"])
    plan = Plan(sizes=(16,), steps=4, repeats=2, chunk=2, adaptive_times=(), bm3_sizes=(40,), bm3_steps=4,
                bm3_times=(), bm2_sizes=(32,), bm2_steps=4, bm8_sizes=(40,), bm8_steps=4, bm2_times=(), bm8_times=())
    records = run_bench(["phasefield"], precisions=["float64"], peers=True, console=Console(file=io.StringIO()),
                        plan=plan, quick=True, probe_bandwidth=False)
    peers = {p["case"]: p for p in records if p["kind"] == "peer" and p["code"] == "numpy"}
    assert set(peers) == {"pfhub-bm3", "pfhub-bm2a", "pfhub-bm8b"}  # BM2a and BM8b too
    for case, size in (("pfhub-bm3", 40), ("pfhub-bm2a", 32), ("pfhub-bm8b", 40)):
        (mine,) = _kind(records, "throughput", case)
        peer = peers[case]
        assert peer["resolution"] == [size, size] and peer["final"]["finite"]
        assert peer["ratio_to_hanami"]["float64"] == pytest.approx(peer["time_per_step_s"] / mine["time_per_step_s"])


def test_cardiac_quick_bench_record(tmp_path):
    plan = Plan(sizes=(16,), steps=4, repeats=2, chunk=2, adaptive_times=(), cardiac_dx=(0.5,), cardiac_steps=4)
    (r,) = run_bench(["cardiac"], precisions=["float32"], console=Console(file=io.StringIO()), plan=plan,
                     quick=True, probe_bandwidth=False)
    assert not set(COMMON_KEYS) - set(r)
    assert r["app"] == "cardiac" and r["case"] == "niederer-dx0.5" and r["resolution"] == [41, 15, 7]
    assert r["updates_per_s"] == pytest.approx(41 * 15 * 7 / r["time_per_step_s"])
    assert r["steps"] == 4 and r["final"]["finite"] and r["final"]["time"] == pytest.approx(0.05 * 10)
    assert -90.0 < r["final"]["V_min"] < r["final"]["V_max"] < 60.0
    assert r["roofline_fraction"] is None  # no bandwidth probed


def test_climate_quick_bench_record():
    plan = Plan(sizes=(16,), steps=4, repeats=2, chunk=2, adaptive_times=(), truncations=(21,), climate_steps=4)
    (r,) = run_bench(["climate"], precisions=["float64"], console=Console(file=io.StringIO()), plan=plan,
                     quick=True, probe_bandwidth=False)
    assert not set(COMMON_KEYS) - set(r)
    assert r["app"] == "climate" and r["truncation"] == 21 and r["grid_points"] == r["resolution"][0] * r["resolution"][1]
    assert r["sypd"] == pytest.approx(900.0 / r["time_per_step_s"] / 365.0)
    assert r["final"]["finite"] and 3000.0 < r["final"]["h_min"] < r["final"]["h_max"] < 6200.0  # depth over the mountain
    assert r["final"]["time"] == pytest.approx((2 + 2 * 4) * 900.0)


# dinosaur is a pinned peer in requirements-peers.txt, which `make test` installs: a missing
# dinosaur fails these tests rather than skipping them.
def _hanami_tc5_height(truncation, precision, steps):
    """hanami's free-surface height [m] on TC5 after `steps` steps of 900 s, (lat ascending, lon)."""
    import equinox as eqx
    import jax.numpy as jnp

    loaded = load_case("williamson-tc5", [f'precision="{precision}"', f"grid.truncation={truncation}",
                                          "time.dt=900.0", "output.interval=0", "output.times=[]"])
    built = loaded.app.build(loaded.case)
    model, fields = built.model, built.state.fields
    step = eqx.filter_jit(lambda m, f: m.step(f, jnp.asarray(900.0)))
    for _ in range(steps):
        fields = step(model, fields)
    assert np.all(np.diff(model.grid.mu) > 0)
    return np.asarray(model.output_fields(fields)["h"], np.float64)


def test_dinosaur_tc5_matches_hanami_step_for_step():
    from hanami.apps.climate import dinosaur_peer

    assert dinosaur_peer.dinosaur_available(), "dinosaur missing: pip install -r requirements-peers.txt"
    steps = 12
    model = dinosaur_peer.TC5(21, "float64")
    with model.x64():
        state = model.trajectory(steps - 1)(model.start(model.initial))
    ours = _hanami_tc5_height(21, "float64", steps)
    theirs = model.height(state)
    assert theirs.shape == ours.shape == (32, 64) and model.shape == [32, 64]
    rms = lambda h: float(np.sqrt(np.mean(h**2)))  # noqa: E731
    assert rms(theirs) == pytest.approx(rms(ours), rel=1e-6)
    # Same initial state, equations, filters and scheme: the fields agree far below the signal
    # (h varies by ~1 km over the sphere); what differs is the degree T + 1 part of u cos(phi), which
    # dinosaur clips (0.07 m after 12 steps at T21).
    assert np.max(np.abs(theirs - ours)) < 5e-4 * np.ptp(ours)


def test_climate_peers_record_dinosaur_and_the_ratio():
    from hanami.apps.climate import dinosaur_peer

    assert dinosaur_peer.dinosaur_available(), "dinosaur missing: pip install -r requirements-peers.txt"
    plan = Plan(sizes=(16,), steps=4, repeats=2, chunk=2, adaptive_times=(), truncations=(21,), climate_steps=4)
    ours, peer = run_bench(["climate"], precisions=["float32"], peers=True, console=Console(file=io.StringIO()),
                           plan=plan, quick=True, probe_bandwidth=False)
    assert ours["kind"] == "throughput" and peer["kind"] == "peer"
    assert not set(COMMON_KEYS) - set(peer)
    assert peer["code"] == "dinosaur" and peer["app"] == "climate" and peer["case"] == "williamson-tc5"
    assert peer["truncation"] == 21 and peer["resolution"] == ours["resolution"] and peer["precision"] == "float32"
    assert math.isfinite(peer["sypd"]) and peer["sypd"] > 0
    assert peer["sypd"] == pytest.approx(900.0 / peer["time_per_step_s"] / 365.0)
    assert peer["ratio_to_hanami"] == {"float32": pytest.approx(ours["sypd"] / peer["sypd"])}
    assert peer["hanami"]["float32"]["sypd"] == ours["sypd"]
    assert peer["final"]["time"] == ours["final"]["time"]  # same number of steps
    assert peer["final"]["finite"] and peer["final"]["rms_h"] == pytest.approx(ours["final"]["rms_h"], rel=1e-2)
    assert peer["final"]["h_min"] == pytest.approx(ours["final"]["h_min"], rel=1e-3)

    from hanami.bench.summary import peer_tables

    (table,) = peer_tables([{**ours, "id": "#1"}, {**peer, "id": "#2"}])
    (row,) = table.rows
    assert table.columns[5:8] == ["peer SYPD", "hanami SYPD", "hanami / peer"]
    assert row[1] == f"dinosaur {peer['code_version']}" and row[3] == "32x64" and row[4] == "float32"
    assert row[5] == f"{peer['sypd']:.0f}" and row[6] == f"{ours['sypd']:.0f}"
    assert row[7] == f"{ours['sypd'] / peer['sypd']:.2f}"
    assert row[8].startswith("rms h = ") and row[9].startswith("rms h = ")
