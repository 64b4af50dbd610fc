"""Spectral transforms on box grids: Fourier (periodic) and cosine (no-flux).

One implementation for every device: `jnp.fft` and `jax.scipy.fft` lower to the
platform's FFT (pocketfft/ducc on CPU, cuFFT on GPU). The DCT-II with orthonormal
scaling keeps float64 to round-off (checked in the unit tests), so no mirrored-FFT
work-around is needed.
"""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np

from hanami.core.grid import BoxGrid


def _wavenumbers(grid: BoxGrid) -> list[np.ndarray]:
    """Angular wavenumbers per axis in the layout of the forward transform [1/length]."""
    ks = []
    for i, (n, d) in enumerate(zip(grid.shape, grid.spacing)):
        if grid.boundary == "no-flux":
            ks.append(np.pi * np.arange(n) / grid.lengths[i])
        elif i == grid.ndim - 1:
            ks.append(2 * np.pi * np.fft.rfftfreq(n, d))
        else:
            ks.append(2 * np.pi * np.fft.fftfreq(n, d))
    return ks


@dataclasses.dataclass(frozen=True)
class SpectralBox:
    """Forward/inverse transform and the Laplacian symbol for one `BoxGrid`.

    `forward` gives coefficients whose Laplacian is `-k2 * coefficients`; for a
    periodic grid that is the real FFT, for a no-flux grid the orthonormal DCT-II
    (whose cosine modes satisfy zero normal derivative at the walls).
    """

    grid: BoxGrid

    def k2(self, dtype: jnp.dtype) -> jax.Array:
        """|k|^2 on the spectral layout [1/length^2], as a constant of `dtype`."""
        ks = _wavenumbers(self.grid)
        total = np.zeros([len(k) for k in ks])
        for i, k in enumerate(ks):
            shape = [1] * self.grid.ndim
            shape[i] = len(k)
            total = total + (k**2).reshape(shape)
        return jnp.asarray(total, dtype=dtype)

    def forward(self, u: jax.Array) -> jax.Array:
        if self.grid.boundary == "periodic":
            return jnp.fft.rfftn(u)
        return jax.scipy.fft.dctn(u, type=2, norm="ortho")

    def inverse(self, u_hat: jax.Array) -> jax.Array:
        if self.grid.boundary == "periodic":
            return jnp.fft.irfftn(u_hat, s=self.grid.shape)
        return jax.scipy.fft.idctn(u_hat, type=2, norm="ortho")

    def laplacian(self, u: jax.Array) -> jax.Array:
        """Spectral Laplacian of a real field on the grid."""
        return self.inverse(-self.k2(u.dtype) * self.forward(u))

    def sum_of_squares(self, u_hat: jax.Array) -> jax.Array:
        """Sum over grid points of u^2, from the coefficients (Parseval), for real u."""
        power = jnp.real(u_hat * jnp.conj(u_hat)) if jnp.iscomplexobj(u_hat) else u_hat * u_hat
        if self.grid.boundary == "no-flux":
            return jnp.sum(power)
        n_last = self.grid.shape[-1]
        weights = np.full(n_last // 2 + 1, 2.0)
        weights[0] = 1.0
        if n_last % 2 == 0:
            weights[-1] = 1.0
        return jnp.sum(power * jnp.asarray(weights, power.dtype)) / self.grid.size
