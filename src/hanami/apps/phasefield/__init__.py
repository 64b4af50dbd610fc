"""Phase-field models: Cahn–Hilliard spinodal decomposition (PFHub BM1)."""

from hanami.apps.phasefield.app import PhaseFieldApp
from hanami.apps.phasefield.model import CahnHilliard

__all__ = ["CahnHilliard", "PhaseFieldApp"]
