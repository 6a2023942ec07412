"""The AGC-step and ADC fields of ChannelConfig, and a whole Pluto-like channel."""

import numpy as np
import pytest

from ddm_sscc.channel import Awgn, Channel, ChannelConfig
from ddm_sscc.errors import ConfigError
from tests.core.channel.chunks import random_signal, whole_and_chunked

PLUTO_LIKE = {
    "kind": "selective",
    "profile": "EPA",
    "doppler_hz": 5.0,
    "snr_db": 20.0,
    "cfo_hz": 25e3,
    "sco_ppm": 10.0,
    "timing_offset": 0.3,
    "phase_noise_linewidth_hz": 50.0,
    "iq_amplitude_db": 0.2,
    "iq_phase_deg": 1.5,
    "dc_offset": [0.02, 0.01],
    "agc_step_db": 2.0,
    "agc_step_interval": 700,
    "adc_bits": 12,
    "adc_full_scale": 4.0,
    "seed": 9,
}


def test_round_trip_and_defaults():
    config = ChannelConfig.from_dict(PLUTO_LIKE)
    assert (config.adc_bits, config.adc_full_scale, config.agc_step_db, config.agc_step_interval) == (12, 4.0, 2.0, 700)
    assert ChannelConfig.from_dict(config.to_dict()) == config
    default = ChannelConfig()
    assert default.adc_bits is None and default.agc_step_db == 0 and default.agc_step_interval is None
    channel = Channel(default)
    assert channel.adc is None and channel.agc is None
    assert ChannelConfig.from_dict({"adc_bits": None, "agc_step_interval": None}) == default


@pytest.mark.parametrize(
    "data, name",
    [
        ({"adc_bit": 12}, "adc_bit"),
        ({"adc_bits": 12.0}, "adc_bits"),
        ({"adc_bits": 1}, "adc_bits"),
        ({"adc_bits": 17}, "adc_bits"),
        ({"adc_full_scale": 0.0}, "adc_full_scale"),
        ({"adc_full_scale": None}, "adc_full_scale"),
        ({"agc_step_db": -1.0, "agc_step_interval": 10}, "agc_step_db"),
        ({"agc_step_db": 30.0, "agc_step_interval": 10}, "agc_step_db"),
        ({"agc_step_db": 2.0}, "agc_step_interval"),
        ({"agc_step_db": 2.0, "agc_step_interval": 0}, "agc_step_interval"),
        ({"agc_step_interval": "100"}, "agc_step_interval"),
    ],
)
def test_bad_settings(data, name):
    with pytest.raises(ConfigError, match=name):
        ChannelConfig.from_dict(data)


def test_stages_come_last_and_output_is_12_bit():
    config = ChannelConfig.from_dict(PLUTO_LIKE)
    channel = Channel(config)
    assert channel.stages[-2:] == (channel.agc, channel.adc)
    y = channel.process_burst(random_signal(20_000))
    codes = np.stack([y.real, y.imag]) * 2048
    np.testing.assert_array_equal(codes, np.rint(codes))
    assert codes.min() >= -2048 and codes.max() <= 2047
    assert channel.agc.events  # a step about every 700 samples
    # y ≈ x / full scale: unit-power input comes out at about (1/4)² power, AGC steps aside
    assert np.mean(np.abs(y) ** 2) == pytest.approx(1 / 16, rel=0.6)


def test_agc_and_adc_keep_the_other_realisations():
    # The AGC generator is a fourth child of the seed: the noise stays that of child 1, as before.
    x = random_signal(3000)
    plain = Channel(ChannelConfig(snr_db=5.0, seed=7)).process(x)
    noise_rng = np.random.default_rng(np.random.SeedSequence(7).spawn(3)[1])
    np.testing.assert_array_equal(plain, Awgn(5.0, noise_rng).process(x))
    stepped = Channel(ChannelConfig(snr_db=5.0, seed=7, agc_step_db=3.0, agc_step_interval=500))
    y = stepped.process(x)
    gain = np.ones(x.size)
    for at, g in stepped.agc.events:
        gain[at:] = 10 ** (g / 20)
    np.testing.assert_allclose(y, plain * gain, rtol=1e-5, atol=1e-6)


def test_seeded_and_chunk_invariant():
    config = ChannelConfig.from_dict(PLUTO_LIKE)
    x = random_signal(6000)
    whole, chunked = whole_and_chunked(lambda: Channel(config), x)
    assert whole.shape == chunked.shape
    # the ADC rounds: a last-bit difference upstream may flip one code, never more
    assert np.max(np.abs(whole - chunked)) <= 1 / 2048 + 1e-7
    assert np.mean(whole != chunked) < 1e-3
    np.testing.assert_array_equal(Channel(config).process_burst(x), Channel(config).process_burst(x))
    other = ChannelConfig.from_dict({**PLUTO_LIKE, "seed": 10})
    assert not np.array_equal(Channel(other).process_burst(x), whole)
