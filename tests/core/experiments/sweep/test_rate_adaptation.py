"""--mcs auto from a PER table."""

from __future__ import annotations

import json
import math

import pytest

from ddm_sscc.errors import ConfigError
from ddm_sscc.experiments.sweep.rate_adaptation import (
    PerTable,
    choose_mcs,
    fer_threshold_db,
    load_table,
    monotone_thresholds,
    table_from_runs,
)
from ddm_sscc.experiments.sweep.runner import resolve_mcs
from tests.core.experiments.sweep.conftest import quick_settings

TABLE = PerTable(
    {
        "awgn": {"bpsk-1/2": -1.0, "qpsk-1/2": 1.5, "qpsk-3/4": 4.0, "16qam-3/4": 10.0},
        "rayleigh": {"bpsk-1/2": 15.0, "qpsk-1/2": 18.0},
    }
)


def test_highest_rate_below_one_percent_fer():
    assert choose_mcs(1.5, "awgn", TABLE) == "qpsk-1/2"  # at the threshold counts
    assert choose_mcs(9.9, "awgn", TABLE) == "qpsk-3/4"
    assert choose_mcs(30.0, "awgn", TABLE) == "16qam-3/4"
    assert choose_mcs(-5.0, "awgn", TABLE) == "bpsk-1/2"  # below every threshold: the most robust
    assert choose_mcs(20.0, "selective", TABLE) == "qpsk-1/2"  # selective uses the rayleigh column
    with pytest.raises(ConfigError, match="no awgn thresholds"):
        choose_mcs(5.0, "awgn", PerTable({"rayleigh": {"qpsk-1/2": 18.0}}))


def test_resolve_mcs_per_point():
    settings = quick_settings(mcs="auto", snrs=(0.0, 5.0, 12.0))
    assert resolve_mcs(settings, TABLE) == {0.0: "bpsk-1/2", 5.0: "qpsk-3/4", 12.0: "16qam-3/4"}
    assert resolve_mcs(quick_settings(mcs="16qam-1/2"), None) == {-8.0: "16qam-1/2", 12.0: "16qam-1/2"}


def test_margin_steps_down_until_the_snr_clears_threshold_plus_margin():
    assert choose_mcs(10.0, "awgn", TABLE, 0.0) == "16qam-3/4"  # exactly at the threshold
    assert choose_mcs(10.0, "awgn", TABLE, 0.5) == "qpsk-3/4"
    assert choose_mcs(10.5, "awgn", TABLE, 0.5) == "16qam-3/4"
    assert choose_mcs(1.9, "awgn", TABLE, 0.5) == "bpsk-1/2"
    assert choose_mcs(-5.0, "awgn", TABLE, 3.0) == "bpsk-1/2"  # below everything: still the most robust
    for bad in (-0.1, 25.0, math.nan):
        with pytest.raises(ConfigError, match="--mcs-margin"):
            choose_mcs(5.0, "awgn", TABLE, bad)


def test_a_margin_is_its_own_mcs_setting_and_needs_auto():
    plain = quick_settings(mcs="auto", snrs=(2.0, 10.0))
    margin = quick_settings(mcs="auto", snrs=(2.0, 10.0), mcs_margin_db=0.5)
    assert plain.mcs_setting == "auto" and margin.mcs_setting == "auto+0.5dB"
    assert resolve_mcs(plain, TABLE) == {2.0: "qpsk-1/2", 10.0: "16qam-3/4"}
    assert resolve_mcs(margin, TABLE) == {2.0: "qpsk-1/2", 10.0: "qpsk-3/4"}
    assert quick_settings(mcs="qpsk-1/2").mcs_setting == "qpsk-1/2"
    with pytest.raises(ConfigError, match="--mcs auto only"):
        quick_settings(mcs="qpsk-1/2", mcs_margin_db=1.0)
    for bad in (-1.0, math.inf, True, "1"):
        with pytest.raises(ConfigError, match="--mcs-margin"):
            quick_settings(mcs="auto", mcs_margin_db=bad)


