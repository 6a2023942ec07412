"""The sweep figure: one panel per channel and MCS setting, one colour per system."""

from __future__ import annotations

import dataclasses

import pytest
from PIL import Image

from ddm_sscc.errors import ConfigError
from ddm_sscc.experiments.sweep.plots import (
    axis_value,
    bound_offset,
    panel_layout,
    plot_exact_rate,
    system_colours,
)
from ddm_sscc.experiments.sweep.rows import TrialRow
from ddm_sscc.experiments.sweep.settings import SYSTEMS
from ddm_sscc.experiments.sweep.summary import summarise, thresholds


def _row(system: str, channel: str, setting: str, snr: float, exact: bool) -> TrialRow:
    return TrialRow("a", 0, system, channel, snr, snr + 8, snr - 2, 0, "qpsk-1/2", setting, 800, 100, 30, 8.0, 900, 0.0, 2,
                    0 if exact else 1, 2 if exact else None, 0, exact, None, 0.1)


def test_panels_are_channels_by_mcs_settings_with_fixed_mcs_first():
    rows = [_row("ddm", "awgn", s, snr, snr > 1) for s in ("auto+1dB", "qpsk-1/2", "auto") for snr in (0.0, 2.0)]
    rows += [_row("raw", "rayleigh", "qpsk-1/2", 30.0, True)]
    assert panel_layout(summarise(rows)) == (["awgn", "rayleigh"], ["qpsk-1/2", "auto", "auto+1dB"])
    assert panel_layout([]) == (["awgn"], [""])


def test_each_system_keeps_one_distinct_colour_whatever_else_is_plotted():
    every = system_colours(list(SYSTEMS))
    assert len(set(every.values())) == len(SYSTEMS)
    assert system_colours(["raw", "png"]) == {"raw": every["raw"], "png": every["png"]}
    assert system_colours(["mine", "ddm"])["ddm"] == every["ddm"]


def test_the_figure_grows_with_the_panels(tmp_path):
    one = [_row(s, "awgn", "qpsk-1/2", snr, snr > 1) for s in ("ddm", "png") for snr in (0.0, 2.0)]
    three = one + [dataclasses.replace(r, mcs_setting=m) for m in ("auto", "auto+1dB") for r in one]
    sizes = []
    for name, rows in (("one", one), ("three", three)):
        points = summarise(rows)
        out = plot_exact_rate(points, thresholds(points), [], tmp_path / f"{name}.png")
        with Image.open(out) as image:
            sizes.append(image.size)
    assert sizes[1][0] > 2 * sizes[0][0] and sizes[1][1] == sizes[0][1]  # three columns, one row


def test_the_x_axis_is_ours_the_papers_or_the_snr(tmp_path):
    rows = [_row("ddm", "fast-rayleigh", "qpsk-1/2", snr, snr > 1) for snr in (0.0, 2.0)]
    points = summarise(rows)
    high = max(points, key=lambda p: p.snr_db)
    assert [axis_value(high, a) for a in ("unified", "paper", "snr")] == [10.0, 0.0, 2.0]
    assert bound_offset(points, "paper", "qpsk-1/2") == pytest.approx(-10.0)
    assert bound_offset(points, "snr", "qpsk-1/2") == pytest.approx(-8.0)
    assert bound_offset(points, "unified", "none-used") == 0.0
    for axis in ("unified", "paper", "snr"):
        out = plot_exact_rate(points, thresholds(points), [], tmp_path / f"{axis}.png", snr_axis=axis)
        assert out.read_bytes()[:4] == b"\x89PNG"
    with pytest.raises(ConfigError, match="--snr-axis"):
        plot_exact_rate(points, thresholds(points), [], tmp_path / "bad.png", snr_axis="db")
