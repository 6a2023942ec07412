"""Additive white complex Gaussian noise at a given SNR (conventions in :mod:`ddm_sscc.channel.snr`)."""

from __future__ import annotations

import numpy as np

from ddm_sscc.channel._checks import generator
from ddm_sscc.channel.snr import noise_variance
from ddm_sscc.channel.stage import Stage


class Awgn(Stage):
    """Adds circular complex Gaussian noise of variance ``noise_variance(snr_db, signal_power)``.

    ``rng`` is a numpy Generator or an int seed.  Noise is drawn as
    ``rng.standard_normal((n, 2))`` per call, so successive calls draw the
    same numbers as one call on the whole stream (chunk invariant).
    ``process(x)`` returns ``x + noise`` as ``complex64``, shape ``x.shape``.
    """

    def __init__(self, snr_db: float, rng: np.random.Generator | int, signal_power: float = 1.0) -> None:
        self.snr_db = float(snr_db)
        self.noise_variance = noise_variance(snr_db, signal_power)
        self._sigma = float(np.sqrt(self.noise_variance / 2.0))  # per quadrature
        self._rng = generator(rng)

    def _process(self, x: np.ndarray) -> np.ndarray:
        noise = self._rng.standard_normal((x.size, 2)) * self._sigma
        return x + (noise[:, 0] + 1j * noise[:, 1])


def awgn(x: object, snr_db: float, rng: np.random.Generator | int, signal_power: float = 1.0) -> np.ndarray:
    """``x`` plus complex Gaussian noise at ``snr_db`` (one-shot :class:`Awgn`); ``complex64``, shape ``(n,)``."""
    return Awgn(snr_db, rng, signal_power).process(x)