def test_fer_threshold_interpolates_log_fer():
    points = [{"snr_db": 0.0, "fer": 0.5, "frames": 200}, {"snr_db": 1.0, "fer": 0.1, "frames": 200},
              {"snr_db": 2.0, "fer": 0.001, "frames": 200}, {"snr_db": 3.0, "fer": 0.0, "frames": 200}]
    # between 1 dB (0.1) and 2 dB (0.001): log10 falls 2 per dB, 0.01 is half way
    assert fer_threshold_db(points) == pytest.approx(1.5)
    zero = [{"snr_db": 1.0, "fer": 0.1, "frames": 200}, {"snr_db": 2.0, "fer": 0.0, "frames": 200}]
    # FER 0 counts as 0.5/200 = 0.0025 for the logarithm
    expected = 1.0 + (math.log10(0.01) - math.log10(0.1)) / (math.log10(0.0025) - math.log10(0.1))
    assert fer_threshold_db(zero) == pytest.approx(expected)
    bump = points + [{"snr_db": 4.0, "fer": 0.02, "frames": 200}, {"snr_db": 5.0, "fer": 0.0, "frames": 200}]
    assert fer_threshold_db(bump) == pytest.approx(1.5)  # the first crossing counts, later noise does not
    assert fer_threshold_db([{"snr_db": 0.0, "fer": 0.5, "frames": 10}]) is None
    assert fer_threshold_db([{"snr_db": 7.0, "fer": 0.0, "frames": 10}]) == 7.0


def test_thresholds_are_made_monotone_in_rate():
    raised = monotone_thresholds({"64qam-5/6": 34.0, "qpsk-1/2": 21.0, "64qam-3/4": 42.0, "bpsk-1/2": 19.0})
    assert raised == {"bpsk-1/2": 19.0, "qpsk-1/2": 21.0, "64qam-3/4": 42.0, "64qam-5/6": 42.0}


def test_table_from_runs_and_json_round_trip(tmp_path):
    def run(channel, mcs, fers):
        points = [{"snr_db": float(i), "fer": f, "frames": 100} for i, f in enumerate(fers)]
        record = {"mcs": mcs, "channel": channel, "payload_len": 1024, "points": points}
        (tmp_path / f"{channel}_{mcs.replace('/', '_')}.json").write_text(json.dumps(record))

    run("awgn", "qpsk-1/2", [0.9, 0.1, 0.001])
    run("awgn", "16qam-3/4", [1.0, 1.0, 0.5])  # never below 1 %: left out
    run("rayleigh", "qpsk-1/2", [0.5, 0.05, 0.0])
    run("rayleigh", "16qam-1/2", [0.5, 0.009, 0.0])  # faster, yet below qpsk-1/2 by chance: raised
    (tmp_path / "rayleigh_bpsk-1_2.json").write_text("")  # a run still being written
    table = table_from_runs(tmp_path)
    assert set(table.thresholds["awgn"]) == {"qpsk-1/2"} and table.thresholds["awgn"]["qpsk-1/2"] == pytest.approx(1.5)
    assert "rayleigh" in table.thresholds
    notes = "\n".join(table.notes)
    assert "16qam-3/4: FER never falls to" in notes and "rayleigh bpsk-1/2: unreadable" in notes
    assert "awgn 64qam-5/6: no run" in notes
    assert table.thresholds["rayleigh"]["16qam-1/2"] == table.thresholds["rayleigh"]["qpsk-1/2"]
    assert "rayleigh 16qam-1/2: measured" in notes
    path = tmp_path / "table.json"
    path.write_text(json.dumps(table.to_json()))
    assert load_table(path) == table


def test_shipped_table_loads_and_has_awgn():
    table = load_table()
    column = table.for_channel("awgn")
    assert "qpsk-1/2" in column and column["bpsk-1/2"] < column["qpsk-1/2"]


def test_malformed_tables_refused(tmp_path):
    path = tmp_path / "t.json"
    path.write_text('{"thresholds_db": {"awgn": {"8psk-1/2": 3}}}')
    with pytest.raises(ConfigError):
        load_table(path)
    with pytest.raises(ConfigError):
        load_table(tmp_path / "missing.json")
