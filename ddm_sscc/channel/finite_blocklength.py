"""Finite-blocklength limits of the complex AWGN channel: the normal approximation.

Polyanskiy, Poor and Verdú ("Channel coding rate in the finite blocklength
regime", IEEE Trans. IT 2010) show that the largest number of information bits
``k`` that ``n`` uses of a complex AWGN channel at SNR ``s`` (linear, Es/N0 per
complex use) carry with block error probability ``ε`` is

    k ≈ n·C(s) − sqrt(n·V(s))·Q⁻¹(ε) + ½·log2(n)

with the capacity and the dispersion per complex use (in bits and bits²)

    C(s) = log2(1 + s),        V(s) = s·(s + 2) / (s + 1)² · (log2 e)².

(One complex use is two real uses, each at SNR ``s``: C and V are twice the real
channel's ``½·log2(1+s)`` and ``s(s+2)/(2(s+1)²)·(log2 e)²``; e.g. ``V(1) = ¾·(log2 e)²``.)

:func:`fbl_min_snr_db` inverts it: the least SNR (dB per complex use) at which
``k`` bits fit in ``n`` uses at error probability ``ε``, found with a
bracketing root finder (the left side is increasing in ``s`` wherever it
reaches ``k``, so the root is unique).  As ``n → ∞`` at a fixed rate ``k/n`` it
tends to the Shannon SNR ``2**(k/n) − 1``.

All inputs are checked (:class:`ConfigError` on NaN, inf, non-positive counts,
``ε`` outside (0, 1)); values are Python floats.
"""

from __future__ import annotations

import math

from ddm_sscc.channel._checks import positive, real
from ddm_sscc.errors import ConfigError

LOG2_E = 1.0 / math.log(2.0)
"""log2(e): nats → bits."""

_LO_DB, _HI_DB = -200.0, 400.0  # search range of the root finder


def capacity_bits(snr: float) -> float:
    """``C(s) = log2(1 + s)``: bits per complex channel use at linear SNR ``s ≥ 0``."""
    s = _linear("snr", snr)
    return math.log1p(s) * LOG2_E


def dispersion_bits2(snr: float) -> float:
    """``V(s) = s(s+2)/(s+1)² · (log2 e)²``: the dispersion in bits² per complex use (linear ``s ≥ 0``)."""
    s = _linear("snr", snr)
    return s * (s + 2.0) / (s + 1.0) ** 2 * LOG2_E**2


def q_inverse(epsilon: float) -> float:
    """``Q⁻¹(ε)``: the standard normal upper-tail quantile, ``ε`` in (0, 1)."""
    from scipy.special import ndtri

    eps = _probability(epsilon)
    return float(-ndtri(eps))


def normal_approx_bits(n: float, snr: float, epsilon: float) -> float:
    """``n·C(s) − sqrt(n·V(s))·Q⁻¹(ε) + ½·log2(n)``: bits in ``n`` complex uses at linear SNR ``s``.

    ``n`` may be any positive real (a block length), ``epsilon`` the block error probability in (0, 1).
    """
    n = positive("n", n)
    s = _linear("snr", snr)
    return n * capacity_bits(s) - math.sqrt(n * dispersion_bits2(s)) * q_inverse(epsilon) + 0.5 * math.log2(n)


def fbl_min_snr_db(k: float, n: float, epsilon: float) -> float:
    """Least SNR (dB per complex use) at which ``k`` bits fit in ``n`` complex uses with block error ``ε``.

    Normal approximation (module docstring).  Returns ``-inf`` when the
    ``½·log2(n)`` term alone already covers ``k`` (never the case for real codes).
    """
    k = positive("k", k)
    n = positive("n", n)
    eps = _probability(epsilon)
    q = q_inverse(eps)

    def excess(snr_db: float) -> float:
        s = 10.0 ** (snr_db / 10.0)
        return n * math.log1p(s) * LOG2_E - math.sqrt(n * dispersion_bits2(s)) * q + 0.5 * math.log2(n) - k

    if 0.5 * math.log2(n) >= k:
        return -math.inf
    if excess(_HI_DB) < 0:
        raise ConfigError(f"{k:g} bits do not fit in {n:g} channel uses below {_HI_DB:g} dB")
    # Near s = 0 the excess is ½·log2(n) − k < 0; its derivative changes sign at most once
    # (from − to +), so [_LO_DB, _HI_DB] brackets exactly one root.
    if excess(_LO_DB) >= 0:
        return -math.inf
    from scipy.optimize import brentq

    return float(brentq(excess, _LO_DB, _HI_DB, xtol=1e-10, rtol=1e-14, maxiter=500))


def _linear(name: str, value: float) -> float:
    v = real(name, value)
    if v < 0:
        raise ConfigError(f"{name} must be a linear SNR ≥ 0, got {value!r}")
    return v


def _probability(value: float) -> float:
    eps = real("epsilon", value)
    if not 0.0 < eps < 1.0:
        raise ConfigError(f"epsilon must lie in (0, 1), got {value!r}")
    return eps
