"""Summaries and exact-recovery thresholds."""

from __future__ import annotations

import pytest

from ddm_sscc.experiments.sweep.rows import TrialRow
from ddm_sscc.experiments.sweep.summary import exact_threshold, summarise, thresholds


def test_threshold_is_the_lowest_point_from_which_every_higher_one_is_perfect():
    assert exact_threshold([(0, 0.0), (1, 0.5), (2, 1.0), (3, 1.0)]) == 2
    assert exact_threshold([(0, 1.0), (1, 0.5), (2, 1.0), (3, 1.0)]) == 2  # a dip resets it
    assert exact_threshold([(3, 1.0), (0, 1.0), (2, 1.0), (1, 1.0)]) == 0  # order does not matter
    assert exact_threshold([(0, 0.0), (1, 1.0), (2, 0.9)]) is None  # the top point is not perfect
    assert exact_threshold([]) is None


def _row(system, snr, exact, image="a", trial=0, unified=None, lost=0, psnr=None):
    digital = system != "deepjscc"
    return TrialRow(image, 0, system, "awgn", snr, snr + 3 if unified is None else unified,
                    (snr + 3 if unified is None else unified) - 10.0, trial,
                    "qpsk-1/2" if digital else "", "qpsk-1/2", 800 if digital else None, 100, 30,
                    8.0 if digital else None, 200, 0.0, 2 if digital else 0, lost, None, 0, exact, psnr, 0.1)


def test_summarise_rates_means_and_thresholds():
    rows = [_row("raw", 0.0, False, lost=2), _row("raw", 0.0, False, image="b", lost=1),
            _row("raw", 1.0, True, unified=4.0), _row("raw", 1.0, True, image="b", unified=5.0),
            _row("raw", 2.0, True), _row("raw", 2.0, True, image="b"),
            _row("deepjscc", 0.0, False, psnr=20.0), _row("deepjscc", 0.0, False, image="b", psnr=22.0)]
    points = summarise(rows)
    raw = {p.snr_db: p for p in points if p.system == "raw"}
    assert raw[0.0].trials == 2 and raw[0.0].exact_rate == 0.0 and raw[0.0].frame_loss_rate == pytest.approx(0.75)
    assert raw[1.0].exact_rate == 1.0 and raw[1.0].mean_snr_unified_db == pytest.approx(4.5)
    assert raw[1.0].threshold_snr_db == 1.0 and raw[1.0].threshold_unified_db == pytest.approx(4.5)
    assert raw[1.0].mean_snr_paper_db == pytest.approx(-5.5) and raw[0.0].threshold_paper_db == pytest.approx(-5.5)
    assert raw[0.0].threshold_snr_db == 1.0  # repeated on every point of the system
    assert raw[0.0].mean_bpsp == 8.0 and raw[0.0].mean_psnr is None and raw[0.0].mcs == "qpsk-1/2"
    jscc = next(p for p in points if p.system == "deepjscc")
    assert jscc.mean_psnr == pytest.approx(21.0) and jscc.frame_loss_rate is None and jscc.mean_bpsp is None
    assert jscc.threshold_snr_db is None
    limits = {t.system: t for t in thresholds(points)}
    assert limits["raw"].snr_db == 1.0 and limits["raw"].mcs == "qpsk-1/2"
    assert limits["raw"].paper_db == pytest.approx(-5.5) and limits["deepjscc"].paper_db is None
    assert limits["deepjscc"].snr_db is None and limits["deepjscc"].highest_rate == 0.0
