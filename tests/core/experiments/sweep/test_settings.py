"""Sweep settings are validated before any work."""

from __future__ import annotations

import pytest

from ddm_sscc.errors import ConfigError
from ddm_sscc.experiments.per import parse_snr_range
from ddm_sscc.experiments.sweep.settings import SweepSettings, check_results_dir, load_images, parse_systems


def make(**overrides) -> SweepSettings:
    values = {"dataset": "kodak", "snrs": (0.0, 1.0)}
    values.update(overrides)
    return SweepSettings(**values)


def test_defaults_and_parsing():
    s = make(snrs=tuple(parse_snr_range("0:2:0.5")), systems=parse_systems("ddm, PNG,raw"))
    assert s.snrs == (0.0, 0.5, 1.0, 1.5, 2.0)
    assert s.systems == ("ddm", "png", "raw")
    assert s.mcs == "qpsk-1/2" and s.max_payload == 1024 and s.steps is None and s.cfo_max_hz == 20e3
    assert make(mcs="AUTO").mcs == "auto"
    assert s.digital_systems == ("ddm", "png", "raw") and s.analog_systems == ()


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"snrs": ()}, "at least one SNR"),
        ({"snrs": (None,)}, "finite"),
        ({"snrs": (float("inf"),)}, "finite"),
        ({"snrs": (1.0, 1.0)}, "repeat"),
        ({"systems": ("ddm", "webp")}, "unknown system 'webp'"),
        ({"systems": ()}, "no system"),
        ({"systems": ("png", "png")}, "repeats"),
        ({"trials": 0}, "--trials"),
        ({"trials": 1.5}, "--trials"),
        ({"channel": "rician"}, "--channel"),
        ({"profile": "XYZ"}, "profile"),
        ({"mcs": "8psk-1/2"}, "unknown MCS"),
        ({"limit": 0}, "--limit"),
        ({"max_payload": 0}, "max_payload"),
        ({"seed": -1}, "--seed"),
        ({"cfo_max_hz": 70e3}, "cfo_max_hz"),
        ({"steps": 0}, "--steps"),
        ({"workers": 0}, "--workers"),
        ({"systems": ("deepjscc",), "channel": "selective"}, "deepjscc"),
        ({"systems": ("deepjscc",), "channel": "fast-rayleigh"}, "deepjscc"),
        ({"channel": "fast-rayleigh", "mcs": "auto"}, "no PER table for fast-rayleigh"),
        ({"snr_axis": "log"}, "--snr-axis"),
        ({"calibration": "auto"}, "--calibration must be one of off, offline, online"),
    ],
)
def test_invalid_settings_raise_config_error(overrides, message):
    with pytest.raises(ConfigError, match=message):
        make(**overrides)


def test_parse_systems_refuses_unknown_and_empty():
    with pytest.raises(ConfigError, match="unknown system"):
        parse_systems("ddm,bpg")
    with pytest.raises(ConfigError, match="no system"):
        parse_systems(" , ")


def test_results_dir_created_and_unwritable_refused(tmp_path):
    folder = check_results_dir(tmp_path / "a" / "b")
    assert folder.is_dir() and not list(folder.iterdir())  # the probe is gone
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ConfigError, match="not writable"):
        check_results_dir(blocker / "sub")


def test_empty_dataset_refused(tmp_path):
    (tmp_path / "notes.txt").write_text("no images here")
    with pytest.raises(ConfigError, match="no usable images"):
        load_images(make(dataset=str(tmp_path)))
    with pytest.raises(ConfigError, match="is none of these"):
        load_images(make(dataset=str(tmp_path / "missing")))


def test_load_images_honours_limit(tiny_dir):
    images = load_images(make(dataset=str(tiny_dir), limit=1))
    assert [label for label, _ in images] == ["a.png"]


def test_fast_rayleigh_is_a_sweep_channel_and_the_cli_offers_the_same_choices():
    from ddm_sscc.cli.experiments import SNR_AXES as CLI_AXES
    from ddm_sscc.cli.experiments import SWEEP_CHANNELS
    from ddm_sscc.experiments.sweep.plots import SNR_AXES
    from ddm_sscc.experiments.sweep.settings import CHANNELS

    assert make(channel="fast-rayleigh").channel == "fast-rayleigh"
    assert SWEEP_CHANNELS == CHANNELS and CLI_AXES == SNR_AXES
    # the plot axis does not change results: not part of equality or of the fixed settings
    assert make(snr_axis="paper") == make() and "snr_axis" not in make(snr_axis="paper").fixed()


def test_cli_refuses_fast_rayleigh_through_the_flowgraphs_in_one_line(tmp_path):
    from tests.conftest import run_cli

    result = run_cli(
        "sweep", "--dataset", "kodak", "--snr", "1", "-o", "out", "--channel", "fast-rayleigh", "--through-gnuradio",
        cwd=tmp_path,
    )  # fmt: skip
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 1 and len(lines) == 1 and "fast-rayleigh exists only in the core sweep" in lines[0]
    assert not (tmp_path / "out").exists()


def test_repair_is_part_of_the_link_setting_and_checked():
    from tests.core.experiments.sweep.conftest import quick_settings

    assert quick_settings().mcs_setting == "qpsk-1/2"
    assert quick_settings(repair=0.25).mcs_setting == "qpsk-1/2+repair0.25"
    assert quick_settings(repair=0.5, mcs="auto", mcs_margin_db=1.0).mcs_setting == "auto+1dB+repair0.5"
    for bad in (-0.1, 10.5, float("nan"), float("inf"), True):
        with pytest.raises(ConfigError, match="repair"):
            quick_settings(repair=bad)
    with pytest.raises(ConfigError, match="deepjscc"):
        quick_settings(repair=0.1, systems=("ddm", "deepjscc"))
