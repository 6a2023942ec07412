"""The PER experiment and its CLI."""

import json

import pytest

from ddm_sscc.errors import ConfigError
from ddm_sscc.experiments.per import PerSettings, parse_snr_range, run_per
from ddm_sscc.phy.mcs import mcs_by_name
from tests.conftest import run_cli


def test_snr_range_parsing():
    assert parse_snr_range("0:2:0.5") == [0, 0.5, 1, 1.5, 2]
    assert parse_snr_range("3") == [3]
    assert parse_snr_range("inf") == [None]
    for bad in ("2:1:1", "a:b", "0:1:0", "nan"):
        with pytest.raises(ConfigError):
            parse_snr_range(bad)


def test_high_snr_delivers_everything_and_hopeless_snr_nothing():
    settings = PerSettings(mcs_by_name("qpsk-1/2"), "awgn", payload_len=60)
    high, low = run_per(settings, [15.0, -8.0], frames=4)
    assert high.fer == 0 and high.fer_reference == 0 and high.undetected == 0
    assert low.fer == 1 and low.fer_reference == 1 and low.undetected == 0


def test_cli_json_and_bad_mcs(tmp_path):
    result = run_cli("per", "--snr", "12", "--frames", "2", "--payload", "40", "--channel", "rayleigh", "--json")
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["mcs"] == "qpsk-1/2" and record["channel"] == "rayleigh"
    assert set(record["points"][0]) >= {"snr_db", "frames", "fer", "fer_reference", "undetected"}
    bad = run_cli("per", "--mcs", "8psk-1/2")
    assert bad.returncode == 1 and bad.stderr.count("\n") == 1 and "unknown MCS" in bad.stderr
