import numpy as np
import pytest

from ddm_sscc.channel.gain_steps import GainSteps
from ddm_sscc.errors import ConfigError
from tests.core.channel.chunks import random_signal, whole_and_chunked


def test_step_statistics():
    n, interval, step = 2_000_000, 5000, 3.0
    stage = GainSteps(step, interval, np.random.default_rng(5))
    y = stage.process(np.ones(n, np.complex64))
    events = stage.events
    # Bernoulli events: about n/interval of them, geometric gaps of mean `interval`
    assert len(events) == pytest.approx(n / interval, rel=0.15)
    gaps = np.diff([0] + [i for i, _ in events])
    assert gaps.min() >= 1
    assert np.mean(gaps) == pytest.approx(interval, rel=0.15)
    assert np.std(gaps) == pytest.approx(interval, rel=0.2)  # geometric: std ≈ mean
    # every event moves the gain by exactly one step, within ±2 steps
    levels = np.array([0.0] + [g for _, g in events]) / step
    np.testing.assert_allclose(np.abs(np.diff(levels)), 1.0)
    assert np.max(np.abs(levels)) <= 2
    assert {round(v) for v in levels} >= {-2, -1, 0, 1, 2}
    # the output is the input times 10**(gain/20), piecewise constant, switching at the events
    gain_db = 20 * np.log10(np.abs(y).astype(np.float64))
    expected = np.zeros(n)
    for at, g in events:
        expected[at:] = g
    np.testing.assert_allclose(gain_db, expected, atol=1e-4)


def test_seeded_and_deterministic():
    x = random_signal(50_000)
    a = GainSteps(2.0, 1000, 7).process(x)
    np.testing.assert_array_equal(a, GainSteps(2.0, 1000, np.random.default_rng(7)).process(x))
    assert not np.array_equal(a, GainSteps(2.0, 1000, 8).process(x))


def test_chunk_invariant():
    x = random_signal(20_000)
    whole, chunked = whole_and_chunked(lambda: GainSteps(2.5, 300, 3), x)
    np.testing.assert_array_equal(whole, chunked)


def test_zero_step_is_the_identity():
    x = random_signal(1000)
    stage = GainSteps(0.0, 10, 1)
    np.testing.assert_array_equal(stage.process(x), x)
    assert stage.events == []


@pytest.mark.parametrize(
    "step, interval, name",
    [
        (-1.0, 10, "agc_step_db"),
        (25.0, 10, "agc_step_db"),
        (1.0, 0, "agc_step_interval"),
        (1.0, 2.5, "agc_step_interval"),
    ],
)
def test_bad_settings(step, interval, name):
    with pytest.raises(ConfigError, match=name):
        GainSteps(step, interval, 0)
