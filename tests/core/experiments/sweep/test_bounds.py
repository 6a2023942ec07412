"""Bounds in unified SNR for each (image, system, MCS)."""

from __future__ import annotations

import math

import pytest

from ddm_sscc.channel import shannon_limit_unified_snr_db, shannon_min_unified_snr_db
from ddm_sscc.channel.finite_blocklength import fbl_min_snr_db
from ddm_sscc.errors import ConfigError
from ddm_sscc.experiments.sweep.bounds import (
    bounds_from_rows,
    data_carrier_gain_db,
    image_bounds,
    ldpc_block,
    mean_bounds,
    rayleigh_outage_min_snr_db,
)
from ddm_sscc.experiments.sweep.rows import TrialRow
from ddm_sscc.phy.mcs import mcs_by_name


def test_ldpc_blocks_and_data_carrier_gain():
    assert ldpc_block(mcs_by_name("qpsk-1/2")) == (972.0, 972.0)
    assert ldpc_block(mcs_by_name("64qam-5/6")) == (324.0, 1620.0)
    assert ldpc_block(mcs_by_name("bpsk-1/2")) == (1944.0, 972.0)
    assert data_carrier_gain_db() == pytest.approx(10 * math.log10(64 / 52))


def test_image_bounds_follow_their_definitions():
    bits, n_cu, n_sp = 4_000_000, 4_600_000, 1_179_648  # about a DDM-coded Kodak image at QPSK-1/2
    b = image_bounds(image="k", system="ddm", channel="awgn", mcs="qpsk-1/2", source_bits=bits, subpixels=n_sp,
                     n_cu=n_cu, fading_blocks=0)
    assert b.fbl_blocks == math.ceil(bits / 972)
    assert 1 - (1 - b.fbl_epsilon) ** b.fbl_blocks == pytest.approx(0.01, rel=1e-9)
    assert b.fbl_data_snr_db == pytest.approx(fbl_min_snr_db(972, 972, b.fbl_epsilon))
    assert b.fbl_snr_db == pytest.approx(b.fbl_data_snr_db - 0.9018, abs=1e-3)
    assert b.fbl_unified_db == pytest.approx(b.fbl_snr_db + 10 * math.log10(n_cu / n_sp))
    assert b.shannon_min_unified_db == pytest.approx(shannon_min_unified_snr_db(bits, n_cu, n_sp))
    assert b.shannon_limit_unified_db == pytest.approx(shannon_limit_unified_snr_db(bits, n_sp))
    assert b.shannon_limit_unified_db < b.shannon_min_unified_db < b.fbl_unified_db
    assert b.outage_unified_db is None
    # many blocks at 99 % image success: about 1 dB above the rate-1 Shannon SNR per data symbol
    assert 0.8 < b.fbl_data_snr_db < 1.6


def test_rayleigh_outage_bound():
    # one block, rate 1 bit/use: s ≥ (2 − 1) / −ln 0.99 ≈ 99.5 → 19.98 dB
    assert rayleigh_outage_min_snr_db(100, 100, 1) == pytest.approx(10 * math.log10(1 / -math.log(0.99)))
    assert rayleigh_outage_min_snr_db(100, 100, 10) == pytest.approx(rayleigh_outage_min_snr_db(100, 100, 1) + 10)
    b = image_bounds(image="k", system="raw", channel="rayleigh", mcs="qpsk-1/2", source_bits=8000, subpixels=1000,
                     n_cu=9000, fading_blocks=2)
    expected = rayleigh_outage_min_snr_db(8000, 9000, 2) + 10 * math.log10(9)
    assert b.outage_unified_db == pytest.approx(expected) and b.outage_unified_db > b.fbl_unified_db


def _row(image, system, mcs, bits, n_cu, channel="awgn", snr=0.0):
    return TrialRow(image, 0, system, channel, snr, 0.0, -10.0, 0, mcs, mcs, bits, 1000, 333, bits / 1000, n_cu, 0.0, 1, 0,
                    1, 0, True, None, 0.0)


def test_bounds_from_rows_one_per_image_system_mcs_and_means():
    rows = [_row("a", "png", "qpsk-1/2", 4000, 6000, snr=s) for s in (0.0, 1.0)]
    rows += [_row("b", "png", "qpsk-1/2", 6000, 9000), _row("a", "png", "16qam-3/4", 4000, 2500)]
    rows.append(TrialRow("a", 0, "deepjscc", "awgn", 0.0, 0.0, -10.0, 0, "", "qpsk-1/2", None, 1000, 333, None, 500, 0.0, 0, 0, None, 0,
                         False, 20.0, 0.0))
    bounds = bounds_from_rows(rows)
    assert sorted((b.image, b.mcs) for b in bounds) == [("a", "16qam-3/4"), ("a", "qpsk-1/2"), ("b", "qpsk-1/2")]
    means = mean_bounds(bounds)
    qpsk = next(m for m in means if m.mcs == "qpsk-1/2")
    both = [b for b in bounds if b.mcs == "qpsk-1/2"]
    assert qpsk.images == 2 and qpsk.fbl_unified_db == pytest.approx(sum(b.fbl_unified_db for b in both) / 2)


def test_frames_needed_with_repair_frames():
    from scipy.stats import binom

    from ddm_sscc.experiments.sweep.bounds import frame_success_needed, source_frames_of

    assert frame_success_needed(100, 100) == pytest.approx(0.99 ** (1 / 100))
    q = frame_success_needed(125, 100)
    assert binom.sf(99, 125, q) == pytest.approx(0.99, abs=1e-9)
    assert q < 0.9  # a fifth of the frames may go
    for k in (1, 7, 450, 569):
        for repair in (0.0, 0.05, 0.25, 0.5, 1.0):
            assert source_frames_of(k + math.ceil(repair * k - 1e-9), repair) == k
    with pytest.raises(ConfigError):
        frame_success_needed(10, 11)


def test_repair_frames_lower_the_outage_and_fbl_bounds_of_their_own_rows():
    from ddm_sscc.experiments.sweep.bounds import image_bounds

    common = dict(image="a", system="ddm", channel="rayleigh", mcs="qpsk-1/2", source_bits=3_700_000, subpixels=1_179_648)
    plain = image_bounds(**common, n_cu=8_700_000, fading_blocks=452, frames=452)
    repaired = image_bounds(**common, n_cu=10_875_000, fading_blocks=565, frames=565, repair=0.25)
    assert (repaired.frames, repaired.source_frames, plain.source_frames) == (565, 452, 452)
    assert repaired.fbl_epsilon > plain.fbl_epsilon and repaired.fbl_snr_db < plain.fbl_snr_db
    # every frame through a deep fade needs ~40 dB more than any 80 % of them
    assert plain.outage_unified_db - repaired.outage_unified_db > 30
