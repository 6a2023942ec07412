"""The sweep figure: one panel per channel and MCS setting, one colour per system."""

from __future__ import annotations

import dataclasses

from PIL import Image

from ddm_sscc.experiments.sweep.plots import panel_layout, plot_exact_rate, system_colours
from ddm_sscc.experiments.sweep.rows import TrialRow
from ddm_sscc.experiments.sweep.settings import SYSTEMS
from ddm_sscc.experiments.sweep.summary import summarise, thresholds


def _row(system: str, channel: str, setting: str, snr: float, exact: bool) -> TrialRow:
    return TrialRow("a", 0, system, channel, snr, snr + 8, 0, "qpsk-1/2", setting, 800, 100, 8.0, 900, 2,
                    0 if exact else 1, 0, exact, None, 0.1)


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
