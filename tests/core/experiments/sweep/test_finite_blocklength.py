"""The normal approximation of the complex AWGN channel (ddm_sscc.channel.finite_blocklength)."""

from __future__ import annotations

import math
from itertools import pairwise
from statistics import NormalDist

import pytest

from ddm_sscc.channel.finite_blocklength import (
    LOG2_E,
    capacity_bits,
    dispersion_bits2,
    fbl_min_snr_db,
    normal_approx_bits,
    q_inverse,
)
from ddm_sscc.channel.snr import shannon_min_snr_db
from ddm_sscc.errors import ConfigError


def test_capacity_and_dispersion_values():
    assert capacity_bits(1.0) == pytest.approx(1.0)
    assert capacity_bits(3.0) == pytest.approx(2.0)
    assert dispersion_bits2(1.0) == pytest.approx(0.75 * LOG2_E**2)
    assert dispersion_bits2(0.0) == 0.0
    assert dispersion_bits2(1e9) == pytest.approx(LOG2_E**2, rel=1e-6)  # V → (log2 e)² at high SNR
    assert q_inverse(0.5) == pytest.approx(0.0, abs=1e-12)
    assert q_inverse(1e-3) == pytest.approx(3.090232, rel=1e-6)


def _independent_fbl_db(k: float, n: float, eps: float) -> float:
    """The same bound by plain bisection, Q⁻¹ from the standard library."""
    q = -NormalDist().inv_cdf(eps)
    lo, hi = -30.0, 60.0
    for _ in range(200):
        mid = (lo + hi) / 2
        s = 10 ** (mid / 10)
        bits = n * math.log2(1 + s) - math.sqrt(n * s * (s + 2) / (s + 1) ** 2) * math.log2(math.e) * q
        bits += 0.5 * math.log2(n)
        lo, hi = (mid, hi) if bits < k else (lo, mid)
    return (lo + hi) / 2


@pytest.mark.parametrize("k, n, eps", [(972, 972, 1e-3), (1620, 324, 1e-4), (972, 1944, 1e-2), (100, 1000, 0.1)])
def test_fbl_matches_an_independent_solution_and_inverts(k, n, eps):
    snr_db = fbl_min_snr_db(k, n, eps)
    assert snr_db == pytest.approx(_independent_fbl_db(k, n, eps), abs=1e-6)
    assert normal_approx_bits(n, 10 ** (snr_db / 10), eps) == pytest.approx(k, abs=1e-6)
    assert snr_db > shannon_min_snr_db(k, n)  # a finite block costs SNR


def test_rate_one_at_ldpc_length_costs_about_0_7_db():
    # 972 bits in 972 complex uses (QPSK, rate 1/2, 1944-bit code) at ε = 1e-3: Shannon needs 0 dB
    assert fbl_min_snr_db(972, 972, 1e-3) == pytest.approx(0.7, abs=0.1)


def test_large_n_approaches_shannon_and_gap_shrinks():
    rate = 1.5
    shannon = shannon_min_snr_db(rate, 1)
    gaps = [fbl_min_snr_db(rate * n, n, 1e-3) - shannon for n in (100, 1000, 10_000, 1_000_000, 100_000_000)]
    assert all(a > b > 0 for a, b in pairwise(gaps))
    assert gaps[-1] < 0.005


def test_smaller_error_probability_needs_more_snr():
    values = [fbl_min_snr_db(972, 972, eps) for eps in (1e-1, 1e-3, 1e-6)]
    assert values[0] < values[1] < values[2]


def test_degenerate_and_invalid_inputs():
    assert fbl_min_snr_db(2, 1000, 1e-3) == -math.inf  # ½·log2(1000) ≈ 5 bits come for free
    for bad in (0.0, 1.0, -0.1, float("nan")):
        with pytest.raises(ConfigError):
            fbl_min_snr_db(100, 100, bad)
    with pytest.raises(ConfigError):
        fbl_min_snr_db(100, 0, 1e-3)
    with pytest.raises(ConfigError):
        capacity_bits(-1.0)
