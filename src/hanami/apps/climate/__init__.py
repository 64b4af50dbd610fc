"""Climate: the global spectral shallow-water model with the Williamson and Galewsky tests."""

from hanami.apps.climate.app import ClimateApp
from hanami.apps.climate.case import ClimateCase
from hanami.apps.climate.model import ShallowWater

__all__ = ["ClimateApp", "ClimateCase", "ShallowWater"]
