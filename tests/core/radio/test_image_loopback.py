"""An image through one Pluto's TX → cable → RX (`ddm-sscc loopback`), with the fake ``adi`` module.

The fake (:mod:`tests.core.radio.fake_adi`) stands in for ADALM-PLUTO hardware, which
cannot exist here: its ``rx()`` replays the cyclic TX buffer through a simulated channel
and returns 12-bit ADC codes, as pyadi-iio's ``rx()`` does.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ddm_sscc.channel import ChannelConfig
from ddm_sscc.errors import ConfigError, OutputExistsError, RadioError
from ddm_sscc.image_io import load_image, save_image
from ddm_sscc.radio.config import load_modem_config, load_pluto_config
from ddm_sscc.radio.image_loopback import run_image_loopback
from tests.conftest import real_image
from tests.core.radio.fake_adi import fake_adi, missing_adi

CONFIG_DIR = Path(__file__).resolve().parents[3] / "radio_config"
PLUTO = load_pluto_config(CONFIG_DIR / "pluto_2g4.yaml")
MODEM = load_modem_config(CONFIG_DIR / "ofdm_default.yaml")


@pytest.fixture
def photo(tmp_path) -> Path:
    path = tmp_path / "photo.png"
    save_image(path, real_image(32, 48, 3))
    return path


def test_image_comes_back_exact(photo, tmp_path):
    out = tmp_path / "rx.png"
    cable = ChannelConfig(kind="awgn", snr_db=25.0, cfo_hz=2000.0, seed=3)
    summary = run_image_loopback(PLUTO, MODEM, str(photo), str(out), adi_module=fake_adi(cable, start_offset=777))
    assert summary.exact, summary.error
    assert summary.frames_received == summary.frames_sent > 1 and summary.frames_lost == 0
    np.testing.assert_array_equal(load_image(out).pixels, real_image(32, 48, 3))
    assert summary.extra["rx_cfo_estimate_hz"] == pytest.approx(2000.0, abs=100)
    assert summary.extra["cfo_ppm"] == pytest.approx(2000.0 / PLUTO.center_frequency * 1e6, rel=0.05)


def test_the_fast_setting_comes_back_exact(photo, tmp_path):
    """model, steps and calibration reach the encoder (mock Pluto: no radio here)."""
    from ddm_sscc.link.image_frames import encode_image_frames

    out = tmp_path / "rx.png"
    cable = ChannelConfig(kind="awgn", snr_db=25.0, seed=3)
    fast = {"model": "ddm-featmlp-compact-v1", "steps": 16, "calibration": "offline"}
    summary = run_image_loopback(PLUTO, MODEM, str(photo), str(out), adi_module=fake_adi(cable), **fast)
    assert summary.exact, summary.error
    assert summary.bpsp == pytest.approx(encode_image_frames(str(photo), **fast).bpsp)
    with pytest.raises(ConfigError, match="calibration"):
        run_image_loopback(PLUTO, MODEM, str(photo), str(tmp_path / "x.png"), adi_module=fake_adi(cable),
                           calibration="sometimes")


def test_hopeless_cable_writes_nothing(photo, tmp_path):
    out = tmp_path / "rx.png"
    cable = ChannelConfig(kind="awgn", snr_db=-5.0, seed=3)
    summary = run_image_loopback(PLUTO, MODEM, str(photo), str(out), adi_module=fake_adi(cable))
    assert not summary.exact and summary.error
    assert summary.frames_lost > 0
    assert not out.exists()


def test_missing_radio_names_the_uri_and_keeps_the_output(photo, tmp_path):
    out = tmp_path / "rx.png"
    with pytest.raises(RadioError, match="ip:192.168.2.1"):
        run_image_loopback(PLUTO, MODEM, str(photo), str(out), adi_module=missing_adi())
    out.write_bytes(b"mine")
    with pytest.raises(OutputExistsError):
        run_image_loopback(PLUTO, MODEM, str(photo), str(out), adi_module=fake_adi())
    assert out.read_bytes() == b"mine"
