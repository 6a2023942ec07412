import numpy as np
import pytest

from ddm_sscc.channel.impairments import (
    CarrierFrequencyOffset,
    DcOffset,
    ImpairmentConfig,
    Impairments,
    IqImbalance,
    PhaseNoise,
)
from ddm_sscc.channel.resample import Resampler
from ddm_sscc.errors import ConfigError
from tests.core.channel.chunks import random_signal, whole_and_chunked


def tone(n: int, cycles_per_sample: float) -> np.ndarray:
    return np.exp(2j * np.pi * cycles_per_sample * np.arange(n)).astype(np.complex64)


def test_default_impairments_are_the_identity():
    x = random_signal(1000)
    stage = Impairments()
    y = stage.process(x)
    assert y.dtype == np.complex64
    np.testing.assert_array_equal(y, x)
    assert stage.flush().shape == (0,)
    assert ImpairmentConfig().is_identity
    np.testing.assert_array_equal(Resampler().process_burst(x), x)


def test_cfo_rotation_is_phase_continuous():
    fs, f = 1e6, 1234.5
    x = random_signal(20_000)
    cfo = CarrierFrequencyOffset(f, fs)
    y = np.concatenate([cfo.process(x[:777]), cfo.process(x[777:5000]), cfo.process(x[5000:])])
    angle = np.angle(y.astype(np.complex128) / x)
    expected = 2 * np.pi * f * np.arange(x.size) / fs
    error = np.angle(np.exp(1j * (angle - expected)))
    assert np.max(np.abs(error)) < 1e-5
    np.testing.assert_allclose(np.abs(y), np.abs(x), rtol=1e-6)


def test_phase_noise_is_a_wiener_process():
    fs, linewidth = 1e6, 200.0
    x = np.ones(100_000, np.complex64)
    y = PhaseNoise(linewidth, fs, np.random.default_rng(1)).process(x)
    np.testing.assert_allclose(np.abs(y), 1.0, rtol=1e-6)
    phase = np.unwrap(np.angle(y.astype(np.complex128)))
    assert phase[0] == 0.0
    steps = np.diff(phase)
    assert np.var(steps) == pytest.approx(2 * np.pi * linewidth / fs, rel=0.03)
    # Increments over 100 samples add up: variance 100 times larger.
    assert np.var(phase[100:] - phase[:-100]) == pytest.approx(100 * 2 * np.pi * linewidth / fs, rel=0.15)


def test_iq_imbalance_image_rejection_ratio():
    amplitude_db, phase_deg = 1.0, 5.0
    stage = IqImbalance(amplitude_db, phase_deg)
    n, k = 1024, 100
    spectrum = np.fft.fft(stage.process(tone(n, k / n)))
    measured_db = 10 * np.log10(abs(spectrum[k]) ** 2 / abs(spectrum[n - k]) ** 2)
    g, phi = 10 ** (amplitude_db / 20), np.deg2rad(phase_deg)
    expected_db = 10 * np.log10((1 + 2 * g * np.cos(phi) + g**2) / (1 - 2 * g * np.cos(phi) + g**2))
    assert measured_db == pytest.approx(expected_db, abs=0.01)
    assert stage.image_rejection_ratio_db() == pytest.approx(expected_db, abs=1e-9)
    assert 20 < expected_db < 25  # about 22.9 dB for 1 dB / 5°
    # Pure gain imbalance g: IRR = ((1 + g)/(1 − g))², and the I branch is untouched.
    x = random_signal(10)
    y = IqImbalance(2.0, 0.0).process(x)
    np.testing.assert_allclose(y.real, x.real, atol=1e-6)
    np.testing.assert_allclose(y.imag, 10 ** (2 / 20) * x.imag, atol=1e-6)
    # Pure phase error φ: the Q branch sees Q·cos φ − I·sin φ.
    phi = np.deg2rad(10.0)
    y = IqImbalance(0.0, 10.0).process(x)
    np.testing.assert_allclose(y.real, x.real, atol=1e-6)
    np.testing.assert_allclose(y.imag, x.imag * np.cos(phi) - x.real * np.sin(phi), atol=1e-6)


