import numpy as np
import pytest
from scipy.special import j0

from ddm_sscc.channel.tdl import (
    EPA,
    ETU,
    EVA,
    PowerDelayProfile,
    TappedDelayLine,
    exponential_profile,
    profile_by_name,
)
from ddm_sscc.errors import ConfigError
from tests.core.channel.chunks import random_signal, whole_and_chunked


def test_profiles_match_the_3gpp_tables():
    assert EVA.delays_ns == (0, 30, 150, 310, 370, 710, 1090, 1730, 2510)
    assert EVA.powers_db == (0.0, -1.5, -1.4, -3.6, -0.6, -9.1, -7.0, -12.0, -16.9)
    # TS 36.104 Table B.2-1: rms delay spreads 43, 357 and 991 ns.
    assert EPA.rms_delay_spread_ns() == pytest.approx(43, abs=0.5)
    assert EVA.rms_delay_spread_ns() == pytest.approx(357, abs=0.5)
    assert ETU.rms_delay_spread_ns() == pytest.approx(991, abs=0.5)
    assert profile_by_name("eva") is EVA


def test_exponential_profile_has_the_asked_rms_delay_spread():
    profile = exponential_profile(250.0)
    assert profile.rms_delay_spread_ns() == pytest.approx(250.0, rel=1e-9)
    assert np.all(np.diff(profile.powers_db) < 0)
    assert profile_by_name("exponential", 250.0) == profile


def test_average_power_is_one():
    tdl = TappedDelayLine("EVA", 2e6, np.random.default_rng(0))
    energies = []
    for _ in range(2000):
        tdl.new_block()
        energies.append(np.sum(np.abs(tdl.taps()[1]) ** 2))
    assert np.mean(energies) == pytest.approx(1.0, rel=0.05)
    # Exactly 1 in expectation: Σ_p P_p·||s_p||² with unit-energy interpolators.
    assert np.sum(tdl.path_powers[:, None] * tdl.interpolators**2) == pytest.approx(1.0, abs=1e-12)


def test_output_power_over_many_realisations():
    tdl = TappedDelayLine("ETU", 2e6, 4)
    x = random_signal(200)
    powers = []
    for _ in range(400):
        tdl.new_block()
        powers.append(np.mean(np.abs(tdl.process_burst(x)[20:]) ** 2))
    assert np.mean(powers) == pytest.approx(np.mean(np.abs(x[20:]) ** 2), rel=0.1)


def test_eva_delay_spread_of_the_realised_taps():
    fs = 100e6  # 10 ns resolution: the interpolators barely widen the profile
    tdl = TappedDelayLine("EVA", fs, 1)
    pdp = np.zeros(tdl.lags.size)
    for _ in range(600):
        tdl.new_block()
        pdp += np.abs(tdl.taps()[1]) ** 2
    delays = tdl.lags / fs * 1e9
    weights = pdp / pdp.sum()
    mean = np.dot(weights, delays)
    rms = np.sqrt(np.dot(weights, (delays - mean) ** 2))
    assert rms == pytest.approx(357, rel=0.1)


def test_doppler_autocorrelation_follows_j0():
    fd, fs = 100.0, 10e3
    tdl = TappedDelayLine("FLAT", fs, np.random.default_rng(9), doppler_hz=fd)
    lags = np.array([0, 5, 10, 20, 40])
    products = np.zeros(lags.size, dtype=np.complex128)
    runs = 3000
    for _ in range(runs):
        tdl.new_block()
        g = tdl.path_gains(1000 + lags)[:, 0]
        products += g[0] * np.conj(g)
    measured = (products / runs).real
    np.testing.assert_allclose(measured, j0(2 * np.pi * fd * lags / fs), atol=0.08)


def test_doppler_gains_vary_per_sample_in_the_stream():
    tdl = TappedDelayLine("FLAT", 10e3, 3, doppler_hz=50.0)
    y = np.concatenate([tdl.process(np.ones(700, np.complex64)), tdl.process(np.ones(300, np.complex64))])
    expected = tdl.path_gains(np.arange(1000))[:, 0]
    np.testing.assert_allclose(y, expected, atol=1e-6)
    assert np.std(np.abs(y)) > 0.01  # it does fade over 5 Doppler periods


def test_frequency_response_matches_the_filtering():
    # A periodic input makes the channel's output a circular convolution: Y = H·X per bin.
    n_fft = 64
    tdl = TappedDelayLine("EVA", 2e6, 11)
    symbol = random_signal(n_fft, seed=4)
    y = tdl.process_burst(np.tile(symbol, 6))
    segment = y[2 * n_fft : 3 * n_fft]
    h = tdl.frequency_response(n_fft)
    np.testing.assert_allclose(np.fft.fft(segment), h * np.fft.fft(symbol), atol=2e-4)


def test_zero_delay_paths_add_no_delay():
    tdl = TappedDelayLine("FLAT", 2e6, 5)
    assert tdl.lookahead == 0 and list(tdl.lags) == [0]
    x = random_signal(100)
    np.testing.assert_allclose(tdl.process(x), tdl.taps()[1][0] * x, atol=1e-6)
    # EPA: the strongest (first, 0 ns) path stays aligned, the filter only reaches 7 samples ahead.
    epa = TappedDelayLine("EPA", 2e6, 5)
    assert epa.lookahead == 7
    impulse = np.zeros(40, np.complex64)
    impulse[10] = 1
    response = epa.process_burst(impulse)
    lags, taps = epa.taps()
    assert lags[0] == -7
    np.testing.assert_allclose(response[10 + lags], taps, atol=1e-6)
    assert np.argmax(np.abs(taps)) in (7, 8)  # lag 0 or 1 (the 30 ns path), not 7 samples late


@pytest.mark.parametrize("doppler", [0.0, 300.0])
def test_chunk_invariant(doppler):
    x = random_signal(4000)
    whole, chunked = whole_and_chunked(lambda: TappedDelayLine("ETU", 2e6, 8, doppler_hz=doppler), x)
    assert whole.shape == chunked.shape == x.shape
    np.testing.assert_allclose(whole, chunked, rtol=0, atol=1e-6)


def test_bad_settings():
    with pytest.raises(ConfigError, match="doppler_hz"):
        TappedDelayLine("EPA", 2e6, 0, doppler_hz=-1.0)
    with pytest.raises(ConfigError, match="profile"):
        TappedDelayLine("XYZ", 2e6, 0)
    with pytest.raises(ConfigError, match="sample_rate"):
        TappedDelayLine("EPA", float("nan"), 0)
    with pytest.raises(ConfigError, match="delay_spread_ns"):
        profile_by_name("exponential")
    with pytest.raises(ConfigError, match="delay_ns"):
        PowerDelayProfile("bad", (-5.0,), (0.0,))
    tdl = TappedDelayLine("EPA", 2e6, 0)
    assert tdl.process([]).shape == (0,) and tdl.flush().shape == (0,)
