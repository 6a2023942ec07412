"""`ddm-sscc radios|tx|rx|loopback`: everything that fails before a radio would be used.

No Pluto exists on this machine: these check the one-line errors a user gets without one
(the URI tried, the config key and range); the radio paths are tested with the fake
``adi`` module in ``test_image_loopback.py`` and, with a radio, in the ``pluto`` tests.
"""

from __future__ import annotations

import json
import os

import pytest

from tests.conftest import REPO, run_cli

CONFIG = str(REPO / "radio_config" / "pluto_2g4.yaml")
MODEM = str(REPO / "radio_config" / "ofdm_default.yaml")
NO_RADIO = "ip:127.0.0.1"  # nothing serves iiod here: a refused connection, at once

pytestmark = pytest.mark.skipif(bool(os.environ.get("PLUTO_URI")), reason="a Pluto is attached: these expect none")


def _config(tmp_path) -> str:
    text = open(CONFIG).read().replace('uri: "ip:192.168.2.1"', f'uri: "{NO_RADIO}"')
    path = tmp_path / "pluto.yaml"
    path.write_text(text)
    return str(path)


def test_radios_lists_nothing_and_succeeds():
    proc = run_cli("radios", "--json")
    assert proc.returncode == 0
    assert json.loads(proc.stdout) == {"radios": []}
    assert proc.stderr == ""  # libiio's own scan chatter is silenced


@pytest.mark.parametrize("command", [["rx", "-o", "OUT"], ["loopback", "builtin:camera", "-o", "OUT"], ["tx", "builtin:camera"]])
def test_no_pluto_is_one_line_naming_the_uri(tmp_path, command):
    args = [a.replace("OUT", str(tmp_path / "rx.png")) for a in command]
    proc = run_cli(*args, "--config", _config(tmp_path), "--modem", MODEM)
    assert proc.returncode == 1
    assert proc.stderr.startswith("ddm-sscc: error: no Pluto at ip:127.0.0.1")
    assert proc.stderr.count("\n") == 1
    assert not (tmp_path / "rx.png").exists()


def test_bad_config_names_file_key_and_range(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(open(CONFIG).read().replace("tx_attenuation_db: 10.0", "tx_attenuation_db: 95.0"))
    proc = run_cli("rx", "-o", str(tmp_path / "rx.png"), "--config", str(path))
    assert proc.returncode == 1
    assert str(path) in proc.stderr and "tx_attenuation_db" in proc.stderr and "89.75" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_out_of_band_frequency_warns(tmp_path):
    path = tmp_path / "pluto.yaml"
    path.write_text(open(_config(tmp_path)).read().replace("2_420_000_000", "5_800_000_000"))
    proc = run_cli("rx", "-o", str(tmp_path / "rx.png"), "--config", str(path))
    assert "warning" in proc.stderr and "3.8 GHz" in proc.stderr


def test_seconds_needs_loop(tmp_path):
    proc = run_cli("tx", "builtin:camera", "--seconds", "3", "--config", _config(tmp_path))
    assert proc.returncode == 1 and "--loop" in proc.stderr


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--carousel", "--loop", "1"], "leave out --loop"),
        (["--repair=-1"], "--repair"),
        (["--repair", "inf"], "--repair"),
    ],
)
def test_bad_fountain_settings_are_one_line(tmp_path, args, needle):
    proc = run_cli("tx", "builtin:camera", *args, "--config", _config(tmp_path))
    assert proc.returncode in (1, 2) and needle in proc.stderr and "Traceback" not in proc.stderr
    assert proc.stderr.count("\n") <= 3  # argparse adds its usage line


def test_a_carousel_is_paced_below_what_fits_on_air():
    from pathlib import Path

    from ddm_sscc.phy.mcs import mcs_by_name
    from ddm_sscc.phy.ofdm.burst_format import BurstFormat
    from ddm_sscc.radio.config import load_modem_config, load_pluto_config
    from ddm_sscc.radio.pluto_flowgraphs import air_frame_rate, tx_argv

    config, modem = load_pluto_config(CONFIG), load_modem_config(MODEM)
    rate = air_frame_rate(config, modem)
    burst = BurstFormat().burst_len(mcs_by_name(modem.mcs), modem.max_payload) + modem.gap_samples
    assert rate == pytest.approx(0.9 * config.sample_rate / burst)
    argv = tx_argv(Path("tx.py"), config, modem, "img.png", repeat=0, interval=0.0, model="", steps=16,
                   stats_path=Path("s.json"), repair=0.2, carousel=True)  # fmt: skip
    assert "--repair=0.2" in argv and argv[argv.index("--carousel") + 1] == "1"
    assert f"--frame-rate={rate!r}" in argv
    plain = tx_argv(Path("tx.py"), config, modem, "img.png", repeat=1, interval=0.0, model="", steps=16,
                    stats_path=Path("s.json"))  # fmt: skip
    assert "--frame-rate=0.0" in plain and plain[plain.index("--carousel") + 1] == "0"
    assert plain[plain.index("--calibration") + 1] == "online"
    fast = tx_argv(Path("tx.py"), config, modem, "img.png", repeat=1, interval=0.0, model="ddm-featmlp-compact-v1",
                   steps=16, stats_path=Path("s.json"), calibration="offline")  # fmt: skip
    assert fast[fast.index("--calibration") + 1] == "offline" and fast[fast.index("--model") + 1] == "ddm-featmlp-compact-v1"
