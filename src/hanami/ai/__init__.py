"""The AI side: differentiable runs (gradients through the whole time loop)."""
