"""QA of the channel hier block: the core channel on a sample stream, fading restarted at burst tags."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("gnuradio")
pytestmark = pytest.mark.gnuradio

import pmt  # noqa: E402
from gnuradio import blocks, gr  # noqa: E402

from ddm_blocks.channel_model import channel_model  # noqa: E402
from ddm_sscc.channel.model import Channel  # noqa: E402
from ddm_sscc.errors import ConfigError  # noqa: E402


def signal(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return ((rng.standard_normal(n) + 1j * rng.standard_normal(n)) / np.sqrt(2)).astype(np.complex64)


def burst_tag(offset: int, length: int, key: str = "burst_len") -> gr.tag_t:
    return gr.tag_utils.python_to_tag((offset, pmt.intern(key), pmt.from_long(length), pmt.intern("qa")))


def run_channel(x: np.ndarray, tags=(), **kwargs) -> tuple[np.ndarray, channel_model]:
    """vector source (with tags) → channel_model → vector sink; runs to the end of ``x``."""
    tb = gr.top_block()
    src = blocks.vector_source_c(x.tolist(), False, 1, list(tags))
    channel = channel_model(**kwargs)
    sink = blocks.vector_sink_c()
    tb.connect(src, channel, sink)
    tb.run()
    return np.array(sink.data(), dtype=np.complex64), channel


def test_awgn_without_noise_or_impairments_is_the_identity():
    x = signal(20_000)
    y, channel = run_channel(x, kind="awgn", snr_db=None)
    assert channel.config.snr_db is None
    np.testing.assert_array_equal(y, x)


def test_infinite_snr_means_no_noise():
    x = signal(5_000)
    y, channel = run_channel(x, kind="awgn", snr_db=float("inf"))
    assert channel.config.snr_db is None
    np.testing.assert_array_equal(y, x)


def test_a_seed_fixes_the_output_and_matches_the_core_channel():
    x = signal(30_000, seed=1)
    settings = dict(kind="awgn", snr_db=10.0, cfo_hz=1500.0, phase_noise_hz=50.0, iq_amplitude_db=0.5, dc_offset=0.01j)
    a, channel = run_channel(x, seed=7, **settings)
    b, _ = run_channel(x, seed=7, **settings)
    c, _ = run_channel(x, seed=8, **settings)
    assert a.size == b.size == c.size == x.size
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)
    np.testing.assert_array_equal(a, Channel(channel.config).process(x))  # however GNU Radio cut the stream


def test_awgn_noise_has_the_asked_power():
    x = signal(50_000, seed=4)
    y, _ = run_channel(x, kind="awgn", snr_db=10.0, seed=1)
    assert np.mean(np.abs(y - x) ** 2) == pytest.approx(0.1, rel=0.03)  # Es/N0 = 10 dB on a unit-power signal


def test_rayleigh_fades_each_tagged_burst_with_one_gain():
    lengths = [3000, 5000, 2500, 4000]
    starts = np.cumsum([0] + lengths[:-1])
    x = np.ones(sum(lengths), dtype=np.complex64)
    tags = [burst_tag(int(s), n) for s, n in zip(starts, lengths, strict=True)]
    y, channel = run_channel(x, tags, kind="rayleigh", snr_db=None, seed=3)

    assert y.size == x.size
    gains = []
    for s, n in zip(starts, lengths, strict=True):
        part = y[s : s + n]
        assert np.all(part == part[0]), "the gain changed inside a burst"
        gains.append(complex(part[0]))
    assert len(set(gains)) == len(gains), "two bursts got the same gain"
    assert all(abs(g) > 0 for g in gains)

    # the same as the core channel with a new block at every burst start
    core = Channel(channel.config)
    expected = []
    for s, n in zip(starts, lengths, strict=True):
        core.new_block()
        expected.append(core.process(x[s : s + n]))
    np.testing.assert_array_equal(y, np.concatenate(expected))


def test_rayleigh_ignores_tags_with_another_key():
    x = np.ones(6000, dtype=np.complex64)
    tags = [burst_tag(0, 3000, key="other"), burst_tag(3000, 3000, key="other")]
    y, _ = run_channel(x, tags, kind="rayleigh", snr_db=None, seed=3)
    assert np.all(y == y[0])


def test_rayleigh_without_a_tag_key_keeps_one_gain():
    x = np.ones(6000, dtype=np.complex64)
    y, _ = run_channel(x, [burst_tag(0, 3000), burst_tag(3000, 3000)], kind="rayleigh", snr_db=None, burst_tag_key="")
    assert np.all(y == y[0])


@pytest.mark.parametrize("ppm", [500.0, -500.0])
def test_sampling_clock_offset_changes_the_length(ppm):
    n = 200_000
    x = signal(n, seed=2)
    y, _ = run_channel(x, kind="awgn", snr_db=None, sco_ppm=ppm)
    shortfall = n - y.size
    # n/(1 + ppm·1e-6) outputs, minus the up to 16 samples the resampler holds back at the end
    assert shortfall == pytest.approx(n * ppm * 1e-6, abs=20)
    assert shortfall > 0 if ppm > 0 else shortfall < 0


@pytest.mark.parametrize(
    "kwargs",
    [{"kind": "nope"}, {"seed": -1}, {"doppler_hz": 10.0}, {"sco_ppm": 1e6}, {"profile": "XYZ", "kind": "selective"}],
)
def test_bad_settings_raise_config_error(kwargs):
    with pytest.raises(ConfigError):
        channel_model(**kwargs)
