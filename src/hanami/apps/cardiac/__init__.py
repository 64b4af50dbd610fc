"""Cardiac electrophysiology: monodomain tissue and single cells with the
ten Tusscher–Panfilov 2006 ionic model (Niederer et al. 2011 benchmark)."""

from hanami.apps.cardiac.app import CardiacApp
from hanami.apps.cardiac.model import Monodomain, SingleCell
from hanami.apps.cardiac.tp06 import TP06

__all__ = ["CardiacApp", "Monodomain", "SingleCell", "TP06"]
