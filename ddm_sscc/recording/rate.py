"""Rational sample-rate conversion between a recording's rate and the modem's (scipy ``resample_poly``).

The factor ``to_rate / from_rate`` is approximated by ``up / down`` with the smallest
denominator (≤ :data:`MAX_DENOMINATOR`) that is within :data:`EXACT_PPM` of it, else the
best one; a residual above :data:`MAX_ERROR_PPM` is refused.  The residual acts on the
receiver like a sampling-clock offset of ``error_ppm`` (the OFDM receiver tracks tens of
ppm); common SDR rates are exact: 2.5 MS/s → 2 MS/s is 4/5, ADALM-PLUTO's lowest rate
without its FIR decimator, 25/12 MS/s ≈ 2.0833 MS/s, → 2 MS/s is 24/25.

``resample_poly`` filters with its default Kaiser-windowed (β = 5) low-pass of
``20·max(up, down) + 1`` taps, cut off at the lower Nyquist rate, and compensates the
filter delay: output sample ``m`` lies at input time ``m · down / up``.  Accuracy,
measured on 802.11a-numerology OFDM bursts (carriers up to ±812.5 kHz at 2 MS/s)
ideally interpolated to 25/12, 2.5, 3 and 4 MS/s and brought back to 2 MS/s: the error
is −60 dB of the signal below 500 kHz and at most −57 dB on the outermost occupied
carriers (700–830 kHz); only the empty guard band above 830 kHz, the filter's
transition band, is altered (−16 dB there, which no carrier uses).  The test
``tests/core/recording/test_rate.py`` keeps the occupied band below −50 dB.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from ddm_sscc.errors import ConfigError

MAX_DENOMINATOR = 10_000
EXACT_PPM = 1e-3
MAX_ERROR_PPM = 20.0


@dataclass(frozen=True)
class RateConversion:
    """``from_rate`` → ``to_rate`` (Hz) by ``up / down``; ``error_ppm`` = (achieved / wanted − 1)·1e6."""

    from_rate: float
    to_rate: float
    up: int
    down: int

    @property
    def identity(self) -> bool:
        return self.up == self.down

    @property
    def error_ppm(self) -> float:
        """How far ``up/down`` is from ``to_rate/from_rate``, in ppm (a residual sampling-clock offset)."""
        return (self.up / self.down) / (self.to_rate / self.from_rate) * 1e6 - 1e6

    def apply(self, samples: np.ndarray) -> np.ndarray:
        """Resample ``samples`` (1-D, complex) from ``from_rate`` to ``to_rate``: complex64, about ``n·up/down`` samples."""
        x = np.asarray(samples).ravel()
        if self.identity:
            return x.astype(np.complex64, copy=False)
        from scipy.signal import resample_poly

        return resample_poly(x.astype(np.complex128, copy=False), self.up, self.down).astype(np.complex64)

    def to_input_index(self, index: float) -> float:
        """The input-rate sample index of output-rate index ``index`` (filter delay compensated)."""
        return index * self.down / self.up

    def to_output_index(self, index: float) -> float:
        """The output-rate sample index of input-rate index ``index``."""
        return index * self.up / self.down


def rate_conversion(from_rate: float, to_rate: float) -> RateConversion:
    """The rational conversion ``from_rate`` → ``to_rate`` (module docstring); ConfigError if no factor is close enough."""
    for name, rate in (("from_rate", from_rate), ("to_rate", to_rate)):
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not math.isfinite(rate) or rate <= 0:
            raise ConfigError(f"sample rate {name} must be a positive number, got {rate!r}")
    wanted = Fraction(float(to_rate)) / Fraction(float(from_rate))
    best: Fraction | None = None
    for limit in (10, 100, 1000, MAX_DENOMINATOR):
        candidate = wanted.limit_denominator(limit)
        if best is None or abs(candidate - wanted) < abs(best - wanted):
            best = candidate
        if abs(float(candidate / wanted) - 1.0) * 1e6 <= EXACT_PPM:
            best = candidate
            break
    assert best is not None
    conversion = RateConversion(float(from_rate), float(to_rate), best.numerator, best.denominator)
    if abs(conversion.error_ppm) > MAX_ERROR_PPM:
        raise ConfigError(
            f"cannot resample {from_rate:g} to {to_rate:g} samples/s: the nearest factor {best} "
            f"(denominator ≤ {MAX_DENOMINATOR}) is {conversion.error_ppm:+.1f} ppm off"
        )
    return conversion
