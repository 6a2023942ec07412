"""LinkSettings of ``ddm-sscc link``: settings the flowgraphs would refuse are refused before they start."""

from __future__ import annotations

import pytest

from ddm_sscc.errors import ConfigError
from ddm_sscc.link.zmq_link import LinkSettings


def settings(**changes) -> LinkSettings:
    return LinkSettings(**({"image": "builtin:astronaut", "output": "out.png"} | changes))


@pytest.mark.parametrize("max_payload", [8, 9, 1024, 65528])
def test_payload_sizes_the_image_encoder_takes(max_payload):
    assert settings(max_payload=max_payload).max_payload == max_payload


@pytest.mark.parametrize("max_payload", [0, 1, 7, 65529, 65535, 1 << 16, 100.0, True])
def test_payload_sizes_the_image_encoder_refuses(max_payload):
    with pytest.raises(ConfigError, match="max_payload must be in 8..65528"):
        settings(max_payload=max_payload)


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"repair": -0.1}, "--repair"),
        ({"repair": 10.5}, "--repair"),
        ({"repair": float("nan")}, "--repair"),
        ({"carousel": True}, "a carousel needs a frame rate"),
        ({"frame_rate": -1.0}, "frame_rate"),
        ({"rx_delay": float("inf")}, "rx_delay"),
        ({"calibration": "sometimes"}, "calibration must be off, offline or online"),
        ({"steps": 0}, "steps must be in"),
    ],
)
def test_fountain_settings_are_checked(changes, match):
    with pytest.raises(ConfigError, match=match):
        settings(**changes)


def test_a_carousel_with_a_frame_rate_and_repair():
    s = settings(carousel=True, frame_rate=50.0, repair=0.5, rx_delay=2.0)
    assert (s.carousel, s.frame_rate, s.repair, s.rx_delay) == (True, 50.0, 0.5, 2.0)
