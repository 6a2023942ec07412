"""`ddm-sscc link`: three real flowgraph processes joined by ZeroMQ on 127.0.0.1."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("gnuradio", reason="GNU Radio's Python bindings are not installed")

from ddm_sscc.image_io import load_image, save_image  # noqa: E402
from tests.conftest import REPO, real_image, run_cli  # noqa: E402

pytestmark = pytest.mark.gnuradio


@pytest.fixture(scope="module")
def photo(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("link") / "photo.png"
    save_image(path, real_image(48, 64, 3))
    return path


def _children_of(tag: str) -> list[int]:
    """PIDs of live flowgraph processes started with ``DDM_TEST_TAG=tag`` in their environment."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmd = (entry / "cmdline").read_bytes()
            env = (entry / "environ").read_bytes()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if b"_zmq.py" in cmd and f"DDM_TEST_TAG={tag}".encode() in env.split(b"\0") and state != "Z":
            pids.append(int(entry.name))
    return pids


def _default_sigint() -> None:
    # a shell's background job (nohup make test &) starts with SIGINT ignored, and children
    # inherit that: give the CLI Python's usual Ctrl-C handling, as a terminal would
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _tagged_cli(tag: str, *args: str) -> subprocess.Popen:
    env = os.environ | {"DDM_TEST_TAG": tag}
    return subprocess.Popen(
        preexec_fn=_default_sigint,
        args=[sys.executable, "-m", "ddm_sscc", "link", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env=env,
    )


def test_link_recovers_the_image_exactly(photo, tmp_path):
    out = tmp_path / "rx.png"
    proc = run_cli("link", str(photo), "--snr", "12", "--cfo-hz", "4000", "--max-payload", "300", "-o", str(out), "--json")
    assert proc.returncode == 0, proc.stderr
    record = json.loads(proc.stdout)
    for key in ("exact", "frames_sent", "frames_received", "frames_lost", "bpsp", "snr_db", "snr_unified_db", "seconds"):
        assert key in record
    assert record["exact"] is True
    assert record["frames_sent"] == record["frames_received"] > 1
    assert record["frames_lost"] == 0
    assert record["snr_db"] == 12.0
    # unified SNR charges every burst sample to the 48·64·3 sub-pixels
    assert record["snr_unified_db"] == pytest.approx(12.0 + 10 * np.log10(record["n_channel_uses"] / (48 * 64 * 3)))
    np.testing.assert_array_equal(load_image(out).pixels, real_image(48, 64, 3))


def test_the_fast_setting_crosses_the_link(photo, tmp_path):
    """--model/--steps/--calibration reach the TX flowgraph's encoder: the bpsp is the core's."""
    from ddm_sscc.link.image_frames import encode_image_frames

    fast = ["--model", "ddm-featmlp-compact-v1", "--steps", "16", "--calibration", "offline"]
    out = tmp_path / "rx.png"
    proc = run_cli("link", str(photo), "--snr", "15", *fast, "-o", str(out), "--json")
    assert proc.returncode == 0, proc.stderr
    record = json.loads(proc.stdout)
    coded = encode_image_frames(str(photo), model="ddm-featmlp-compact-v1", steps=16, calibration="offline")
    assert record["exact"] is True and record["bpsp"] == pytest.approx(coded.bpsp)
    np.testing.assert_array_equal(load_image(out).pixels, real_image(48, 64, 3))


def test_repair_frames_follow_the_source_frames(photo, tmp_path):
    out = tmp_path / "rx.png"
    proc = run_cli("link", str(photo), "--snr", "15", "--max-payload", "200", "--repair", "0.5", "-o", str(out), "--json")
    assert proc.returncode == 0, proc.stderr
    record = json.loads(proc.stdout)
    k = record["source_symbols"]
    assert k > 2 and record["repair"] == 0.5
    assert record["frames_sent"] == k + math.ceil(0.5 * k)
    assert k <= record["frames_needed"] <= record["frames_received"]
    np.testing.assert_array_equal(load_image(out).pixels, real_image(48, 64, 3))


def test_carousel_receiver_started_5_s_late_recovers_the_image(photo, tmp_path):
    """Issue 16: one-way broadcast.  The channel publishes like the air, so the RX, started 5 s
    after the TX began sending, never hears the source frames and decodes from repair frames."""
    out = tmp_path / "rx.png"
    proc = run_cli(
        "link", str(photo), "--snr", "15", "--max-payload", "200", "--carousel", "--frame-rate", "25",
        "--rx-delay", "5", "-o", str(out), "--json",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    record = json.loads(proc.stdout)
    k = record["source_symbols"]
    assert record["exact"] is True and record["rx_delay"] == 5.0
    assert record["missing"] == list(range(k))  # every source frame went by before the RX listened
    assert record["frames_sent"] >= 5 * 25 * 0.8 > k
    assert k <= record["frames_needed"] <= k + 3
    np.testing.assert_array_equal(load_image(out).pixels, real_image(48, 64, 3))


def test_carousel_nobody_hears_ends_at_the_timeout(photo, tmp_path):
    out = tmp_path / "rx.png"
    proc = run_cli(
        "link", str(photo), "--carousel", "--rx-delay", "600", "--timeout", "8", "-o", str(out), "--json",
    )  # fmt: skip
    # 8 s: the transmitter must have coded the image first (a 48 x 64 image codes with both of the
    # default's models, the small one at three T: 4.4 s with both cores busy), else the link times
    # out before it with an error and no record
    assert proc.returncode == 1, proc.stderr
    record = json.loads(proc.stdout)
    assert record["exact"] is False and "timed out" in record["error"]
    assert record["frames_sent"] > 0 and record["frames_received"] == 0
    assert not out.exists()


def test_link_leaves_no_process_behind(photo, tmp_path):
    tag = f"done-{os.getpid()}-{time.monotonic_ns()}"
    proc = _tagged_cli(tag, str(photo), "--snr", "15", "-o", str(tmp_path / "rx.png"))
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    assert not _children_of(tag)


def test_link_over_rayleigh_summary_text(photo, tmp_path):
    out = tmp_path / "rx.png"
    proc = run_cli("link", str(photo), "--channel", "rayleigh", "--snr", "30", "--seed", "2", "-o", str(out))
    assert proc.returncode in (0, 1), proc.stderr  # a deep fade may lose a frame: then exit 1, no image
    assert "frames:" in proc.stdout and "unified SNR" in proc.stdout and "exact recovery:" in proc.stdout
    assert out.exists() == (proc.returncode == 0)


def test_hopeless_snr_reports_losses_and_writes_nothing(photo, tmp_path):
    out = tmp_path / "rx.png"
    proc = run_cli("link", str(photo), "--snr=-10", "--idle-timeout", "3", "-o", str(out), "--json")
    assert proc.returncode == 1
    record = json.loads(proc.stdout)
    assert record["exact"] is False
    assert record["frames_lost"] == record["frames_sent"] - record["frames_received"] > 0
    assert record["error"]
    assert not out.exists()


def test_existing_output_is_kept_without_force(photo, tmp_path):
    out = tmp_path / "rx.png"
    out.write_bytes(b"precious")
    proc = run_cli("link", str(photo), "-o", str(out))
    assert proc.returncode == 1
    assert proc.stderr.count("\n") == 1 and "exists" in proc.stderr
    assert out.read_bytes() == b"precious"


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--mcs", "qpsk-7/8"], "mcs"),
        (["--channel", "selective", "--profile", "XYZ"], "profile"),
        (["--snr", "loud"], "snr"),
        (["--repair=-0.5"], "repair"),
        (["--repair", "nan"], "repair"),
        (["--repair", "11"], "repair"),
        (["--carousel", "--frame-rate", "0"], "frame rate"),
        (["--calibration", "sometimes"], "calibration"),
    ],
)
def test_bad_settings_fail_in_one_line(photo, tmp_path, args, needle):
    proc = run_cli("link", str(photo), "-o", str(tmp_path / "rx.png"), *args)
    assert proc.returncode in (1, 2)
    assert "Traceback" not in proc.stderr
    assert needle in proc.stderr.lower()
    assert not (tmp_path / "rx.png").exists()


