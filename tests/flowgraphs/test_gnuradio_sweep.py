"""`ddm-sscc sweep --through-gnuradio`: the same DDM trials through the ZeroMQ flowgraphs agree with the core."""

from __future__ import annotations

import pytest

pytest.importorskip("gnuradio", reason="GNU Radio's Python bindings are not installed")

from ddm_sscc.image_io import save_image  # noqa: E402
from tests.conftest import real_image, run_cli  # noqa: E402

pytestmark = pytest.mark.gnuradio


def test_core_and_flowgraphs_agree(tmp_path):
    images = tmp_path / "images"
    images.mkdir()
    save_image(images / "a.png", real_image(32, 40, 3))
    out = tmp_path / "results"
    common = ["--dataset", str(images), "--snr=-2:6:8", "--systems", "ddm", "--max-payload", "200", "-o", str(out)]
    core = run_cli("sweep", *common, "--workers", "1")
    assert core.returncode == 0, core.stderr
    gr = run_cli("sweep", *common, "--through-gnuradio")
    assert gr.returncode == 0, gr.stderr
    table = (out / "gnuradio_agreement.md").read_text()
    # −2 dB: nothing arrives either way; 6 dB: everything does, both ways
    assert "| awgn | -2 | 1 | 0.00 | 1 | 0.00 |" in table
    assert "| awgn | 6 | 1 | 1.00 | 1 | 1.00 |" in table
    # resumed: a second run adds no trial
    again = run_cli("sweep", *common, "--through-gnuradio")
    assert again.returncode == 0, again.stderr
    assert (out / "gnuradio_rows.csv").read_text().count("\n") == 3


def test_through_gnuradio_refuses_other_systems(tmp_path):
    save_image(tmp_path / "a.png", real_image(16, 16, 3))
    proc = run_cli("sweep", "--dataset", str(tmp_path), "--snr", "0:2:1", "--systems", "png", "--through-gnuradio",
                   "-o", str(tmp_path / "r"))  # fmt: skip
    assert proc.returncode == 1
    assert proc.stderr.count("\n") == 1 and "--systems ddm" in proc.stderr
