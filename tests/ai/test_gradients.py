"""Gradients through whole runs equal central finite differences (float64).

Each check differentiates a scalar loss of the final state with respect to one
case parameter and compares with (L(p + d) - L(p - d)) / 2d at two steps d
(printed), requiring a relative error below 1e-6 at the better one.
"""

import jax
import jax.numpy as jnp
import pytest
from jax.ad_checkpoint import print_saved_residuals

from hanami.ai.differentiable import DifferentiableRun
from hanami.errors import CaseError

SMALL_BM1 = ["grid.shape=[32,32]", "grid.lengths=[32.0,32.0]", "time.dt=0.05"]
SMALL_TC5 = ["grid.truncation=21"]
SMALL_SLAB = ["grid.lengths=[5.0,2.0,1.0]"]

CHECKS = [
    ("pfhub-bm1a", SMALL_BM1, "model.kappa", 40, "c", (1e-3, 1e-4)),
    ("pfhub-bm1a", SMALL_BM1, "model.mobility", 40, "c", (1e-3, 1e-4)),
    ("williamson-tc5", SMALL_TC5, "initial.mountain_height", 12, "h", (1.0, 0.1)),
    ("williamson-tc5", SMALL_TC5, "initial.u0", 12, "h", (1e-2, 1e-3)),
    # 3 ms of the stimulated slab: through Rush-Larsen gates and the explicit stencil.
    ("niederer-dx0.5", SMALL_SLAB, "model.sigma_l", 60, "V", (1e-4, 1e-5)),
    ("niederer-dx0.5", SMALL_SLAB, "ionic.g_Na", 60, "V", (1e-2, 1e-3)),
]


def _loss(run, field):
    def loss(values):
        final = run.run(values)[field]
        return jnp.sum(jnp.abs(final - jnp.mean(final)) ** 2) / final.size
    return loss


@pytest.mark.parametrize("case, overrides, key, steps, field, steps_fd", CHECKS)
def test_gradient_matches_finite_difference(case, overrides, key, steps, field, steps_fd):
    run = DifferentiableRun(case, [key], steps=steps, overrides=overrides)
    values = run.values()
    loss = jax.jit(_loss(run, field))
    gradient = float(jax.grad(loss)(values)[key])
    errors = []
    for d in steps_fd:
        up = loss({key: values[key] + d})
        down = loss({key: values[key] - d})
        fd = float((up - down) / (2 * d))
        errors.append(abs(fd - gradient) / abs(fd))
        print(f"{case} d L/d {key} at {float(values[key]):g}: grad {gradient:.10e}, "
              f"central FD (step {d:g}) {fd:.10e}, relative error {errors[-1]:.2e}")
    assert gradient != 0.0
    assert min(errors) < 1e-6


def test_rematerialisation_bounds_the_gradients_memory():
    # 400 steps: without rematerialisation the reverse pass keeps every step's state.
    kept = DifferentiableRun("pfhub-bm1a", ["model.kappa"], steps=400, overrides=SMALL_BM1, chunk=400)
    remat = DifferentiableRun("pfhub-bm1a", ["model.kappa"], steps=400, overrides=SMALL_BM1)
    assert remat.chunk == 20
    sizes = {}
    for name, run in (("all states", kept), ("chunks of 20", remat)):
        compiled = jax.jit(jax.grad(_loss(run, "c"))).lower(run.values()).compile()
        sizes[name] = compiled.memory_analysis().temp_size_in_bytes
        print(f"gradient of 400 steps on 32^2, {name}: {sizes[name] / 1e6:.2f} MB of temporaries")
    state_bytes = 32 * 32 * 8
    assert sizes["all states"] > 300 * state_bytes
    assert sizes["chunks of 20"] < sizes["all states"] / 4
    # Same gradient either way.
    g1 = jax.grad(_loss(kept, "c"))(kept.values())["model.kappa"]
    g2 = jax.grad(_loss(remat, "c"))(remat.values())["model.kappa"]
    assert float(jnp.abs(g1 - g2) / jnp.abs(g1)) < 1e-12


@pytest.mark.parametrize("case, key, message", [
    ("pfhub-bm1a", "model.kapa", "differentiable parameters are: model.kappa, model.mobility"),
    ("williamson-tc2", "initial.u0", "williamson-5"),
])
def test_bad_parameters_are_refused(case, key, message):
    with pytest.raises(CaseError, match=message):
        DifferentiableRun(case, [key], steps=2, overrides=SMALL_BM1 if case.startswith("pfhub") else SMALL_TC5)


def test_phase_field_step_keeps_only_its_transforms_for_the_backward_pass(capsys):
    # What a gradient stacks per step: c, the half step and the three forward transforms,
    # not the solves' intermediates (which made the gradient cost 5-7 forward runs).
    run = DifferentiableRun("pfhub-bm1a", ["model.kappa"], steps=1, overrides=SMALL_BM1)
    values, c = run.values(), run.fields["c"]

    def step(kappa, c):
        model, _ = run.setup({"model.kappa": kappa})
        return jnp.sum(model.estimate({"c": c}, jnp.asarray(run.dt))[0]["c"])

    print_saved_residuals(step, values["model.kappa"], c)
    lines = capsys.readouterr().out.splitlines()
    # (k^2 is a constant, not kept per step.)
    arrays = [line.split()[0] for line in lines if "[32," in line and "from a constant" not in line]
    print(arrays)
    assert sorted(arrays) == ["c128[32,17]"] * 3 + ["f64[32,32]"] * 2


def test_case_sets_the_rematerialisation_chunk():
    default = DifferentiableRun("pfhub-bm1a", ["model.kappa"], steps=40, overrides=SMALL_BM1)
    assert default.chunk == 6  # about sqrt(40)
    kept = DifferentiableRun("pfhub-bm1a", ["model.kappa"], steps=40,
                             overrides=[*SMALL_BM1, "differentiation.remat_chunk=40"])
    assert kept.chunk == 40
    kept.resize(400)  # the case's chunk holds for a new step count
    assert kept.chunk == 40
    values = default.values()

    def temporaries(run):
        loss = lambda v: jnp.sum(run.run(v)["c"] ** 2)
        return jax.jit(jax.grad(loss)).lower(values).compile().memory_analysis().temp_size_in_bytes

    assert temporaries(default) < temporaries(kept)
    with pytest.raises(CaseError, match="remat_chunk"):
        DifferentiableRun("pfhub-bm1a", ["model.kappa"], steps=4, overrides=[*SMALL_BM1, "differentiation.remat_chunk=-1"])
