import numpy as np
import pytest

from ddm_sscc.channel import Channel, ChannelConfig
from ddm_sscc.errors import ConfigError
from tests.core.channel.chunks import random_signal, whole_and_chunked

FULL = {
    "kind": "selective",
    "snr_db": 15.0,
    "profile": "EVA",
    "doppler_hz": 70.0,
    "sample_rate": 2e6,
    "cfo_hz": 1500.0,
    "sco_ppm": 20.0,
    "timing_offset": 0.4,
    "phase_noise_linewidth_hz": 100.0,
    "iq_amplitude_db": 0.2,
    "iq_phase_deg": 1.0,
    "dc_offset": [0.01, -0.02],
    "seed": 42,
}


def test_from_dict_round_trip():
    config = ChannelConfig.from_dict(FULL)
    assert config.kind == "selective" and config.dc_offset == 0.01 - 0.02j
    assert ChannelConfig.from_dict(config.to_dict()) == config
    assert ChannelConfig.from_dict({}) == ChannelConfig()


@pytest.mark.parametrize(
    "data, name",
    [
        ({"snr": 10}, "snr"),
        ({"snr_db": "10"}, "snr_db"),
        ({"snr_db": float("nan")}, "snr_db"),
        ({"doppler_hz": True}, "doppler_hz"),
        ({"kind": "rician"}, "kind"),
        ({"kind": 3}, "kind"),
        ({"kind": "selective", "profile": "XYZ"}, "profile"),
        ({"kind": "selective", "doppler_hz": -5.0}, "doppler_hz"),
        ({"kind": "rayleigh", "doppler_hz": 5.0}, "doppler_hz"),
        ({"kind": "awgn", "block_samples": 10}, "block_samples"),
        ({"seed": 1.5}, "seed"),
        ({"seed": -1}, "seed"),
        ({"sample_rate": None}, "sample_rate"),
        ({"dc_offset": [1, 2, 3]}, "dc_offset"),
        ({"cfo_hz": float("inf")}, "cfo_hz"),
        ({"kind": "selective", "profile": "exponential"}, "delay_spread_ns"),
    ],
)
def test_from_dict_rejects_bad_settings(data, name):
    with pytest.raises(ConfigError, match=name):
        ChannelConfig.from_dict(data)


def test_direct_construction_is_validated_too():
    with pytest.raises(ConfigError, match="snr_db"):
        ChannelConfig(snr_db=float("nan"))
    with pytest.raises(ConfigError, match="ChannelConfig"):
        Channel({"kind": "awgn"})


def test_noiseless_awgn_channel_is_the_identity():
    x = random_signal(500)
    channel = Channel(ChannelConfig())
    np.testing.assert_array_equal(channel.process(x), x)
    assert channel.gain == 1
    np.testing.assert_array_equal(channel.frequency_response(16), np.ones(16))


def test_awgn_channel_noise_variance():
    y = Channel(ChannelConfig(snr_db=10.0, seed=3)).process(np.zeros(100_000, np.complex64))
    assert np.mean(np.abs(y) ** 2) == pytest.approx(0.1, rel=0.03)


def test_one_seed_reproduces_and_stages_draw_independently():
    x = random_signal(2000)
    awgn = Channel(ChannelConfig(snr_db=5.0, seed=7)).process(x)
    np.testing.assert_array_equal(awgn, Channel(ChannelConfig(snr_db=5.0, seed=7)).process(x))
    assert not np.array_equal(awgn, Channel(ChannelConfig(snr_db=5.0, seed=8)).process(x))
    # The noise generator is the same child of the seed whatever the fading: y = h·x + (same noise).
    rayleigh = Channel(ChannelConfig(kind="rayleigh", snr_db=5.0, seed=7))
    h = rayleigh.gain
    y = rayleigh.process(x)
    np.testing.assert_allclose(y - h * x, awgn - x, atol=1e-5)
    rayleigh.new_block()
    assert rayleigh.gain != h
    np.testing.assert_array_equal(rayleigh.frequency_response(4), np.full(4, rayleigh.gain))


def test_selective_channel_csi_and_alignment():
    channel = Channel(ChannelConfig(kind="selective", profile="FLAT", seed=1))
    x = random_signal(300)
    h = channel.frequency_response(8)
    np.testing.assert_allclose(h, h[0])
    np.testing.assert_allclose(channel.process_burst(x), h[0] * x, atol=1e-6)  # no added delay
    with pytest.raises(ConfigError, match="frequency_response"):
        channel.gain
    epa = Channel(ChannelConfig(kind="selective", profile="EPA", seed=1))
    assert epa.process_burst(x).shape == x.shape
    first = epa.frequency_response(64)
    epa.new_block()
    assert not np.allclose(first, epa.frequency_response(64))


@pytest.mark.parametrize(
    "overrides",
    [
        {"kind": "rayleigh", "block_samples": 333, "snr_db": 3.0, "doppler_hz": 0.0},
        {"kind": "selective", "profile": "exponential", "delay_spread_ns": 500.0, "doppler_hz": 10.0},
        {},
    ],
)
def test_chunk_invariant(overrides):
    config = ChannelConfig.from_dict({**FULL, **overrides})
    x = random_signal(5000)
    whole, chunked = whole_and_chunked(lambda: Channel(config), x)
    assert whole.shape == chunked.shape
    np.testing.assert_allclose(whole, chunked, rtol=0, atol=1e-5)


def test_burst_length_is_kept_without_sco():
    config = ChannelConfig.from_dict({**FULL, "sco_ppm": 0.0})
    channel = Channel(config)
    for size in (1000, 17, 1):
        assert channel.process_burst(random_signal(size)).shape == (size,)
    assert Channel(config).process([]).shape == (0,)


def test_fast_rayleigh_is_refused_outside_the_sweep_in_one_line():
    for make in (lambda: ChannelConfig(kind="fast-rayleigh"), lambda: Channel.from_dict({"kind": "fast-rayleigh"})):
        with pytest.raises(ConfigError, match="only in `ddm-sscc sweep") as info:
            make()
        assert "\n" not in str(info.value)
