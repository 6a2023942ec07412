"""SNR conventions of every simulated link, and the Shannon bounds they are compared with.

* **SNR** is Es/N0 per complex sample at the receiver input, averaged over
  fading: the transmitter normalises its mean sample power over a burst to 1
  and every fading model has unit mean power, so the complex noise variance is
  ``N0 = 1 / 10**(SNR/10)`` (``noise_variance``).
* **Unified SNR** ``SNR_u = SNR + 10·log10(n_cu / N_sp)``, where ``n_cu``
  counts every complex sample transmitted for the image (preambles, cyclic
  prefixes, pilots, headers and padding included) and ``N_sp = H·W·C`` is the
  number of source sub-pixels: it is the transmitted energy per source
  sub-pixel over N0, so links that spend different numbers of channel uses on
  the same image are compared at equal energy.
* **Paper unified SNR** ``SNR_p = SNR + 10·log10(n_cu / N_ref)`` with
  ``N_ref = 32·H·W`` (:data:`PAPER_REF_USES_PER_PIXEL` per pixel): the axis of the
  DDM-SSCC paper's public code, ``SNR_real = SNR_unified + 10·log10(N_ref / N_codeword)``,
  whose reference ``N_ref`` is the channel uses of a 16-channel float32 latent at a
  quarter of the resolution in each direction sent as one BPSK symbol per bit
  (16·(H/4)·(W/4) values · 32 bits = 32·H·W).  It depends on the pixels ``H·W`` only, not
  on the colour channels; for an RGB image ``SNR_p = SNR_u − 10·log10(32/3)``
  ≈ ``SNR_u − 10.28 dB`` (``paper_unified_snr_db``).  The paper reports 100 % exact
  recovery above 2 dB on this axis.
* A lossless transmission of ``B`` bits in ``n`` channel uses over an AWGN
  channel needs ``SNR >= 10·log10(2**(B/n) − 1)`` (``shannon_min_snr_db``),
  i.e. ``SNR_u >= 10·log10(n/N_sp · (2**(B/n) − 1))``
  (``shannon_min_unified_snr_db``), which decreases in ``n`` towards
  ``10·log10(B/N_sp · ln 2)`` as ``n → ∞`` (``shannon_limit_unified_snr_db``).

All functions take and return Python floats (dB values), and raise
:class:`ConfigError` on NaN, inf or non-positive counts.
"""

from __future__ import annotations

import math

from ddm_sscc.channel._checks import positive, real

_LOG10_E = 1.0 / math.log(10.0)


def noise_variance(snr_db: float, signal_power: float = 1.0) -> float:
    """Complex noise variance ``N0 = signal_power / 10**(snr_db/10)`` (E|n|², both quadratures)."""
    snr = real("snr_db", snr_db)
    power = positive("signal_power", signal_power)
    return power * 10.0 ** (-snr / 10.0)


def unified_snr_db(snr_db: float, n_channel_uses: int, n_subpixels: int) -> float:
    """``SNR + 10·log10(n_channel_uses / n_subpixels)``: transmitted energy per source sub-pixel over N0, in dB."""
    snr = real("snr_db", snr_db)
    n = positive("n_channel_uses", n_channel_uses)
    n_sp = positive("n_subpixels", n_subpixels)
    return snr + 10.0 * math.log10(n / n_sp)


PAPER_REF_USES_PER_PIXEL = 32
"""``N_ref / (H·W)`` of the paper's unified SNR: 32 reference channel uses per pixel (module docstring)."""


def paper_unified_snr_db(snr_db: float, n_channel_uses: int, n_pixels: int) -> float:
    """``SNR + 10·log10(n_channel_uses / (32·n_pixels))``: the paper's unified SNR in dB (module docstring).

    ``n_pixels`` is ``H·W`` (not sub-pixels): the paper's reference ``N_ref = 32·H·W`` does not
    depend on the number of colour channels.
    """
    snr = real("snr_db", snr_db)
    n = positive("n_channel_uses", n_channel_uses)
    pixels = positive("n_pixels", n_pixels)
    return snr + 10.0 * math.log10(n / (PAPER_REF_USES_PER_PIXEL * pixels))


def _db_of_pow2_minus_1(rate: float) -> float:
    """``10·log10(2**rate − 1)`` without overflow for large rates (rate > 0)."""
    r = rate * math.log(2.0)
    if r < 30.0:
        return 10.0 * math.log10(math.expm1(r))
    # 2**rate − 1 = e**r · (1 − e**−r): take the log of each factor.
    return 10.0 * (r + math.log1p(-math.exp(-r))) * _LOG10_E


def shannon_min_snr_db(bits: float, n_channel_uses: float) -> float:
    """Least SNR (dB, per complex channel use) at which ``bits`` fit in ``n_channel_uses`` AWGN uses."""
    b = positive("bits", bits)
    n = positive("n_channel_uses", n_channel_uses)
    return _db_of_pow2_minus_1(b / n)


def shannon_min_unified_snr_db(bits: float, n_channel_uses: float, n_subpixels: int) -> float:
    """``10·log10(n/N_sp · (2**(B/n) − 1))``: the least unified SNR (dB) for ``bits`` in ``n`` uses."""
    b = positive("bits", bits)
    n = positive("n_channel_uses", n_channel_uses)
    n_sp = positive("n_subpixels", n_subpixels)
    return _db_of_pow2_minus_1(b / n) + 10.0 * math.log10(n / n_sp)


def shannon_limit_unified_snr_db(bits: float, n_subpixels: int) -> float:
    """``10·log10(B/N_sp · ln 2)``: the ``n → ∞`` limit of :func:`shannon_min_unified_snr_db` (dB)."""
    b = positive("bits", bits)
    n_sp = positive("n_subpixels", n_subpixels)
    return 10.0 * math.log10(b / n_sp * math.log(2.0))
