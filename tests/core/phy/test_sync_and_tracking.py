"""Synchronisation, channel estimation and phase tracking pieces on synthetic data."""

import numpy as np

from ddm_sscc.phy.ofdm.channel_estimation import ChannelEstimator
from ddm_sscc.phy.ofdm.config import OfdmConfig
from ddm_sscc.phy.ofdm.phase_tracking import phase_correction, track_phase
from ddm_sscc.phy.ofdm.preamble import Preamble
from ddm_sscc.phy.ofdm.sync import (
    cfo_from_repeats,
    delay_correlation,
    first_plateau,
    ltf_scores,
    ltf_timing,
    plateau_metric,
)

CFG = OfdmConfig()


def test_preamble_is_80211a():
    pre = Preamble(CFG)
    assert pre.stf.size == 160 and pre.ltf.size == 160 and pre.ltf_offset == 192
    assert np.allclose(pre.stf[:16], pre.stf[16:32])
    assert np.allclose(pre.ltf[32:96], pre.ltf[96:160])
    assert np.count_nonzero(pre.ltf_freq) == 52


def test_stf_plateau_and_coarse_cfo():
    pre = Preamble(CFG)
    x = np.concatenate([np.zeros(300, np.complex64), pre.samples])
    cfo = 0.01  # cycles per sample = 20 kHz at 2 MS/s
    x = x * np.exp(2j * np.pi * cfo * np.arange(x.size))
    p, e = delay_correlation(x, 16, 96)
    start = first_plateau(plateau_metric(p, e), 0.25, 32)
    assert start is not None and 300 - 112 <= start <= 300
    assert abs(np.angle(p[start + 40]) / (2 * np.pi * 16) - cfo) < 1e-4


def test_silence_has_no_plateau():
    p, e = delay_correlation(np.zeros(1000, np.complex64), 16, 96)
    assert first_plateau(plateau_metric(p, e), 0.25, 32) is None


def test_ltf_timing_and_fine_cfo():
    pre = Preamble(CFG)
    x = np.concatenate([np.zeros(37, np.complex64), pre.ltf, np.zeros(50, np.complex64)])
    x = x * np.exp(2j * np.pi * 0.001 * np.arange(x.size))
    m, score = ltf_timing(x, pre.ltf_symbol)
    assert m == 37 + 32 and score > 0.95  # a residual CFO of 2 kHz costs a little
    assert abs(cfo_from_repeats(x, m, 64, 64) - 0.001) < 1e-6


def test_delay_limited_estimate_is_exact_for_a_short_channel_and_denoises():
    est = ChannelEstimator(CFG)
    used = CFG.used_carriers
    taps = np.array([0.8, 0.0, 0.3 - 0.4j, 0.0, 0.1j])
    h = np.array([np.sum(taps * np.exp(-2j * np.pi * k * np.arange(5) / 64)) for k in used])
    rng = np.random.default_rng(0)
    x = rng.choice([-1.0, 1.0], size=(2, used.size)).astype(np.complex64)
    noise = 0.1 * (rng.standard_normal(x.shape) + 1j * rng.standard_normal(x.shape)) / np.sqrt(2)
    exact = est.estimate(h * x, x)
    assert np.allclose(exact.h, h, atol=1e-4)
    noisy = est.estimate(h * x + noise, x)
    raw_err = np.mean(np.abs(np.mean((h * x + noise) * np.conj(x), axis=0) - h) ** 2)
    assert np.mean(np.abs(noisy.h - h) ** 2) < 0.6 * raw_err  # the projection removes noise
    assert 0.005 < noisy.noise_var < 0.02  # true 0.01


def test_phase_tracker_recovers_common_phase_and_clock_drift():
    pilots = np.array(CFG.pilot_carriers)
    s = 300
    times = 400 + 80 * np.arange(s)
    beta = 2 * np.pi * 40e-6 / 64  # 40 ppm
    common = 0.3 + 0.01 * np.arange(s)
    z = np.exp(1j * (common[:, None] + beta * times[:, None] * pilots[None, :]))
    c, slope = track_phase(z, pilots, times, 0.0)
    assert np.allclose(np.angle(np.exp(1j * (c - common))), 0, atol=1e-3)
    assert np.allclose(slope, beta * times, rtol=1e-3)
    fixed = z * phase_correction(c, slope, pilots.astype(float))
    assert np.allclose(fixed, 1, atol=1e-2)


def test_phase_tracker_applies_no_slope_to_pure_noise_drift():
    rng = np.random.default_rng(2)
    pilots = np.array(CFG.pilot_carriers)
    z = 1 + (rng.standard_normal((20, 4)) + 1j * rng.standard_normal((20, 4))) * 0.7
    _, slope = track_phase(z, pilots, 400 + 80 * np.arange(20), 0.0)
    assert np.max(np.abs(slope)) * 26 < 0.3  # at most a small rotation at the band edge


def test_ltf_timing_with_the_guard_separates_the_true_copy_from_its_neighbours():
    # one copy early, the two-copy template still matched 1.5 of its 2 symbols (0.75 of the
    # peak), and at 1.5 dB noise once picked it: a frame of a Kodak sweep was lost that way
    pre = Preamble(CFG)
    rng = np.random.default_rng(4)
    data = ((rng.standard_normal(300) + 1j * rng.standard_normal(300)) / np.sqrt(2)).astype(np.complex64)
    x = np.concatenate([pre.samples, data])
    guard = pre.ltf.size - 128
    neighbours = {}
    for g in (0, guard):
        score = ltf_scores(x, pre.ltf_symbol, g)
        true = pre.ltf_offset - g
        assert int(np.argmax(score)) == true and score[true] > 0.99
        neighbours[g] = max(score[true - 64], score[true + 64]) / score[true]
    assert neighbours[0] > 0.72 and neighbours[guard] < 0.67
    m, score = ltf_timing(x, pre.ltf_symbol, guard)
    assert m == pre.ltf_offset and score > 0.99


def test_ltf_timing_holds_with_the_residual_cfo_a_coarse_estimate_can_leave():
    # a Kodak sweep frame's coarse CFO was 5.6 kHz off; summed coherently, the rotated parts
    # let the position one copy late win.  200 bursts at 1.5 dB per residual
    pre = Preamble(CFG)
    rng = np.random.default_rng(5)
    guard = pre.ltf.size - 128
    for residual_hz in (0.0, 6e3, 8e3):
        wrong = 0
        for _ in range(200):
            data = (rng.standard_normal(300) + 1j * rng.standard_normal(300)) / np.sqrt(2)
            x = np.concatenate([pre.samples, data])
            x = x + np.sqrt(10**-0.15 / 2) * (rng.standard_normal(x.size) + 1j * rng.standard_normal(x.size))
            x = x * np.exp(2j * np.pi * residual_hz / CFG.sample_rate * np.arange(x.size))
            lo = pre.ltf_offset - 100 - guard
            m, _ = ltf_timing(x[lo : pre.ltf_offset + 228], pre.ltf_symbol, guard)
            wrong += abs(lo + m - pre.ltf_offset) > 8
        assert wrong == 0, residual_hz
