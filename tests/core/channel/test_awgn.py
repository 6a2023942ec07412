import numpy as np
import pytest

from ddm_sscc.channel.awgn import Awgn, awgn
from ddm_sscc.errors import ConfigError
from tests.core.channel.chunks import random_signal, whole_and_chunked


@pytest.mark.parametrize("snr_db, power", [(10.0, 1.0), (-3.0, 1.0), (20.0, 4.0)])
def test_measured_noise_variance(snr_db, power):
    n = 100_000
    y = Awgn(snr_db, np.random.default_rng(5), signal_power=power).process(np.zeros(n, np.complex64))
    expected = power / 10 ** (snr_db / 10)
    assert y.dtype == np.complex64
    assert np.mean(np.abs(y) ** 2) == pytest.approx(expected, rel=0.03)
    # Circular: equal power in I and Q, no pseudo-covariance, zero mean.
    assert np.var(y.real) == pytest.approx(expected / 2, rel=0.03)
    assert np.var(y.imag) == pytest.approx(expected / 2, rel=0.03)
    assert abs(np.mean(y.astype(np.complex128) ** 2)) < 0.02 * expected
    assert abs(np.mean(y)) < 0.02 * np.sqrt(expected)


def test_noise_is_added_to_the_signal():
    x = random_signal(1000)
    stage = Awgn(30.0, 1)
    y = stage.process(x)
    noise = Awgn(30.0, 1).process(np.zeros_like(x))
    np.testing.assert_allclose(y, x + noise, atol=1e-6)
    assert stage.noise_variance == pytest.approx(1e-3)


def test_chunk_invariant_and_reproducible():
    x = random_signal(5000)
    whole, chunked = whole_and_chunked(lambda: Awgn(5.0, np.random.default_rng(3)), x)
    np.testing.assert_array_equal(whole, chunked)
    np.testing.assert_array_equal(awgn(x, 5.0, 3), whole)
    assert not np.array_equal(awgn(x, 5.0, 4), whole)


def test_empty_input_and_bad_settings():
    out = Awgn(10.0, 0).process(np.zeros(0, np.complex64))
    assert out.shape == (0,) and out.dtype == np.complex64
    with pytest.raises(ConfigError, match="snr_db"):
        Awgn(float("nan"), 0)
    with pytest.raises(ConfigError, match="rng"):
        Awgn(10.0, "seed")
    with pytest.raises(ValueError):
        Awgn(10.0, 0).process(np.zeros((2, 2)))
