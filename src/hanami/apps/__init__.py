"""The applications: phase-field (materials), climate, cardiac."""
