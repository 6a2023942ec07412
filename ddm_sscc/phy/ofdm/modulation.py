"""OFDM symbols: carrier mapping with pilots, IFFT and cyclic prefix, and the inverse.

Pilots are BPSK, ``base · p_n`` with 802.11a's base pattern (1, 1, 1, −1 for its four
pilots; alternating signs, the last negative, for other layouts) and p_n the scrambler
polarity of the symbol's index in the burst (the header's first symbol is n = 0).

Scaling: a symbol with unit-power values on its ``n_used`` carriers has unit mean power
per time sample; :meth:`OfdmModulator.demodulate` undoes the scale, so white noise of
variance σ² per time sample becomes σ²·n_used/N per carrier.
"""

from __future__ import annotations

from functools import cached_property

import numpy as np

from ..scrambler import pilot_polarity
from .config import OfdmConfig


class OfdmModulator:
    """Maps (S, n_data) carrier values to S·(N + CP) samples and back."""

    def __init__(self, config: OfdmConfig) -> None:
        self.config = config
        self.data_bins = config.bins(config.data_carriers)
        self.pilot_bins = config.bins(config.pilot_carriers)

    @cached_property
    def pilot_base(self) -> np.ndarray:
        """(P,) float32 base pilot values before polarity."""
        p = len(self.config.pilot_carriers)
        if self.config.pilot_carriers == (-21, -7, 7, 21):
            return np.array([1, 1, 1, -1], dtype=np.float32)
        base = np.where(np.arange(p) % 2 == 0, 1.0, -1.0)
        base[-1] = -1.0
        return base.astype(np.float32)

    def pilots(self, first: int, n_symbols: int) -> np.ndarray:
        """(S, P) float32 pilot values of symbols ``first .. first + S − 1``."""
        polarity = pilot_polarity(first + n_symbols)[first:]
        return polarity[:, None] * self.pilot_base[None, :]

    def modulate(self, data: np.ndarray, first: int = 0) -> np.ndarray:
        """Time samples (S·(N + CP),) complex64 for data (S, n_data) complex, symbol index ``first`` on."""
        cfg = self.config
        s = data.shape[0]
        grid = np.zeros((s, cfg.fft_size), dtype=np.complex64)
        grid[:, self.data_bins] = data
        grid[:, self.pilot_bins] = self.pilots(first, s)
        time = np.fft.ifft(grid, axis=1) * cfg.scale
        return np.concatenate([time[:, -cfg.cp_len :], time], axis=1).astype(np.complex64).ravel()

    def demodulate(self, samples: np.ndarray, n_symbols: int, backoff: int = 0) -> np.ndarray:
        """Carrier values (S, N) complex64 of S consecutive symbols starting at ``samples[0]`` (CP first).

        ``backoff`` starts each FFT window that many samples early, inside the cyclic
        prefix, so a late timing estimate or channel spread causes no inter-symbol
        interference; the resulting linear phase is part of the channel estimate.
        """
        cfg = self.config
        start = cfg.cp_len - backoff
        blocks = samples[: n_symbols * cfg.symbol_len].reshape(n_symbols, cfg.symbol_len)[:, start : start + cfg.fft_size]
        return (np.fft.fft(blocks, axis=1) / cfg.scale).astype(np.complex64)
