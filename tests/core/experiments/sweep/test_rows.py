"""rows.csv: the paper's axis and the repair fraction in each row; files of frame format 1 refused."""

from __future__ import annotations

import math

import pytest

from ddm_sscc.errors import ConfigError
from ddm_sscc.experiments.sweep.rows import (
    TrialRow,
    read_rows,
    write_rows,
)
from ddm_sscc.experiments.sweep.tasks import TrialTask
from tests.core.experiments.sweep.conftest import make_legacy_rows_file


def _task(image: str = "a.png", pixels: int = 12 * 16) -> TrialTask:
    return TrialTask(image, 0, "raw", "awgn", 5.0, 0, "qpsk-1/2", "qpsk-1/2", pixels)


def _row(image: str = "a.png", pixels: int = 12 * 16, subpixels: int = 12 * 16 * 3) -> TrialRow:
    return TrialRow.of_trial(
        _task(image, pixels), mcs="qpsk-1/2", subpixels=subpixels, n_cu=40_000, source_bits=4608,
        bpsp=8.0, repair=0.0, frames_sent=1, frames_lost=0, frames_needed=1, fading_blocks=0, exact=True,
        psnr=None, seconds=0.5,
    )  # fmt: skip


def test_a_row_carries_both_unified_axes():
    row = _row()
    assert row.pixels == 192
    assert row.snr_unified_db == pytest.approx(5.0 + 10 * math.log10(40_000 / 576))
    assert row.snr_paper_db == pytest.approx(5.0 + 10 * math.log10(40_000 / (32 * 192)))
    assert row.snr_unified_db - row.snr_paper_db == pytest.approx(10 * math.log10(32 / 3))


def test_a_task_needs_a_positive_pixel_count():
    for bad in (0, -4, 1.5, True, None):
        with pytest.raises(ConfigError, match="pixels"):
            _task(pixels=bad)


def _legacy_file(path, rows, torn: bool = False) -> None:
    """``rows`` as a rows.csv from before the paper's axis, its last line torn if ``torn``."""
    write_rows(path, rows)
    make_legacy_rows_file(path)
    if torn:
        with path.open("a") as handle:
            handle.write("b.pn")


def test_a_rows_file_of_frame_format_1_is_refused_in_one_line(tmp_path):
    path = tmp_path / "rows.csv"
    _legacy_file(path, [_row(), _row("b.png", 100, 100)], torn=True)
    with pytest.raises(ConfigError, match="frame format 1") as info:
        read_rows(path)
    assert "\n" not in str(info.value) and "new results directory" in str(info.value)


def test_current_rows_round_trip(tmp_path):
    rows = [_row(), _row("b.png", 100, 100)]
    write_rows(tmp_path / "rows.csv", rows)
    assert read_rows(tmp_path / "rows.csv") == rows
