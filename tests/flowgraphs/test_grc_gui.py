"""GNU Radio Companion itself opens every flowgraph, under a virtual X server.

This is what ``make grc`` does on a user's machine: GRC with ``GRC_BLOCKS_PATH`` set to
``ddm_blocks/grc``.  On a fresh Debian machine it needs the GTK introspection data
(``gir1.2-gtk-3.0``), which ``tools/bootstrap.sh`` installs, and the test needs Xvfb
(Debian ``xvfb``, also installed there).  A screenshot of GRC with all flowgraphs open
is left in the test's temporary folder (its path is printed with ``pytest -s``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

import pytest

from tests.flowgraphs.grc_paths import BLOCKS_GRC, FLOWGRAPHS

pytestmark = pytest.mark.gnuradio

GRC = shutil.which("gnuradio-companion")
XVFB = shutil.which("Xvfb")
LOAD_SECONDS = 60


@pytest.fixture
def display():
    """A private Xvfb screen: ``:N`` (Xvfb picks a free N and writes it to a pipe)."""
    assert XVFB, "Xvfb not found: install Debian's xvfb (tools/bootstrap.sh does)"
    read, write = os.pipe()
    server = subprocess.Popen([XVFB, "-displayfd", str(write), "-screen", "0", "1600x1000x24", "-nolisten", "tcp"],
                              pass_fds=(write,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write)
    with os.fdopen(read) as pipe:
        number = pipe.readline().strip()
    assert number, "Xvfb did not start"
    yield f":{number}"
    server.terminate()
    server.wait(timeout=10)


def _screenshot(display: str, path) -> tuple[int, int]:
    script = (
        "import sys, gi; gi.require_version('Gdk', '3.0'); from gi.repository import Gdk; "
        "w = Gdk.get_default_root_window(); "
        "p = Gdk.pixbuf_get_from_window(w, 0, 0, w.get_width(), w.get_height()); "
        "p.savev(sys.argv[1], 'png', [], []); print(p.get_width(), p.get_height())"
    )
    out = subprocess.run([sys.executable, "-c", script, str(path)], env=os.environ | {"DISPLAY": display},
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    width, height = out.stdout.split()
    return int(width), int(height)


def test_companion_opens_every_flowgraph_with_the_ddm_blocks(display, tmp_path):
    assert GRC, "gnuradio-companion not found (install Debian's gnuradio)"
    flowgraphs = sorted(FLOWGRAPHS.glob("*.grc"))
    log = tmp_path / "grc.log"
    env = os.environ | {"DISPLAY": display, "GRC_BLOCKS_PATH": str(BLOCKS_GRC), "NO_AT_BRIDGE": "1"}
    with open(log, "w") as handle:
        grc = subprocess.Popen([sys.executable, GRC, *map(str, flowgraphs)], stdout=handle, stderr=subprocess.STDOUT,
                               env=env, cwd=tmp_path)
    try:
        deadline = time.monotonic() + LOAD_SECONDS
        while time.monotonic() < deadline and grc.poll() is None and log.read_text().count(">>> Done") < len(flowgraphs):
            time.sleep(0.5)
        time.sleep(2)  # let the window draw
        text = log.read_text()
        assert grc.poll() is None, f"GNU Radio Companion exited ({grc.returncode}):\n{text}"
        assert text.count(">>> Done") == len(flowgraphs), text
        assert str(BLOCKS_GRC) in text, text  # our block definitions are on GRC's path
        for bad in ("Traceback", "Error", "not found", "Namespace Gtk not available", "Failed"):
            assert bad not in text, text
        shot = tmp_path / "grc.png"
        size = _screenshot(display, shot)
        print(f"GRC screenshot: {shot} {size}")
        from PIL import Image

        with Image.open(shot) as image:
            colours = image.convert("RGB").getcolors(maxcolors=1 << 16)
        assert colours is None or len(colours) > 20, "the screen is blank: GRC drew no window"
    finally:
        grc.terminate()
        try:
            grc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            grc.kill()


def test_platform_lists_every_ddm_block():
    """The block tree GRC builds from GRC_BLOCKS_PATH holds every ddm_blocks/grc definition."""
    from gnuradio import gr
    from gnuradio.grc.core.platform import Platform

    platform = Platform(version=gr.version(), version_parts=(3, 10, 5), prefs=gr.prefs())
    platform.build_library([str(BLOCKS_GRC), *platform.config.block_paths])
    ours = {p.stem.removesuffix(".block") for p in BLOCKS_GRC.glob("*.block.yml")}
    assert ours and ours <= set(platform.blocks), ours - set(platform.blocks)
