"""Flat Rayleigh block fading: one complex gain ``h ~ CN(0, 1)`` per block of samples."""

from __future__ import annotations

import numpy as np

from ddm_sscc.channel._checks import generator, positive_int
from ddm_sscc.channel.stage import Stage


class RayleighBlockFading(Stage):
    """Multiplies the stream by a gain ``h ~ CN(0, 1)`` (``E|h|² = 1``) held for ``block_samples`` samples.

    With ``block_samples=None`` one realisation lasts until :meth:`new_block`
    draws a fresh one (one realisation per burst).  Blocks count output
    samples from the start of the stream (or from the last ``new_block``).
    ``process(x)`` returns ``h·x`` as ``complex64``, shape ``x.shape``.

    ``gain`` is the gain the *next* sample gets (before a burst: the burst's
    gain); ``last_gains`` holds the per-sample gains of the last
    ``process`` call (``complex128``, shape ``(len(x),)``) for perfect-CSI
    references when blocks are shorter than a burst.
    """

    def __init__(self, rng: np.random.Generator | int, block_samples: int | None = None) -> None:
        self._rng = generator(rng)
        self.block_samples = None if block_samples is None else positive_int("block_samples", block_samples)
        self._position = 0  # samples already spent in the current block
        self.gain: complex = complex(self._draw(1)[0])
        self.last_gains = np.zeros(0, dtype=np.complex128)

    def _draw(self, count: int) -> np.ndarray:
        pairs = self._rng.standard_normal((count, 2)) / np.sqrt(2.0)
        return pairs[:, 0] + 1j * pairs[:, 1]

    def new_block(self) -> None:
        """Start a fresh, independent realisation now."""
        self.gain = complex(self._draw(1)[0])
        self._position = 0

    def frequency_response(self, fft_size: int) -> np.ndarray:
        """The current gain on every bin: ``complex128``, shape ``(fft_size,)``."""
        return np.full(positive_int("fft_size", fft_size), self.gain, dtype=np.complex128)

    def _process(self, x: np.ndarray) -> np.ndarray:
        if self.block_samples is None:
            gains = np.full(x.size, self.gain)
        else:
            # Draw the gains of every block this chunk reaches, including the one that starts
            # right after it, so the draw sequence depends only on the total sample count.
            offsets = self._position + np.arange(x.size)
            blocks = offsets // self.block_samples
            n_new = (self._position + x.size) // self.block_samples
            table = np.concatenate([[self.gain], self._draw(n_new)])
            gains = table[blocks]
            self.gain = complex(table[-1])
            self._position = (self._position + x.size) % self.block_samples
        self.last_gains = gains
        return gains * x
