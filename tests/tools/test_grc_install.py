"""`make grc-install` (tools/grc_install.sh) into a throw-away HOME."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.skipif(not Path("/usr/bin/python3").exists(), reason="needs Debian's /usr/bin/python3")


def _run(home: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(REPO / "tools" / "grc_install.sh"), *args],
        capture_output=True,
        text=True,
        env=os.environ | {"HOME": str(home), "VENV": str(REPO / ".venv")} | env,
        timeout=60,
    )


def test_install_puts_blocks_and_path_in_place_and_uninstall_removes_them(tmp_path):
    proc = _run(tmp_path)
    assert proc.returncode == 0, proc.stderr
    ymls = sorted(p.name for p in (REPO / "ddm_blocks" / "grc").glob("*.yml"))
    assert sorted(p.name for p in (tmp_path / ".grc_gnuradio").iterdir()) == ymls
    pth = next(tmp_path.glob(".local/lib/python3*/site-packages/ddm_sscc.pth"))
    lines = pth.read_text().splitlines()
    assert lines[0] == str(REPO)
    # Debian's interpreter (what a plain gnuradio-companion runs flowgraphs with) now finds the blocks
    check = subprocess.run(
        ["/usr/bin/python3", "-c", "import ddm_blocks, ddm_sscc; print(ddm_blocks.__file__)"],
        capture_output=True,
        text=True,
        env=os.environ | {"HOME": str(tmp_path)},
        timeout=120,
    )
    assert check.returncode == 0, check.stderr
    assert str(REPO) in check.stdout
    proc = _run(tmp_path, "--uninstall")
    assert proc.returncode == 0
    assert not pth.exists() and not list((tmp_path / ".grc_gnuradio").iterdir())


def test_install_refuses_to_replace_a_different_file(tmp_path):
    dest = tmp_path / ".grc_gnuradio"
    dest.mkdir()
    mine = dest / "ddm_ofdm_tx.block.yml"
    mine.write_text("# my own edits\n")
    proc = _run(tmp_path)
    assert proc.returncode == 1
    assert "FORCE=1" in proc.stderr
    assert mine.read_text() == "# my own edits\n"
    assert _run(tmp_path, FORCE="1").returncode == 0
    assert mine.read_text() != "# my own edits\n"
