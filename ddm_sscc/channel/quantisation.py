"""Analog-to-digital conversion: ``bits``-bit rounding and clipping of I and Q, as an SDR's ADC delivers them.

An ideal mid-tread ADC of ``bits`` bits whose largest code corresponds to the input
amplitude ``full_scale`` (per I or Q component, in the channel's units: a burst has
unit mean power per complex sample, so each component has RMS ``1/√2``)::

    code = clip(rint(v · 2**(bits−1) / full_scale), −2**(bits−1), 2**(bits−1) − 1)   for v = Re x, Im x
    y    = (code_I + i·code_Q) / 2**(bits−1)

so ``y ≈ x / full_scale``.  The output is normalised to the ADC's full scale (±1.0):
ADALM-PLUTO's 12-bit codes (``bits = 12``: −2048 … 2047, carried in complex int16)
divided by 2048, which is what GNU Radio's Pluto source delivers.  ``y · 2**(bits−1)``
gives the integer codes back exactly (``complex64`` holds them without rounding).
The quantisation step is ``full_scale / 2**(bits−1)`` in input units, so the
quantisation noise power per complex sample is ``2 · step² / 12``.
"""

from __future__ import annotations

import numpy as np

from ddm_sscc.channel._checks import positive, positive_int
from ddm_sscc.channel.stage import Stage
from ddm_sscc.errors import ConfigError

MIN_BITS = 2
MAX_BITS = 16  # the codes must fit complex int16


class AdcQuantiser(Stage):
    """Rounds and clips I and Q to ``bits``-bit codes; output normalised to full scale ±1.0 (module docstring).

    Memoryless, so any chunking gives the same output.  ``clipped`` counts the I and Q
    components that hit the range limits so far (a saturation indicator).
    """

    def __init__(self, bits: int = 12, full_scale: float = 4.0) -> None:
        self.bits = positive_int("adc_bits", bits)
        if not MIN_BITS <= self.bits <= MAX_BITS:
            raise ConfigError(f"adc_bits must lie in {MIN_BITS}..{MAX_BITS}, got {self.bits}")
        self.full_scale = positive("adc_full_scale", full_scale)
        self.levels = 1 << (self.bits - 1)
        """Codes per unit of output amplitude: 2**(bits−1) (2048 for 12 bits)."""
        self.step = self.full_scale / self.levels
        """Quantisation step in input units."""
        self.clipped = 0

    def codes(self, x: object) -> np.ndarray:
        """The ADC codes of input samples ``x``: int16, shape ``(n, 2)`` (I, Q), within ``[−2**(bits−1), 2**(bits−1) − 1]``."""
        samples = np.asarray(x, dtype=np.complex128).ravel()
        scaled = np.stack([samples.real, samples.imag], axis=1) * (self.levels / self.full_scale)
        scaled = np.nan_to_num(scaled, nan=0.0, posinf=self.levels, neginf=-self.levels)
        rounded = np.rint(scaled)
        low, high = -self.levels, self.levels - 1
        self.clipped += int(np.count_nonzero((rounded < low) | (rounded > high)))
        return np.clip(rounded, low, high).astype(np.int16)

    def _process(self, x: np.ndarray) -> np.ndarray:
        code = self.codes(x).astype(np.float64)
        return (code[:, 0] + 1j * code[:, 1]) / self.levels
