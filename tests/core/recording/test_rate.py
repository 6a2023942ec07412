"""Rational resampling between a recording's rate and the modem's: factors and accuracy."""

import numpy as np
import pytest
from scipy.signal import resample

from ddm_sscc.errors import ConfigError
from ddm_sscc.fec.framing import Frame, single_symbol_header
from ddm_sscc.phy.ofdm.transmitter import OfdmTransmitter
from ddm_sscc.recording.rate import rate_conversion


@pytest.mark.parametrize(
    "from_rate, to_rate, up, down",
    [
        (2e6, 2e6, 1, 1),
        (2.5e6, 2e6, 4, 5),
        (25e6 / 12, 2e6, 24, 25),
        (4e6, 2e6, 1, 2),
        (2e6, 3e6, 3, 2),
        (2.083e6, 2e6, 2000, 2083),
    ],
)
def test_factors(from_rate, to_rate, up, down):
    conversion = rate_conversion(from_rate, to_rate)
    assert (conversion.up, conversion.down) == (up, down)
    assert abs(conversion.error_ppm) < 1e-3
    assert conversion.to_input_index(conversion.to_output_index(1234.0)) == pytest.approx(1234.0)


def test_awkward_rates_get_a_small_residual_and_bad_rates_are_refused():
    conversion = rate_conversion(3.14159e6, 2e6)
    assert conversion.down <= 10_000 and abs(conversion.error_ppm) < 1
    for bad in (0.0, -1.0, float("nan"), "2e6", True):
        with pytest.raises(ConfigError, match="sample rate"):
            rate_conversion(bad, 2e6)


def test_identity_returns_the_samples():
    x = np.arange(10, dtype=np.complex64)
    np.testing.assert_array_equal(rate_conversion(2e6, 2e6).apply(x), x)


@pytest.mark.parametrize("rate", [25e6 / 12, 2.5e6])
def test_accuracy_over_the_occupied_band(rate):
    """An OFDM stream ideally interpolated to ``rate`` comes back to 2 MS/s within −50 dB on every used carrier."""
    tx = OfdmTransmitter()
    rng = np.random.default_rng(0)
    x = np.concatenate([tx.burst(Frame(single_symbol_header(i, 300, 1), rng.bytes(300))) for i in range(3)])
    n = x.size - x.size % 24
    x = x[:n].astype(np.complex128)
    high = resample(x, round(n * rate / 2e6))  # exact band-limited (periodic) interpolation
    y = rate_conversion(rate, 2e6).apply(high)[:n].astype(np.complex128)
    assert y.size == n
    keep = slice(1000, n - 1000)  # away from the periodic wrap-around
    error, signal = np.fft.fft((y - x)[keep]), np.fft.fft(x[keep])
    freq = np.abs(np.fft.fftfreq(error.size, 1 / 2e6))
    for low, high_f in ((0, 500e3), (500e3, 700e3), (700e3, 830e3)):  # carriers reach ±812.5 kHz
        band = (freq >= low) & (freq < high_f)
        ratio_db = 10 * np.log10(np.sum(np.abs(error[band]) ** 2) / np.sum(np.abs(signal[band]) ** 2))
        assert ratio_db < -50, (low, high_f, ratio_db)
