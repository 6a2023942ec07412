"""simulate_capture: the stream layout, the seed, the channel and the info it returns."""

import dataclasses
import itertools

import numpy as np
import pytest

from ddm_sscc.codec import DEFAULT_MODEL
from ddm_sscc.codec.zoo import SMALL_IMAGE_MODEL
from ddm_sscc.channel import ChannelConfig
from ddm_sscc.codec.tokens import pixel_sha256
from ddm_sscc.errors import ConfigError
from ddm_sscc.phy.mcs import mcs_by_name
from ddm_sscc.phy.ofdm.burst_format import BurstFormat
from ddm_sscc.recording import simulate_capture
from tests.conftest import real_image
from tests.core.recording.conftest import PLUTO_LIKE


def test_layout_and_info(capture):
    info, samples = capture.info, capture.samples
    assert samples.dtype == np.complex64 and samples.ndim == 1
    assert info["image_sha256"] == pixel_sha256(capture.pixels).hex()
    bursts = info["bursts"]
    assert [b["symbol_id"] for b in bursts] == list(range(info["frames"]))
    assert info["source_symbols"] == info["frames"] and info["repair"] == 0.0
    fmt = BurstFormat()
    assert sum(b["count"] for b in bursts) == info["n_channel_uses"]
    assert all(b["count"] == fmt.burst_len(mcs_by_name("qpsk-1/2"), 256) for b in bursts[:-1])
    # lead, then gaps of 500..3000 samples, then lead (SCO shortens the whole by about 8 ppm)
    assert bursts[0]["start"] == 3000
    gaps = [b["start"] - (a["start"] + a["count"]) for a, b in itertools.pairwise(bursts)]
    assert all(500 <= g <= 3000 for g in gaps)
    assert samples.size == pytest.approx(bursts[-1]["start"] + bursts[-1]["count"] + 3000, abs=2)
    s = info["settings"]
    assert ChannelConfig.from_dict(s["channel"]) == dataclasses.replace(PLUTO_LIKE, seed=1)
    assert (s["mcs"], s["max_payload"], s["gap"], s["lead"], s["seed"], s["repeat"]) == (
        "qpsk-1/2",
        256,
        [500, 3000],
        3000,
        1,
        1,
    )
    assert s["model_id"] in (DEFAULT_MODEL, SMALL_IMAGE_MODEL) and s["sample_rate"] == 2e6  # the default's two
    # the 12-bit ADC: every sample on the grid of 1/2048
    codes = np.stack([samples.real, samples.imag]) * 2048
    np.testing.assert_array_equal(codes, np.rint(codes))
    # noise before the first burst, far weaker than the bursts
    assert np.mean(np.abs(samples[:2500]) ** 2) < 0.1 * np.mean(np.abs(samples[3000 : 3000 + bursts[0]["count"]]) ** 2)


def test_one_seed_drives_everything():
    pixels = real_image(8, 8, 1)
    config = ChannelConfig(snr_db=10.0, seed=123)  # the capture's seed replaces the channel's
    a, info_a = simulate_capture(pixels, config, seed=5, max_payload=64)
    b, _ = simulate_capture(pixels, ChannelConfig(snr_db=10.0, seed=9), seed=5, max_payload=64)
    np.testing.assert_array_equal(a, b)
    assert info_a["settings"]["channel"]["seed"] == 5
    c, info_c = simulate_capture(pixels, config, seed=6, max_payload=64)
    assert info_c["bursts"] != info_a["bursts"] and not np.array_equal(a[:100], c[:100])


def test_repeat_and_other_rate(capture_2m5):
    pixels = real_image(8, 8, 3)
    samples, info = simulate_capture(pixels, ChannelConfig(), seed=0, repeat=3, gap=(10, 10), lead=0, max_payload=100)
    frames = info["frames"]
    assert [b["symbol_id"] for b in info["bursts"]] == list(range(frames)) * 3
    assert samples.size == 3 * info["n_channel_uses"] + (3 * frames - 1) * 10
    assert np.abs(samples[: info["bursts"][0]["count"]]).max() > 0
    # at 2.5 MS/s the bursts are 5/4 as long and the channel runs at that rate
    info2 = capture_2m5.info
    assert info2["settings"]["channel"]["sample_rate"] == 2.5e6
    assert info2["bursts"][0]["start"] == 3750
    assert sum(b["count"] for b in info2["bursts"]) == pytest.approx(
        info2["n_channel_uses"] * 5 / 4, abs=len(info2["bursts"])
    )


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"seed": -1}, "seed"),
        ({"repeat": 0}, "repeat"),
        ({"gap": (5, 1)}, "gap"),
        ({"gap": 5}, "gap"),
        ({"lead": 1.5}, "lead"),
        ({"mcs": "qpsk-9/10"}, "MCS|mcs"),
        ({"sample_rate": 0.0}, "sample_rate"),
        ({"channel": {"kind": "awgn"}}, "ChannelConfig"),
    ],
)
def test_bad_arguments(kwargs, match):
    args = {"channel": ChannelConfig()} | kwargs
    with pytest.raises(ConfigError, match=match):
        simulate_capture(real_image(4, 4, 1), **args)