def test_missing_image_fails_before_starting_anything(tmp_path):
    proc = run_cli("link", str(tmp_path / "nope.png"), "-o", str(tmp_path / "rx.png"))
    assert proc.returncode == 1
    assert proc.stderr.startswith("ddm-sscc: error:") and "nope.png" in proc.stderr


def test_ctrl_c_stops_all_three_processes(tmp_path):
    out = tmp_path / "rx.png"
    big = tmp_path / "big.png"
    save_image(big, load_image("builtin:astronaut").pixels)  # seconds to code: time to interrupt
    tag = f"ctrl-c-{os.getpid()}-{time.monotonic_ns()}"
    proc = _tagged_cli(tag, str(big), "-o", str(out), "--snr", "20")
    try:
        deadline = time.monotonic() + 30
        # wait for exactly three: a flowgraph forking a helper shows its command line for a moment too
        running = 0
        while time.monotonic() < deadline and proc.poll() is None:
            running = len(_children_of(tag))
            if running == 3:
                break
            time.sleep(0.2)
        assert running == 3, f"the three flowgraphs did not start ({running} seen): {proc.poll()}"
        time.sleep(1.0)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        leftovers = _children_of(tag)
        for pid in leftovers:  # never leave flowgraphs running after a failed test
            os.kill(pid, signal.SIGKILL)
    assert not leftovers
    assert proc.returncode == 130, err
    assert "interrupted" in err
    assert not out.exists()
