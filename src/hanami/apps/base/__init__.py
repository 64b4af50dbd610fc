"""The App contract: what an app gives the engine and the front ends.

An app (one folder under `hanami/apps/`) subclasses `App` and declares, besides
its case schema, shipped cases and `build`, everything a front end asks of it:
its validations (`Validation`), its benchmark problems (`Benchmarks`), its
differentiable parameters and observables (`Differentiation`) and its surrogate
settings (`SurrogateSettings`). The front ends (`hanami.cli`, `hanami.runner`,
`hanami.bench`, `hanami.ai`) import only this package and `hanami.apps.registry`,
and loop over the registered apps; no table of per-app knowledge lives outside
an app's folder. See docs/adding-an-app.md.
"""

from hanami.apps.base.ai import (
                                    Differentiation,
                                    Parameter,
                                    SurrogateSettings,
                                    replace_at,
                                    value_at,
)
from hanami.apps.base.app import App, Built, Model
from hanami.apps.base.bench import (
                                    AdaptiveProblem,
                                    Benchmarks,
                                    GradientProblem,
                                    Norms,
                                    Peer,
                                    PeerSettings,
                                    ScalingProblem,
                                    Setting,
                                    SurrogateProblem,
                                    ThroughputProblem,
                                    Traffic,
)
from hanami.apps.base.checks import check, finish, outcome
from hanami.apps.base.running import CaseRunner, LoadedCase, RunResult
from hanami.apps.base.validation import Validation, ValidationOption

__all__ = ["AdaptiveProblem", "App", "Benchmarks", "Built", "CaseRunner", "Differentiation", "GradientProblem",
           "LoadedCase", "Model", "Norms", "Parameter", "Peer", "PeerSettings", "RunResult", "ScalingProblem",
           "Setting", "SurrogateProblem", "SurrogateSettings", "ThroughputProblem", "Traffic", "Validation",
           "ValidationOption", "check", "finish", "outcome", "replace_at", "value_at"]
