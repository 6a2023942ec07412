"""Least-squares channel estimation with delay-limited smoothing.

Raw LS estimates Ĥ_k = Y_k / X_k on each used carrier are as noisy as the carriers
themselves.  A channel whose impulse response fits in the cyclic prefix has only
``L = pre_taps + max_delay + 1`` free taps, so the receiver projects the raw estimate
onto that subspace: Ĥ = F (FᴴF)⁻¹ Fᴴ Ĥ_LS with F_{k,l} = exp(−j2π k l / N) over the used
carriers k and taps l ∈ [−pre_taps, max_delay].  This is the exact LS fit of such a
channel on carriers with guard bands and a DC null (where plain DFT interpolation would
leak), and it lowers the estimation noise by L / n_used.  ``pre_taps`` admits paths the
FFT window sees as early because of the timing backoff.

The same fit, run over all training symbols (two LTF copies, then the decoded and
re-modulated header), also yields the noise variance from the residual, with its
degrees of freedom accounted for.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .config import OfdmConfig


@dataclass(frozen=True)
class ChannelEstimate:
    """A channel estimate on the used carriers.

    Attributes:
        h: (U,) complex64 channel on ``config.used_carriers`` (sorted signed order).
        noise_var: noise variance per carrier (σ² after the FFT scaling), float.
        error_var: mean variance of the error of ``h`` per carrier, float.
        time: when it holds (samples from the burst start, set by the receiver), float.
    """

    h: np.ndarray
    noise_var: float
    error_var: float
    time: float = 0.0


class ChannelEstimator:
    """Delay-limited LS channel estimation for one :class:`OfdmConfig`."""

    def __init__(self, config: OfdmConfig, max_delay: int | None = None, pre_taps: int = 4) -> None:
        self.config = config
        carriers = config.used_carriers.astype(np.float64)
        taps = np.arange(-pre_taps, (config.cp_len if max_delay is None else max_delay) + 1, dtype=np.float64)
        f = np.exp(-2j * np.pi * np.outer(carriers, taps) / config.fft_size)
        self.n_taps = taps.size
        self.projection = (f @ np.linalg.pinv(f)).astype(np.complex64)  # (U, U), Hermitian idempotent
        self.used_bins = config.bins(tuple(config.used_carriers))

    def estimate(self, y: np.ndarray, x: np.ndarray) -> ChannelEstimate:
        """Estimate from S training symbols: ``y`` (S, U) received and ``x`` (S, U) known values (complex)."""
        s, u = y.shape
        weight = np.sum(np.abs(x) ** 2, axis=0)
        raw = np.sum(y * np.conj(x), axis=0) / np.maximum(weight, 1e-12)
        h = self.projection @ raw.astype(np.complex64)
        residual = float(np.sum(np.abs(y - h[None, :] * x) ** 2))
        dof = max(s * u - self.n_taps, 1)
        noise_var = max(residual / dof, 1e-12)
        error_var = noise_var * self.n_taps / (u * max(float(np.mean(weight)), 1e-12))
        return ChannelEstimate(h.astype(np.complex64), noise_var, error_var)
