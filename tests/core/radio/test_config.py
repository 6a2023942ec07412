"""Radio configuration files: every shipped file loads; a bad value is one ConfigError line naming file, key, range."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ddm_sscc.channel import ChannelConfig
from ddm_sscc.errors import ConfigError
from ddm_sscc.phy.mcs import mcs_by_name
from ddm_sscc.phy.ofdm.config import OfdmConfig
from ddm_sscc.radio.config import (
    STOCK_TUNING_WARNING,
    ModemConfig,
    PlutoConfig,
    load_channel_profiles,
    load_modem_config,
    load_pluto_config,
)

CONFIG_DIR = Path(__file__).resolve().parents[3] / "radio_config"
PLUTO = yaml.safe_load((CONFIG_DIR / "pluto_2g4.yaml").read_text())
MODEM = yaml.safe_load((CONFIG_DIR / "ofdm_default.yaml").read_text())


def write(tmp_path: Path, data: object, name: str = "conf.yaml") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data))
    return path


def error_of(loader, path: Path) -> str:
    with pytest.raises(ConfigError) as info:
        loader(path)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: "), message
    return message


# ---- shipped files ------------------------------------------------------------------------
def test_every_shipped_file_loads():
    files = sorted(CONFIG_DIR.glob("*.yaml"))
    assert {f.name for f in files} >= {"pluto_2g4.yaml", "ofdm_default.yaml", "channels.yaml"}
    loaders = {"pluto": load_pluto_config, "ofdm": load_modem_config, "channels": load_channel_profiles}
    for file in files:
        loader = next(fn for prefix, fn in loaders.items() if file.name.startswith(prefix))
        assert loader(file)


def test_shipped_pluto_file_values():
    config = load_pluto_config(CONFIG_DIR / "pluto_2g4.yaml")
    assert config.center_frequency == 2.42e9 and 2.4e9 <= config.center_frequency <= 2.4835e9
    assert config.sample_rate == 2e6 and config.rf_bandwidth == 2e6 and config.fir_enabled
    assert config.tx_attenuation_db == 10.0 and config.rx_gain_mode == "manual" and config.rx_gain_db == 40.0
    assert config.buffer_size == 32768 and config.xo_correction is None and config.tx_scale == 0.5
    assert config.warnings() == []


def test_shipped_modem_file_spells_out_the_ofdm_defaults():
    modem = load_modem_config(CONFIG_DIR / "ofdm_default.yaml")
    assert modem.ofdm_config() == OfdmConfig()
    assert modem.mcs == "qpsk-1/2" and modem.mcs_scheme() == mcs_by_name("qpsk-1/2")
    assert modem.max_payload == 1024 and modem.gap_samples == 400
    assert ModemConfig().ofdm_config() == OfdmConfig()


def test_shipped_channel_profiles():
    profiles = load_channel_profiles(CONFIG_DIR / "channels.yaml")
    assert list(profiles) == ["awgn-20db", "awgn-8db", "rayleigh-25db", "epa-20db", "eva-doppler-25db", "pluto-like"]
    assert all(isinstance(p, ChannelConfig) for p in profiles.values())
    assert profiles["awgn-8db"].snr_db == 8.0 and profiles["rayleigh-25db"].kind == "rayleigh"
    assert profiles["eva-doppler-25db"].profile == "EVA" and profiles["eva-doppler-25db"].doppler_hz == 70.0
    pluto = profiles["pluto-like"]
    assert pluto.cfo_hz and pluto.sco_ppm and pluto.phase_noise_linewidth_hz and pluto.iq_phase_deg and pluto.dc_offset


# ---- Pluto settings -------------------------------------------------------------------------
PLUTO_CASES = [
    # (changes, expected fragment after "FILE: ")
    ({"sample_rate": 300000}, "sample_rate: 300000 is below 521000 S/s (2084000 S/s without the FIR)"),
    ({"sample_rate": 1_000_000, "fir_enabled": False}, "sample_rate: 1000000 is below 2084000 S/s without the FIR"),
    ({"sample_rate": 70e6}, "sample_rate: 70000000 is above 61440000 S/s"),
    (
        {"sample_rate": "2e6"},
        "sample_rate: must be a number, got the text '2e6' "
        "(PyYAML reads a number without a dot or exponent sign as text: write 2_000_000)",
    ),
    ({"center_frequency": 50e6}, "center_frequency: 50000000 is outside 70000000 … 6000000000 Hz"),
    ({"center_frequency": 6.5e9}, "center_frequency: 6500000000 is outside 70000000 … 6000000000 Hz"),
    ({"center_frequency": float("inf")}, "center_frequency: must be a finite number"),
    ({"center_frequency": None}, "center_frequency: must be a number, got null (allowed: 70000000 … 6000000000 Hz)"),
    ({"center_frequency": "2.42e9"}, "center_frequency: must be a number, got the text '2.42e9' (PyYAML reads"),
    ({"rf_bandwidth": "1.5e6"}, "rf_bandwidth: must be a number, got the text '1.5e6' (PyYAML reads a number without"),
    ({"rf_bandwidth": 100e3}, "rf_bandwidth: 100000 is outside 200000 … 56000000 Hz"),
    ({"rf_bandwidth": 60e6}, "rf_bandwidth: 60000000 is outside 200000 … 56000000 Hz"),
    ({"tx_attenuation_db": -1.0}, "tx_attenuation_db: -1 is outside 0 … 89.75 dB"),
    ({"tx_attenuation_db": 90.0}, "tx_attenuation_db: 90 is outside 0 … 89.75 dB"),
    ({"tx_attenuation_db": 10.1}, "tx_attenuation_db: 10.1 is not a multiple of 0.25 dB (0 … 89.75 dB)"),
    ({"rx_gain_mode": "auto"}, "rx_gain_mode: 'auto' is not one of manual, slow_attack, fast_attack, hybrid"),
    ({"rx_gain_mode": 3}, "rx_gain_mode: 3 is not one of manual, slow_attack, fast_attack, hybrid"),
    ({"rx_gain_db": 80.0}, "rx_gain_db: 80 is outside -3 … 71 dB"),
    ({"rx_gain_db": -5}, "rx_gain_db: -5 is outside -3 … 71 dB"),
    ({"rx_gain_db": None}, "rx_gain_db: missing (required with rx_gain_mode manual: -3 … 71 dB)"),
    ({"buffer_size": 512}, "buffer_size: 512 is outside 1024 … 16777216 samples"),
    ({"buffer_size": 2**25}, "buffer_size: 33554432 is outside 1024 … 16777216 samples"),
    ({"buffer_size": 32768.0}, "buffer_size: must be an integer, got 32768.0 (allowed: 1024 … 16777216 samples)"),
    ({"buffer_size": True}, "buffer_size: must be an integer, got true"),
    ({"xo_correction": 40_010_000}, "xo_correction: 40010000 is outside 39996000 … 40004000 Hz"),
    ({"xo_correction": 39_000_000}, "xo_correction: 39000000 is outside 39996000 … 40004000 Hz"),
    (
        {"xo_correction": 4e7},
        "xo_correction: must be an integer, got 40000000.0 (allowed: null or 39996000 … 40004000 Hz)",
    ),
    ({"tx_scale": 0.0}, "tx_scale: 0 is outside 0 < tx_scale ≤ 1"),
    ({"tx_scale": 1.5}, "tx_scale: 1.5 is outside 0 < tx_scale ≤ 1"),
    ({"tx_scale": -0.1}, "tx_scale: -0.1 is outside 0 < tx_scale ≤ 1"),
    ({"uri": "192.168.2.1"}, "uri: '192.168.2.1' is not an iio URI (allowed: an iio URI starting with ip:"),
    ({"uri": 5}, "uri: must be text, got 5 (allowed: an iio URI"),
    ({"fir_enabled": "maybe"}, "fir_enabled: must be true or false, got the text 'maybe'"),
    ({"sampel_rate": 2e6}, "sampel_rate: unknown key (did you mean 'sample_rate'? known: uri, center_frequency,"),
    ({"colour": "red"}, "colour: unknown key (known: uri, center_frequency, fir_enabled, sample_rate,"),
]


@pytest.mark.parametrize(("changes", "expected"), PLUTO_CASES, ids=[str(c[0]) for c in PLUTO_CASES])
def test_bad_pluto_setting_is_one_line_naming_file_key_and_range(tmp_path, changes, expected):
    data = dict(PLUTO)
    for key, value in changes.items():
        if value is None and key == "rx_gain_db":
            del data[key]
        else:
            data[key] = value
    path = write(tmp_path, data)
    message = error_of(load_pluto_config, path)
    assert message.startswith(f"{path}: {expected}"), message


def test_exact_message_of_the_brief(tmp_path):
    path = write(tmp_path, {**PLUTO, "sample_rate": 300000}, name="pluto_2g4.yaml")
    with pytest.raises(ConfigError) as info:
        load_pluto_config(path)
    assert str(info.value) == f"{path}: sample_rate: 300000 is below 521000 S/s (2084000 S/s without the FIR)"


@pytest.mark.parametrize("key", ["center_frequency", "sample_rate", "rf_bandwidth", "tx_attenuation_db", "buffer_size"])
def test_missing_required_key_names_the_range(tmp_path, key):
    data = {k: v for k, v in PLUTO.items() if k != key}
    message = error_of(load_pluto_config, write(tmp_path, data))
    assert f": {key}: missing (required: " in message


def test_several_errors_report_the_first_and_count_the_rest(tmp_path):
    message = error_of(load_pluto_config, write(tmp_path, {**PLUTO, "center_frequency": 1.0, "rf_bandwidth": 1.0}))
    assert "center_frequency: 1 is outside" in message and message.endswith("(+1 more error)")


def test_without_fir_the_lower_limit_is_2084_ks(tmp_path):
    config = load_pluto_config(write(tmp_path, {**PLUTO, "fir_enabled": False, "sample_rate": 2_084_000}))
    assert not config.fir_enabled and config.sample_rate == 2_084_000
    assert load_pluto_config(write(tmp_path, {**PLUTO, "sample_rate": 521_000})).sample_rate == 521_000


def test_defaults_and_optional_keys(tmp_path):
    data = {k: v for k, v in PLUTO.items() if k not in ("uri", "fir_enabled", "xo_correction", "tx_scale")}
    config = load_pluto_config(write(tmp_path, data))
    assert config.uri == "ip:192.168.2.1" and config.fir_enabled and config.xo_correction is None
    assert config.tx_scale == 0.5
    config = load_pluto_config(write(tmp_path, {**PLUTO, "xo_correction": 39_999_600, "uri": "usb:1.2.5"}))
    assert config.xo_correction == 39_999_600 and config.uri == "usb:1.2.5"


def test_agc_needs_no_gain_and_warns_about_an_ignored_one(tmp_path):
    data = {k: v for k, v in PLUTO.items() if k != "rx_gain_db"}
    config = load_pluto_config(write(tmp_path, {**data, "rx_gain_mode": "slow_attack"}))
    assert config.rx_gain_db is None and config.warnings() == []
    config = load_pluto_config(write(tmp_path, {**PLUTO, "rx_gain_mode": "fast_attack"}))
    assert config.warnings() == ["rx_gain_db: ignored with rx_gain_mode fast_attack (the AGC sets the gain)"]


@pytest.mark.parametrize(
    ("frequency", "warns"),
    [(70e6, True), (300e6, True), (325e6, False), (2.42e9, False), (3.8e9, False), (3.9e9, True), (6e9, True)],
)
def test_stock_tuning_range_warning(frequency, warns):
    config = PlutoConfig.from_dict({**PLUTO, "center_frequency": frequency})
    found = [w for w in config.warnings() if STOCK_TUNING_WARNING in w]
    assert bool(found) == warns
    if warns:
        assert found[0].startswith("center_frequency: ") and "\n" not in found[0]
    assert STOCK_TUNING_WARNING == "unmodified Plutos tune 325 MHz – 3.8 GHz only"


def test_from_dict_and_frozen():
    with pytest.raises(ConfigError, match=r"^my radio: tx_scale: 2 is outside"):
        PlutoConfig.from_dict({**PLUTO, "tx_scale": 2.0}, source="my radio")
    with pytest.raises(ConfigError, match="expected a mapping"):
        PlutoConfig.from_dict([1, 2])  # type: ignore[arg-type]
    config = PlutoConfig.from_dict(PLUTO)
    with pytest.raises(Exception):  # noqa: B017 - pydantic's frozen-instance error
        config.sample_rate = 1e6  # type: ignore[misc]
    assert config.model_copy(update={"uri": "ip:10.0.0.2"}).uri == "ip:10.0.0.2"


# ---- modem settings --------------------------------------------------------------------------
MODEM_CASES = [
    ({"mcs": "qpsk-2/3"}, "mcs: unknown MCS 'qpsk-2/3' (known: bpsk-1/2, qpsk-1/2"),
    ({"mcs": 3}, "mcs: must be text, got 3"),
    ({"max_payload": 0}, "max_payload: 0 is outside 8 … 65528 bytes"),
    ({"max_payload": 70000}, "max_payload: 70000 is outside 8 … 65528 bytes"),
    ({"max_payload": "1k"}, "max_payload: must be an integer, got the text '1k' (allowed: 8 … 65528 bytes)"),
    ({"gap_samples": -1}, "gap_samples: -1 is outside 0 … 16777216 samples"),
    ({"ofdm": [64, 16]}, "ofdm: must be a mapping, got [64, 16]"),
    ({"ofdm": {"fft_size": 60}}, "ofdm: fft_size must be a power of two in 16..4096, got 60"),
    ({"ofdm": {"fft": 64}}, "ofdm: unknown OFDM setting(s): fft (known: cp_len, data_carriers,"),
    ({"ofdm": {"cp_len": "16"}}, "ofdm: cp_len must be an integer, got '16'"),
    ({"ofdm": {"cp_len": 64}}, "ofdm: cp_len must be in 1..63, got 64"),
    ({"ofdm": {"sample_rate": "2e6"}}, "ofdm: sample_rate must be a number in S/s, got '2e6'"),
    ({"ofdm": {"pilot_carriers": [-21, -7, 7, 26]}}, "ofdm: data and pilot carriers overlap or repeat"),
    ({"ofdm": {"data_carriers": "all"}}, "ofdm: data_carriers must be null or a list of signed carrier indices"),
    ({"gap": 400}, "gap: unknown key (did you mean 'gap_samples'? known: ofdm, mcs, max_payload, gap_samples)"),
]


@pytest.mark.parametrize(("changes", "expected"), MODEM_CASES, ids=[str(c[0]) for c in MODEM_CASES])
def test_bad_modem_setting(tmp_path, changes, expected):
    data = dict(MODEM)
    for key, value in changes.items():
        data[key] = {**MODEM["ofdm"], **value} if key == "ofdm" and isinstance(value, dict) else value
    path = write(tmp_path, data)
    message = error_of(load_modem_config, path)
    assert message.startswith(f"{path}: {expected}"), message


def test_modem_defaults_and_other_numerology(tmp_path):
    modem = load_modem_config(write(tmp_path, {"ofdm": {"fft_size": 128, "cp_len": 32}, "mcs": "16QAM-3/4"}))
    assert modem.ofdm_config().fft_size == 128 and modem.mcs_scheme().name == "16qam-3/4"
    assert modem.max_payload == 1024 and modem.gap_samples == 400


# ---- channel profiles ------------------------------------------------------------------------
PROFILE_CASES = [
    ({"profiles": {"bad": {"kind": "rician"}}}, "profiles: bad: kind must be one of awgn, rayleigh, selective"),
    ({"profiles": {"bad": {"snr": 10.0}}}, "profiles: bad: unknown channel setting 'snr'; known: kind,"),
    ({"profiles": {"bad": {"snr_db": "1e1"}}}, "profiles: bad: channel setting 'snr_db' must be a number, got '1e1'"),
    ({"profiles": {"ok": {}, "bad": {"doppler_hz": 5.0}}}, "profiles: bad: doppler_hz needs kind 'selective'"),
    ({"profiles": {"bad": [1, 2]}}, "profiles: bad: must be a mapping of channel settings, got [1, 2]"),
    ({"profiles": {"bad": None}}, "profiles: bad: must be a mapping of channel settings, got None"),
    ({"profiles": [1]}, "profiles: must be a non-empty mapping of profile names to channel settings"),
    ({"profiles": {}}, "profiles: must be a non-empty mapping"),
    ({"profiles": {1: {}}}, "profiles: profile name 1 is not text"),
    ({"profile": {"a": {}}}, "profile: unknown key (known: profiles)"),
    ({"defaults": {}, "profiles": {"a": {}}}, "defaults: unknown key (known: profiles)"),
]


@pytest.mark.parametrize(("data", "expected"), PROFILE_CASES, ids=[str(c[0]) for c in PROFILE_CASES])
def test_bad_channel_profile(tmp_path, data, expected):
    path = write(tmp_path, data)
    message = error_of(load_channel_profiles, path)
    assert message.startswith(f"{path}: {expected}"), message


def test_missing_profiles_key(tmp_path):
    path = write(tmp_path, "# nothing but\nother: 1\n")
    assert error_of(load_channel_profiles, path) == f"{path}: other: unknown key (known: profiles)"


# ---- files that are not settings -------------------------------------------------------------
LOADERS = [load_pluto_config, load_modem_config, load_channel_profiles]
FILE_CASES = [
    ("- 1\n- 2\n", "expected a mapping of settings at the top level, got a list"),
    ("just text\n", "expected a mapping of settings at the top level, got text"),
    ("42\n", "expected a mapping of settings at the top level, got a number"),
    ("", "empty file, expected a mapping of settings"),
    ("# only a comment\n", "empty file"),
    ("a: 1\n\tb: 2\n", "not valid YAML: line 2 column 1: found character '\\t' that cannot start any token"),
    ("a: [1, 2\n", "not valid YAML: line 2 column 1:"),
    ("a: 1\na: {b\n", "not valid YAML:"),
    ("@@@ %%% ***\n", "not valid YAML: line 1 column 1: found character '@' that cannot start any token"),
    ("1: 2\n", "key 1 is not text"),
]


@pytest.mark.parametrize("loader", LOADERS, ids=lambda f: f.__name__)
@pytest.mark.parametrize(("text", "expected"), FILE_CASES, ids=[repr(c[0]) for c in FILE_CASES])
def test_file_that_is_not_a_settings_mapping(tmp_path, loader, text, expected):
    path = write(tmp_path, text)
    message = error_of(loader, path)
    assert message.startswith(f"{path}: {expected}"), message


@pytest.mark.parametrize("loader", LOADERS, ids=lambda f: f.__name__)
def test_missing_file_directory_and_binary(tmp_path, loader):
    missing = tmp_path / "nope.yaml"
    assert error_of(loader, missing) == f"{missing}: no such file"
    assert error_of(loader, tmp_path) == f"{tmp_path}: not a file"
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"a: \xff\xfe\x00\n")
    assert error_of(loader, binary).startswith(f"{binary}: not UTF-8 text")


def test_relative_path_is_named_as_given(monkeypatch):
    monkeypatch.chdir(CONFIG_DIR.parent)
    with pytest.raises(ConfigError, match=r"^radio_config/missing\.yaml: no such file$"):
        load_pluto_config("radio_config/missing.yaml")
    assert load_pluto_config("radio_config/pluto_2g4.yaml").sample_rate == 2e6


def test_shipped_defaults_are_found_from_any_directory(tmp_path):
    """The default --config/--modem/--channels are package data, not paths relative to the checkout."""
    from ddm_sscc.radio.config import DEFAULT_CHANNEL_PROFILES, DEFAULT_MODEM_CONFIG, DEFAULT_PLUTO_CONFIG
    from tests.conftest import run_cli

    assert load_pluto_config(DEFAULT_PLUTO_CONFIG).sample_rate > 0
    assert DEFAULT_MODEM_CONFIG.is_file() and DEFAULT_CHANNEL_PROFILES.is_file()
    image = tmp_path / "in.png"
    from PIL import Image

    from tests.conftest import real_image

    Image.fromarray(real_image(16, 16, 3)).save(image)
    result = run_cli("capture", "--radio", "sim", "--image", str(image), "-o", str(tmp_path / "rec"), "--seconds", "1",
                     cwd=tmp_path)
    assert result.returncode == 0, result.stderr
