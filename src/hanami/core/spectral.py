"""Spectral transforms on box grids: Fourier (periodic) and cosine (no-flux).

One implementation for every device: `jnp.fft` and `jax.scipy.fft` lower to the
platform's FFT (pocketfft/ducc on CPU, cuFFT on GPU). The DCT-II with orthonormal
scaling keeps float64 to round-off (checked in the unit tests), so no mirrored-FFT
work-around is needed.

On several devices (slabs along x) the transform is the distributed one: each
device transforms its slab along the other axes, one all-to-all transposes the
slabs to split along the last axis, and each device transforms along x; the
spectrum stays in that transposed layout and the inverse retraces the steps.
The real FFT's last axis (n/2 + 1 columns) is padded with zero columns to a
multiple of the device count so the transpose divides evenly. (XLA's own
partitioner gathers an FFT's operand whole instead.)
"""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np

from hanami.core.grid import BoxGrid
from hanami.core.parallel import local_along, split_along, traced_devices


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

    @property
    def _devices(self) -> int:
        """Devices the transform is distributed over (1: the plain transform)."""
        n = traced_devices()
        return n if n > 1 and self.grid.ndim > 1 and self.grid.shape[0] % n == 0 else 1

    def _padding(self) -> int:
        """Zero columns added to the real FFT's last axis on several devices."""
        if self.grid.boundary != "periodic":
            return 0
        return -(self.grid.shape[-1] // 2 + 1) % self._devices

    def _pad_last(self, a: np.ndarray) -> np.ndarray:
        return np.pad(a, [(0, 0)] * (a.ndim - 1) + [(0, self._padding())])

    def k2(self, dtype: jnp.dtype) -> jax.Array:
        """|k|^2 on the spectral layout [1/length^2], as a constant of `dtype`."""
        ks = _wavenumbers(self.grid)
        total = np.zeros([len(k) for k in ks])
        for i, k in enumerate(ks):
            shape = [1] * self.grid.ndim
            shape[i] = len(k)
            total = total + (k**2).reshape(shape)
        return jnp.asarray(self._pad_last(total), dtype=dtype)

    def forward(self, u: jax.Array) -> jax.Array:
        if self._devices > 1:
            return self._distributed_forward(u)
        if self.grid.boundary == "periodic":
            return jnp.fft.rfftn(u)
        return jax.scipy.fft.dctn(u, type=2, norm="ortho")

    def inverse(self, u_hat: jax.Array) -> jax.Array:
        if self._devices > 1:
            return self._distributed_inverse(u_hat)
        if self.grid.boundary == "periodic":
            return jnp.fft.irfftn(u_hat, s=self.grid.shape)
        return jax.scipy.fft.idctn(u_hat, type=2, norm="ortho")

    def _distributed_forward(self, u: jax.Array) -> jax.Array:
        rest = tuple(range(1, u.ndim))
        if self.grid.boundary == "periodic":
            pad = [(0, 0)] * (u.ndim - 1) + [(0, self._padding())]
            slab = local_along(lambda s: jnp.pad(jnp.fft.rfftn(s, axes=rest), pad), u, 0)
            return local_along(lambda s: jnp.fft.fft(s, axis=0), split_along(slab, -1), -1)
        slab = local_along(lambda s: jax.scipy.fft.dctn(s, type=2, norm="ortho", axes=rest), u, 0)
        return local_along(lambda s: jax.scipy.fft.dct(s, type=2, norm="ortho", axis=0), split_along(slab, -1), -1)

    def _distributed_inverse(self, u_hat: jax.Array) -> jax.Array:
        rest = tuple(range(1, u_hat.ndim))
        if self.grid.boundary == "periodic":
            columns = self.grid.shape[-1] // 2 + 1
            slab = local_along(lambda s: jnp.fft.ifft(s, axis=0), u_hat, -1)
            return local_along(lambda s: jnp.fft.irfftn(s[..., :columns], s=self.grid.shape[1:], axes=rest),
                               split_along(slab, 0), 0)
        slab = local_along(lambda s: jax.scipy.fft.idct(s, type=2, norm="ortho", axis=0), u_hat, -1)
        return local_along(lambda s: jax.scipy.fft.idctn(s, type=2, norm="ortho", axes=rest),
                           split_along(slab, 0), 0)

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
        return jnp.sum(power * jnp.asarray(self._pad_last(weights), power.dtype)) / self.grid.size
