"""An app registered at run time is differentiable and trainable with no change in hanami.ai.

The test app is the phase field under another name with its own `Differentiation`
(parameters the phase field itself does not declare) and `SurrogateSettings`.
"""

import jax
import jax.numpy as jnp
import pytest

from hanami.ai.differentiable import DifferentiableRun
from hanami.ai.parameters import observables
from hanami.ai.train_surrogate import TrainingOptions
from hanami.apps import registry
from hanami.apps.base import Differentiation, Parameter, SurrogateSettings, value_at
from hanami.apps.phasefield import PhaseFieldApp
from hanami.apps.phasefield.case import PhaseFieldCase
from hanami.errors import CaseError


def _shift_c(case, model, fields, values):
    return model, {**fields, "c": fields["c"] + (values["initial.c0"] - case.initial.c0)}


class TinyCase(PhaseFieldCase):
    app: str  # the phase field's schema accepts its own name only


class TinyApp(PhaseFieldApp):
    name = "tiny-registered"
    schema = TinyCase
    cases_dir = None
    differentiation = Differentiation(
        parameters={
            "model.rho_s": Parameter("model.rho_s", "1", lambda c: c.model.rho_s, value_at("model.rho_s", "rho_s")),
            "initial.c0": Parameter("initial.c0", "1", lambda c: c.initial.c0, _shift_c),
        },
        observables=lambda model, fields: {"c": fields["c"]},
    )
    surrogate = SurrogateSettings(domain="box", mirror_symmetric=False)


class BareApp(TinyApp):
    name = "bare-registered"
    differentiation = None


@pytest.fixture
def case_file(tmp_path):
    text = PhaseFieldApp().shipped_cases()["pfhub-bm1a"].read_text()
    path = tmp_path / "tiny.toml"
    path.write_text(text.replace('app = "phasefield"', f'app = "{TinyApp.name}"'))
    for app in (TinyApp(), BareApp()):
        registry.register(app)
    yield path
    for app in (TinyApp, BareApp):
        registry.unregister(app.name)


SMALL = ["grid.shape=[32,32]", "grid.lengths=[32.0,32.0]", "time.dt=0.05"]


@pytest.mark.parametrize("key, d", [("model.rho_s", 1e-3), ("initial.c0", 1e-5)])
def test_registered_app_gradient_matches_central_difference(case_file, key, d):
    run = DifferentiableRun(case_file, [key], steps=20, overrides=SMALL)
    values, observe = run.values(), observables(run.app)

    @jax.jit
    def loss(values):
        c = observe(run.model, run.run(values))["c"]
        return jnp.mean((c - jnp.mean(c)) ** 2)

    gradient = float(jax.grad(loss)(values)[key])
    fd = float((loss({key: values[key] + d}) - loss({key: values[key] - d})) / (2 * d))
    print(f"d L/d {key}: grad {gradient:.10e}, central FD {fd:.10e}")
    assert gradient != 0.0 and abs(gradient - fd) < 1e-6 * abs(fd)


def test_registered_app_declarations_are_what_ai_sees(case_file):
    with pytest.raises(CaseError, match="tiny-registered app's differentiable parameters are: model.rho_s, initial.c0"):
        DifferentiableRun(case_file, ["model.kappa"], steps=1, overrides=SMALL)
    bare = case_file.with_name("bare.toml")
    bare.write_text(case_file.read_text().replace(TinyApp.name, BareApp.name))
    with pytest.raises(CaseError, match="bare-registered app's differentiable parameters are: none yet"):
        DifferentiableRun(bare, ["model.kappa"], steps=1, overrides=SMALL)
    options = TrainingOptions()
    options.check(TinyApp.name)
    assert options.augment is False
    with pytest.raises(CaseError, match="not mirror-symmetric"):
        TrainingOptions(augment=True).check(TinyApp.name)
