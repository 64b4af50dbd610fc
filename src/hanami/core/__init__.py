"""The engine shared by every app: grids, transforms, steps, the time loop, output."""
