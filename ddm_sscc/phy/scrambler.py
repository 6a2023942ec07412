"""The IEEE 802.11 scrambler sequence (generator x^7 + x^4 + 1).

Coded bits are XORed with it before mapping, so long runs of equal bits (padding,
flat image regions) do not turn into OFDM symbols with a spectral line and a high
peak-to-average ratio; the receiver flips the corresponding LLR signs back.  The same
sequence, with the all-ones seed, gives 802.11a's pilot polarities.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

PERIOD = 127


@lru_cache(maxsize=8)
def _period(seed: int) -> np.ndarray:
    state = [(seed >> i) & 1 for i in range(7)]  # state[0] = x1 ... state[6] = x7
    out = np.empty(PERIOD, dtype=np.uint8)
    for i in range(PERIOD):
        bit = state[6] ^ state[3]  # x7 xor x4
        out[i] = bit
        state = [bit] + state[:6]
    out.setflags(write=False)
    return out


def scrambler_sequence(length: int, seed: int = 0x7F) -> np.ndarray:
    """``length`` bits (uint8 0/1) of the 127-periodic scrambler output for a 7-bit nonzero seed."""
    if not 0 < seed < 128:
        raise ValueError("scrambler seed must be a nonzero 7-bit value")
    reps = -(-length // PERIOD)
    return np.tile(_period(seed), reps)[:length]


def pilot_polarity(n_symbols: int) -> np.ndarray:
    """802.11a pilot polarity p_0, p_1, ... (+1/−1 float32) for ``n_symbols`` OFDM symbols."""
    return (1.0 - 2.0 * scrambler_sequence(n_symbols)).astype(np.float32)
