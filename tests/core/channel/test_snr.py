import math
import warnings

import numpy as np
import pytest

from ddm_sscc.channel.snr import (
    noise_variance,
    shannon_limit_unified_snr_db,
    shannon_min_snr_db,
    shannon_min_unified_snr_db,
    unified_snr_db,
)
from ddm_sscc.errors import ConfigError


def test_noise_variance_values():
    assert noise_variance(10.0) == pytest.approx(0.1)
    assert noise_variance(0.0, signal_power=2.0) == pytest.approx(2.0)
    assert noise_variance(-3.0) == pytest.approx(10**0.3)


def test_unified_snr_adds_channel_uses_per_subpixel():
    assert unified_snr_db(10.0, 1000, 100) == pytest.approx(20.0)
    assert unified_snr_db(5.0, 50, 100) == pytest.approx(5.0 - 10 * math.log10(2))


def test_shannon_hand_checked_values():
    assert shannon_min_snr_db(1, 1) == pytest.approx(0.0, abs=1e-12)  # 2**1 − 1 = 1
    assert shannon_min_snr_db(2, 1) == pytest.approx(10 * math.log10(3))
    # B = 8e5 bits in n = 4e5 uses for 1e5 sub-pixels: 10·log10(4 · (2**2 − 1)) = 10·log10(12).
    assert shannon_min_unified_snr_db(8e5, 4e5, 1e5) == pytest.approx(10.791812460476249)
    assert shannon_limit_unified_snr_db(1e5, 1e5) == pytest.approx(10 * math.log10(math.log(2)))


def test_min_unified_snr_decreases_in_n_towards_the_limit():
    bits, n_sp = 3.2e6, 786_432
    ns = np.logspace(4, 10, 40)
    values = np.array([shannon_min_unified_snr_db(bits, n, n_sp) for n in ns])
    limit = shannon_limit_unified_snr_db(bits, n_sp)
    assert np.all(np.diff(values) < 0)
    assert np.all(values > limit)
    assert values[-1] == pytest.approx(limit, abs=1e-3)


def test_large_rates_do_not_overflow():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value = shannon_min_snr_db(1e6, 1)
        unified = shannon_min_unified_snr_db(1e7, 10, 1e3)
    assert value == pytest.approx(1e6 * 10 * math.log10(2), rel=1e-12)
    assert math.isfinite(unified)
    # Both sides of the switch-over of the computation match the direct formula.
    for rate in (30.0 / math.log(2) * 0.999, 30.0 / math.log(2) * 1.001, 60.0):
        assert shannon_min_snr_db(rate, 1) == pytest.approx(10 * math.log10(2.0**rate - 1), rel=1e-12)


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: noise_variance(float("nan")), "snr_db"),
        (lambda: noise_variance(10, signal_power=0), "signal_power"),
        (lambda: unified_snr_db(float("inf"), 10, 10), "snr_db"),
        (lambda: shannon_min_snr_db(0, 10), "bits"),
        (lambda: shannon_min_unified_snr_db(10, -1, 10), "n_channel_uses"),
        (lambda: shannon_limit_unified_snr_db(10, 0), "n_subpixels"),
    ],
)
def test_bad_numbers_are_config_errors(call, name):
    with pytest.raises(ConfigError, match=name):
        call()


def test_paper_unified_snr_uses_32_channel_uses_per_pixel():
    from ddm_sscc.channel.snr import PAPER_REF_USES_PER_PIXEL, paper_unified_snr_db

    assert PAPER_REF_USES_PER_PIXEL == 32
    # n_cu = 32·H·W: the paper's axis equals the plain SNR
    assert paper_unified_snr_db(3.0, 32 * 768 * 512, 768 * 512) == pytest.approx(3.0)
    assert paper_unified_snr_db(0.0, 3200, 10) == pytest.approx(10.0)


def test_paper_axis_is_ours_minus_10_28_db_for_rgb():
    from ddm_sscc.channel.snr import paper_unified_snr_db

    h, w, n_cu = 512, 768, 1_234_567
    ours = unified_snr_db(4.0, n_cu, h * w * 3)
    paper = paper_unified_snr_db(4.0, n_cu, h * w)
    assert ours - paper == pytest.approx(10 * math.log10(32 / 3))
    assert ours - paper == pytest.approx(10.28, abs=0.005)


@pytest.mark.parametrize(
    "args", [(float("nan"), 10, 10), (1.0, 0, 10), (1.0, 10, 0), (1.0, 10, -3), (1.0, float("inf"), 10)]
)
def test_paper_unified_snr_refuses_bad_numbers(args):
    from ddm_sscc.channel.snr import paper_unified_snr_db

    with pytest.raises(ConfigError):
        paper_unified_snr_db(*args)
