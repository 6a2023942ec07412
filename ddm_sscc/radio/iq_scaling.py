"""IQ sample scaling between the modem (unit mean power) and the Pluto's converters.

The OFDM transmitter emits complex64 bursts of unit mean power per sample; their peak
(≈ 3.5–4× the RMS) is what must fit the DAC.  The AD9361 has 12-bit converters, but
the two software paths to a Pluto use different number conventions:

* **GNU Radio (gr-iio ``pluto_sink`` / ``pluto_source``)**: complex float, full scale
  ±1.0 per rail.  The sink multiplies by 32768 into int16 (``volk_32f_s32f_convert_16i``,
  which saturates at ±32767) and the DAC takes the top 12 of the 16 bits; the source
  divides the sign-extended 12-bit ADC codes (±2**11) by 2048.
* **pyadi-iio**: ``tx()`` casts the real and imaginary parts to int16 *without*
  rounding or clipping (``astype`` truncates, and wraps beyond ±32767).  ADI's examples
  scale to ±2**14, which sits 6 dB under int16 full scale (the 12-bit DAC, fed the top
  12 bits, sees ±2**10 of its ±2**11 codes) and leaves headroom for the interpolation
  filters.  ``rx()`` returns complex values whose parts are the 12-bit ADC codes, within
  ±2**11.

So, for the same ``scale``, :func:`to_gr_float` drives the DAC 6.02 dB harder than
:func:`to_pyadi_tx` (:data:`GR_OVER_PYADI_DB`); RX levels agree (both ±1.0 = ADC full scale).

"Peak" here is per rail: ``max(|Re|, |Im|)`` over the burst, because each rail has its
own converter and clips on its own.
"""

from __future__ import annotations

import math

import numpy as np

from ddm_sscc.errors import ConfigError

#: pyadi-iio TX convention: complex values scaled to ±2**14 (int16 values, −6 dB of int16 full scale).
PYADI_TX_FULL_SCALE = 2**14
#: pyadi-iio RX convention: 12-bit ADC codes, ±2**11.
PYADI_RX_FULL_SCALE = 2**11
#: gr-iio's float sink writes ±1.0 as ±32768 int16, pyadi's convention ±2**14: 20·log10(2) dB apart.
GR_OVER_PYADI_DB = 20 * math.log10(2**15 / PYADI_TX_FULL_SCALE)


def _check_scale(scale: float) -> float:
    if isinstance(scale, bool) or not isinstance(scale, int | float | np.floating | np.integer):
        raise ConfigError(f"tx_scale must be a number in (0, 1], got {scale!r}")
    value = float(scale)
    if not (math.isfinite(value) and 0.0 < value <= 1.0):
        raise ConfigError(f"tx_scale {scale!r} is outside 0 < tx_scale ≤ 1 (peak relative to full scale)")
    return value


def _complex_samples(samples: np.ndarray) -> np.ndarray:
    x = np.asarray(samples)
    if x.ndim != 1:
        raise ConfigError(f"IQ samples must be a 1-D array, got shape {x.shape}")
    if not (np.issubdtype(x.dtype, np.number) or x.size == 0) or np.issubdtype(x.dtype, np.bool_):
        raise ConfigError(f"IQ samples must be numbers, got dtype {x.dtype}")
    x = x.astype(np.complex128, copy=False)
    if not np.isfinite(x).all():
        raise ConfigError("IQ samples contain NaN or inf")
    return x


def rail_peak(samples: np.ndarray) -> float:
    """``max(|Re|, |Im|)`` over ``samples`` (0.0 for an empty or all-zero array)."""
    x = np.asarray(samples)
    if x.size == 0:
        return 0.0
    return float(max(np.max(np.abs(x.real)), np.max(np.abs(x.imag))))


def to_pyadi_tx(samples: np.ndarray, scale: float) -> np.ndarray:
    """Samples for pyadi-iio's ``tx()``: peak per rail ``floor(scale·2**14)``, integer valued.

    Args:
        samples: (L,) complex baseband, any level (e.g. unit mean power bursts).
        scale: wanted peak relative to the ±2**14 convention, in (0, 1].

    Returns:
        (L,) complex128 whose real and imaginary parts are integers (pyadi casts them to
        int16), ``max(|Re|, |Im|) == floor(scale·2**14)`` exactly, so never beyond
        ±2**14: no clipping and no int16 wrap-around.  An all-zero (or empty) input stays zero.

    Raises:
        ConfigError: ``scale`` outside (0, 1] or below one step (2**−14); samples not 1-D or not finite.
    """
    value = _check_scale(scale)
    target = math.floor(value * PYADI_TX_FULL_SCALE)
    if target < 1:
        raise ConfigError(f"tx_scale {scale!r} is below one DAC step (2**-14)")
    x = _complex_samples(samples)
    peak = rail_peak(x)
    if peak == 0.0:
        return np.zeros(x.size, dtype=np.complex128)
    y = x * (target / peak)
    out = np.round(y.real) + 1j * np.round(y.imag)
    # y's peak is target up to one ulp; rounding lands it on the integer target itself
    np.clip(out.real, -target, target, out=out.real)
    np.clip(out.imag, -target, target, out=out.imag)
    return out


def from_pyadi_rx(raw: np.ndarray) -> np.ndarray:
    """pyadi-iio ``rx()`` output (12-bit codes, ±2**11) → complex64 with ADC full scale ±1.0.

    Args:
        raw: (L,) complex (or int16 I/Q already combined) samples from ``rx()``.

    Returns:
        (L,) complex64, ``raw / 2**11`` (the gr-iio source's convention).
    """
    x = np.asarray(raw)
    if x.ndim != 1:
        raise ConfigError(f"rx() samples must be a 1-D array, got shape {x.shape}")
    return (x.astype(np.complex128, copy=False) / PYADI_RX_FULL_SCALE).astype(np.complex64)


def to_gr_float(samples: np.ndarray, scale: float) -> np.ndarray:
    """Samples for a gr-iio Pluto sink (full scale ±1.0): complex64 with per-rail peak ``scale``.

    Args:
        samples: (L,) complex baseband, any level.
        scale: wanted peak per rail relative to full scale, in (0, 1].

    Returns:
        (L,) complex64, ``max(|Re|, |Im|) ≤ scale`` (equal up to float32 rounding, never
        above); an all-zero input stays zero.
    """
    value = _check_scale(scale)
    x = _complex_samples(samples)
    peak = rail_peak(x)
    if peak == 0.0:
        return np.zeros(x.size, dtype=np.complex64)
    y = (x * (value / peak)).astype(np.complex64)
    limit = np.float32(value)
    np.clip(y.real, -limit, limit, out=y.real)
    np.clip(y.imag, -limit, limit, out=y.imag)
    return y