def test_dc_offset():
    x = random_signal(100)
    np.testing.assert_allclose(DcOffset(0.1 - 0.2j).process(x), x + (0.1 - 0.2j), atol=1e-6)


@pytest.mark.parametrize("ppm", [100.0, -250.0])
def test_sco_scales_a_tone_frequency(ppm):
    f0, n = 0.05, 20_000
    y = Resampler(sco_ppm=ppm).process_burst(tone(n, f0))
    assert abs(y.size - n / (1 + ppm * 1e-6)) <= 1
    middle = y[100:-100].astype(np.complex128)
    slope = np.polyfit(np.arange(middle.size), np.unwrap(np.angle(middle)), 1)[0]
    measured = slope / (2 * np.pi) / f0 - 1
    assert measured == pytest.approx(ppm * 1e-6, rel=0.01)
    # The interpolation itself is clean: the tone keeps its amplitude.
    np.testing.assert_allclose(np.abs(middle), 1.0, atol=1e-3)


def test_timing_offset_delays_the_stream():
    x = random_signal(500)
    y = Resampler(delay=3.0).process_burst(x)
    np.testing.assert_array_equal(y[3:], x[:-3])
    np.testing.assert_array_equal(y[:3], 0)
    y = Resampler(delay=-2.0).process_burst(x)
    np.testing.assert_array_equal(y[:-2], x[2:])
    # A fractional delay of a band-limited tone: y[n] = x(n − 0.3).
    f0 = 0.12
    y = Resampler(delay=0.3).process_burst(tone(400, f0))
    expected = np.exp(2j * np.pi * f0 * (np.arange(400) - 0.3))
    np.testing.assert_allclose(y[30:-30], expected[30:-30], atol=1e-3)


@pytest.mark.parametrize(
    "make, exact",
    [
        (lambda: CarrierFrequencyOffset(3e4, 2e6), True),
        (lambda: PhaseNoise(1e3, 2e6, np.random.default_rng(4)), True),
        (lambda: Resampler(sco_ppm=80.0), False),
        (lambda: Resampler(sco_ppm=-40.0, delay=2.7), False),
        (lambda: Resampler(delay=-5.5), False),
        (lambda: Impairments(ImpairmentConfig(cfo_hz=500, sco_ppm=20, timing_offset=1.5, phase_noise_linewidth_hz=50,
                                              iq_amplitude_db=0.3, iq_phase_deg=2, dc_offset=0.01j), 5), False),
    ],
)
def test_chunk_invariant(make, exact):
    x = random_signal(6000)
    whole, chunked = whole_and_chunked(make, x)
    assert whole.shape == chunked.shape
    if exact:
        np.testing.assert_array_equal(whole, chunked)
    else:
        np.testing.assert_allclose(whole, chunked, rtol=0, atol=1e-5)


def test_output_lengths():
    x = random_signal(1000)
    assert Impairments(ImpairmentConfig(timing_offset=2.5, cfo_hz=10.0)).process_burst(x).shape == (1000,)
    stage = Resampler(delay=0.5)
    assert stage.process(x).size == 1000 - 15  # look-ahead (floor(n − 0.5) + 16) held back...
    assert stage.flush().size == 15  # ...until the end of the burst


@pytest.mark.parametrize(
    "settings, name",
    [
        ({"cfo_hz": float("nan")}, "cfo_hz"),
        ({"cfo_hz": 1.5e6}, "cfo_hz"),
        ({"sco_ppm": float("inf")}, "sco_ppm"),
        ({"sco_ppm": 5000.0}, "sco_ppm"),
        ({"timing_offset": "1"}, "timing_offset"),
        ({"phase_noise_linewidth_hz": -1.0}, "phase_noise_linewidth_hz"),
        ({"iq_phase_deg": 90.0}, "iq_phase_deg"),
        ({"dc_offset": complex("nan")}, "dc_offset"),
        ({"sample_rate": 0.0}, "sample_rate"),
    ],
)
def test_bad_settings(settings, name):
    with pytest.raises(ConfigError, match=name):
        ImpairmentConfig(**settings)


def test_phase_noise_needs_an_rng():
    with pytest.raises(ConfigError, match="rng"):
        Impairments(ImpairmentConfig(phase_noise_linewidth_hz=10.0))
