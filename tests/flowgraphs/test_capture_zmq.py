"""`ddm-sscc capture --radio zmq`: record the output of the ZMQ channel flowgraph, then replay it."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import numpy as np
import pytest

pytest.importorskip("gnuradio", reason="GNU Radio's Python bindings are not installed")

from ddm_sscc.image_io import load_image, save_image  # noqa: E402
from ddm_sscc.link.flowgraph_process import FlowgraphProcess  # noqa: E402
from ddm_sscc.link.flowgraphs import compile_flowgraph, grc_env  # noqa: E402
from ddm_sscc.link.zmq_link import free_port  # noqa: E402
from tests.conftest import REPO, real_image, run_cli  # noqa: E402

pytestmark = pytest.mark.gnuradio


def test_capture_from_the_channel_flowgraph_replays_exactly(tmp_path):
    image = tmp_path / "photo.png"
    save_image(image, real_image(40, 56, 3))
    a, b = f"tcp://127.0.0.1:{free_port()}", f"tcp://127.0.0.1:{free_port()}"
    env = grc_env()
    tx = [sys.executable, str(compile_flowgraph("tx_zmq")), "--image", str(image), "--max-payload", "300", "--address", a]
    ch = [sys.executable, str(compile_flowgraph("channel_zmq")), "--in-address", a, "--out-address", b,
          "--snr-db=18", "--cfo-hz=7000", "--seed", "4"]  # fmt: skip
    procs = [FlowgraphProcess("channel", ch, tmp_path, env)]
    # capture subscribes to the channel's PUB socket, the air: what goes out while nobody
    # listens is lost, so it starts before the TX (which then needs a few seconds to code)
    capture = subprocess.Popen(
        [sys.executable, "-m", "ddm_sscc", "capture", "--radio", "zmq", "--address", b, "--seconds", "1.0",
         "-o", str(tmp_path / "zmq"), "--json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO,
    )  # fmt: skip
    try:
        time.sleep(3.0)  # the capture's interpreter starts and connects
        procs.append(FlowgraphProcess("tx", tx, tmp_path, env))
        out, err = capture.communicate(timeout=120)
    finally:
        capture.kill()
        for p in procs:
            p.stop()
    assert capture.returncode == 0, err + "".join(p.last_line() for p in procs)
    record = json.loads(out)
    assert record["bursts_ok"] >= 1
    out = tmp_path / "rx.png"
    rep = run_cli("replay", str(tmp_path / "zmq.sigmf-meta"), "-o", str(out), "--json")
    summary = json.loads(rep.stdout)
    assert rep.returncode == 0, summary
    np.testing.assert_array_equal(load_image(out).pixels, real_image(40, 56, 3))
    assert summary["rx_cfo_estimate_hz"] == pytest.approx(7000, abs=300)
