import numpy as np
import pytest

from ddm_sscc.channel.rayleigh import RayleighBlockFading
from ddm_sscc.errors import ConfigError
from tests.core.channel.chunks import random_signal, whole_and_chunked


def test_one_gain_per_burst_until_new_block():
    fading = RayleighBlockFading(np.random.default_rng(0))
    x = random_signal(300)
    h = fading.gain
    np.testing.assert_allclose(fading.process(x), h * x, atol=1e-6)
    np.testing.assert_allclose(fading.process(x), h * x, atol=1e-6)  # still the same realisation
    np.testing.assert_array_equal(fading.frequency_response(8), np.full(8, h))
    fading.new_block()
    assert fading.gain != h
    np.testing.assert_allclose(fading.process(x), fading.gain * x, atol=1e-6)


def test_gain_statistics_are_cn01():
    fading = RayleighBlockFading(7)
    gains = []
    for _ in range(4000):
        fading.new_block()
        gains.append(fading.gain)
    gains = np.array(gains)
    assert np.mean(np.abs(gains) ** 2) == pytest.approx(1.0, rel=0.06)
    assert abs(np.mean(gains)) < 0.05
    # Rayleigh envelope: P(|h|² < 0.1) = 1 − e^−0.1.
    assert np.mean(np.abs(gains) ** 2 < 0.1) == pytest.approx(1 - np.exp(-0.1), abs=0.015)


def test_block_samples_changes_gain_at_block_boundaries():
    fading = RayleighBlockFading(1, block_samples=10)
    y = fading.process(np.ones(25, np.complex64))
    assert np.all(y[:10] == y[0]) and np.all(y[10:20] == y[10]) and np.all(y[20:] == y[20])
    assert len({complex(y[0]), complex(y[10]), complex(y[20])}) == 3
    np.testing.assert_array_equal(fading.last_gains.astype(np.complex64), y)
    np.testing.assert_allclose(fading.gain, y[20], atol=1e-6)  # samples 25..29 still in block 2
    y2 = fading.process(np.ones(6, np.complex64))
    np.testing.assert_allclose(y2[:5], y[20], atol=1e-6)
    assert y2[5] != y[20]


@pytest.mark.parametrize("block", [None, 1, 7, 100])
def test_chunk_invariant(block):
    x = random_signal(3000)
    whole, chunked = whole_and_chunked(lambda: RayleighBlockFading(np.random.default_rng(2), block), x)
    np.testing.assert_array_equal(whole, chunked)


def test_bad_settings_and_empty_input():
    with pytest.raises(ConfigError, match="block_samples"):
        RayleighBlockFading(0, block_samples=0)
    with pytest.raises(ConfigError, match="block_samples"):
        RayleighBlockFading(0, block_samples=2.5)
    assert RayleighBlockFading(0, 4).process([]).shape == (0,)
