import numpy as np
import pytest

from ddm_sscc.channel.quantisation import AdcQuantiser
from ddm_sscc.errors import ConfigError
from tests.core.channel.chunks import random_signal, whole_and_chunked


def test_levels_are_12_bit_codes_scaled_to_full_scale():
    adc = AdcQuantiser(12, full_scale=4.0)
    assert adc.levels == 2048 and adc.step == 4.0 / 2048
    y = adc.process(random_signal(20_000) * 1.5)
    assert y.dtype == np.complex64
    codes = np.stack([y.real, y.imag]) * 2048
    np.testing.assert_array_equal(codes, np.rint(codes))  # exact integers: complex64 holds them
    assert codes.min() >= -2048 and codes.max() <= 2047
    # y ≈ x / full_scale: amplitude 2 is half of full scale, code 1024
    np.testing.assert_array_equal(adc.process([2.0 - 2.0j]), [0.5 - 0.5j])
    # rounding to the nearest step, half to even: 0.4 and 0.6 steps, 1.5 and 2.5 steps
    step = adc.step
    np.testing.assert_array_equal(adc.process([0.4 * step, 0.6 * step, 1.5 * step, 2.5 * step]) * 2048, [0, 1, 2, 2])
    np.testing.assert_array_equal(adc.codes([3 * step - 1j * step]), [[3, -1]])


def test_clipping_at_the_code_range():
    adc = AdcQuantiser(12, full_scale=1.0)
    y = adc.process([10.0 + 0j, -10.0 + 0j, 0.5j, 1.0 - 1.0j, np.nan + 0j])
    np.testing.assert_array_equal(y * 2048, [2047, -2048, 1024j, 2047 - 2048j, 0])
    assert adc.clipped == 3  # I of the first, second and fourth (Q = −1.0 is code −2048, in range)
    assert AdcQuantiser(8, 1.0).process([5.0])[0] == 127 / 128


def test_quantisation_noise_is_a_uniform_step():
    adc = AdcQuantiser(6, full_scale=4.0)  # coarse, so the noise is measurable
    x = random_signal(200_000)
    error = adc.process(x).astype(np.complex128) * 4.0 - x
    assert adc.clipped == 0
    assert np.max(np.abs(error.real)) <= adc.step / 2 + 1e-6
    assert np.mean(np.abs(error) ** 2) == pytest.approx(2 * adc.step**2 / 12, rel=0.03)


def test_chunk_invariant():
    x = random_signal(5000) * 3.0
    whole, chunked = whole_and_chunked(lambda: AdcQuantiser(12, 2.0), x)
    np.testing.assert_array_equal(whole, chunked)


@pytest.mark.parametrize(
    "bits, full_scale, name",
    [
        (1, 1.0, "adc_bits"),
        (17, 1.0, "adc_bits"),
        (12.0, 1.0, "adc_bits"),
        (12, 0.0, "adc_full_scale"),
        (12, float("inf"), "adc_full_scale"),
    ],
)
def test_bad_settings(bits, full_scale, name):
    with pytest.raises(ConfigError, match=name):
        AdcQuantiser(bits, full_scale)
