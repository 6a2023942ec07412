"""Burst preamble: 802.11-style short and long training fields.

* **STF** – 10 repetitions of a 16-sample pattern (carriers at multiples of N/16).  Its
  periodicity drives burst detection (Schmidl–Cox delay-and-correlate) and the coarse
  CFO estimate, unambiguous over ±fs/32 (±62.5 kHz at 2 MS/s).
* **LTF** – a guard of N/2 samples, then two copies of one N-sample symbol with every
  used carrier at ±1.  It gives symbol timing (cross-correlation), the fine CFO (phase
  between the copies, unambiguous over ±fs/(2N)) and the LS channel estimate.

For N = 64 the carrier values are exactly 802.11a's (IEEE 802.11-2020 §17.3.3); other
sizes use a fixed pseudo-random QPSK/BPSK pattern on the same grid.  Both fields are
scaled to unit mean power per sample, like the data symbols.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .config import OfdmConfig

STF_PERIOD = 16
STF_REPEATS = 10

_STF_80211A = {
    -24: 1 + 1j, -20: -1 - 1j, -16: 1 + 1j, -12: -1 - 1j, -8: -1 - 1j, -4: 1 + 1j,
    4: -1 - 1j, 8: -1 - 1j, 12: 1 + 1j, 16: 1 + 1j, 20: 1 + 1j, 24: 1 + 1j,
}  # fmt: skip
_LTF_80211A = (
    1, 1, -1, -1, 1, 1, -1, 1, -1, 1, 1, 1, 1, 1, 1, -1, -1, 1, 1, -1, 1, -1, 1, 1, 1, 1,
    0,
    1, -1, -1, 1, 1, -1, 1, -1, 1, -1, -1, -1, -1, -1, 1, 1, -1, -1, 1, -1, 1, -1, 1, 1, 1, 1,
)  # fmt: skip


def _unit_power(x: np.ndarray) -> np.ndarray:
    return (x / np.sqrt(np.mean(np.abs(x) ** 2))).astype(np.complex64)


@dataclass(frozen=True)
class Preamble:
    """The training fields for one :class:`OfdmConfig`.

    Attributes (all complex64):
        ltf_freq: (N,) LTF carrier values in FFT-bin order (0 on unused bins).
        stf: (160,) time-domain short training field.
        ltf_symbol: (N,) one time-domain long training symbol (without guard).
        ltf: (N/2 + 2N,) the whole long training field.
    """

    config: OfdmConfig

    @cached_property
    def ltf_freq(self) -> np.ndarray:
        cfg = self.config
        freq = np.zeros(cfg.fft_size, dtype=np.complex64)
        used = cfg.used_carriers
        if cfg.fft_size == 64 and set(used) == set(range(-26, 27)) - {0}:
            values = np.array([_LTF_80211A[k + 26] for k in used], dtype=np.float32)
        else:
            values = np.random.default_rng(0x17F).choice([-1.0, 1.0], size=len(used))
        freq[cfg.bins(tuple(used))] = values
        return freq

    @cached_property
    def stf(self) -> np.ndarray:
        cfg = self.config
        n = cfg.fft_size
        step = n // STF_PERIOD
        edge = int(np.max(np.abs(cfg.used_carriers)))
        carriers = [k for k in range(-edge, edge + 1) if k % step == 0 and k != 0]
        freq = np.zeros(n, dtype=np.complex64)
        if n == 64 and edge == 26:
            for k, v in _STF_80211A.items():
                freq[k % n] = v
        else:
            rng = np.random.default_rng(0x57F)
            freq[np.asarray(carriers) % n] = rng.choice([1 + 1j, -1 - 1j, 1 - 1j, -1 + 1j], size=len(carriers))
        period = np.fft.ifft(freq)[:STF_PERIOD]  # the IFFT is STF_PERIOD-periodic
        return _unit_power(np.tile(period, STF_REPEATS))

    @cached_property
    def ltf_symbol(self) -> np.ndarray:
        return _unit_power(np.fft.ifft(self.ltf_freq))

    @property
    def ltf_guard(self) -> int:
        return self.config.fft_size // 2

    @cached_property
    def ltf(self) -> np.ndarray:
        sym = self.ltf_symbol
        return np.concatenate([sym[-self.ltf_guard :], sym, sym]).astype(np.complex64)

    @cached_property
    def samples(self) -> np.ndarray:
        """The whole preamble, STF then LTF (complex64)."""
        return np.concatenate([self.stf, self.ltf])

    @property
    def ltf_offset(self) -> int:
        """Index of the first LTF symbol (after its guard) from the burst start."""
        return len(self.stf) + self.ltf_guard

    @property
    def length(self) -> int:
        return len(self.stf) + len(self.ltf)
