"""`ddm-sscc capture --radio sim` and `ddm-sscc replay`: a recording made and played back by the CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest

from ddm_sscc.image_io import load_image, save_image
from ddm_sscc.recording.sigmf_recording import read_recording
from tests.conftest import REPO, real_image, run_cli

CHANNELS = str(REPO / "radio_config" / "channels.yaml")


@pytest.fixture(scope="module")
def recording(tmp_path_factory):
    root = tmp_path_factory.mktemp("capture")
    image = root / "photo.png"
    save_image(image, real_image(40, 56, 3))
    base = root / "sim"
    proc = run_cli("capture", "--radio", "sim", "--image", str(image), "--channels", CHANNELS,
                   "--profile", "pluto-like", "--seed", "5", "-o", str(base), "--json")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return base, json.loads(proc.stdout)


def test_capture_writes_an_annotated_recording(recording):
    base, record = recording
    rec = read_recording(str(base) + ".sigmf-meta")
    assert record["bursts"] == record["bursts_ok"] == len(rec.annotations) > 1
    assert rec.sample_rate == 2e6
    assert rec.global_info["ddm_sscc:image_sha256"] == record["image_sha256"]
    ids = sorted(a.get("ddm_sscc:symbol_id") for a in rec.annotations)
    assert ids == list(range(len(ids)))
    assert {a.get("ddm_sscc:source_symbols") for a in rec.annotations} == {len(ids)}  # no repair: K frames


def test_replay_recovers_the_image(recording, tmp_path):
    base, record = recording
    out = tmp_path / "rx.png"
    proc = run_cli("replay", str(base) + ".sigmf-meta", "-o", str(out), "--json")
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["exact"] and summary["frames_lost"] == 0
    np.testing.assert_array_equal(load_image(out).pixels, real_image(40, 56, 3))


def test_capture_refuses_to_overwrite(recording):
    base, _ = recording
    before = (base.parent / "sim.sigmf-data").read_bytes()
    proc = run_cli("capture", "--radio", "sim", "--image", "builtin:camera", "-o", str(base))
    assert proc.returncode == 1 and "exists" in proc.stderr
    assert (base.parent / "sim.sigmf-data").read_bytes() == before


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--radio", "sim"], "--image"),
        (["--radio", "sim", "--image", "builtin:camera", "--profile", "nope"], "nope"),
        (["--radio", "zmq", "--seconds", "0"], "--seconds"),
        (["--radio", "zmq", "--address", "tcp://10.1.2.3:5000", "--seconds", "0.1"], "not on this machine"),
    ],
)
def test_bad_capture_settings_fail_in_one_line(tmp_path, args, needle):
    proc = run_cli("capture", *args, "--channels", CHANNELS, "-o", str(tmp_path / "x"))
    assert proc.returncode == (2 if "0" in args else 1)  # a bad number is refused as a usage error
    assert needle in proc.stderr and proc.stderr.count("\n") == 1
    assert not list(tmp_path.iterdir())
