"""replay_recording: a recording → the exact image and the summary ``link`` prints."""

from __future__ import annotations

import json

import numpy as np
import pytest

from ddm_sscc.channel.snr import unified_snr_db
from ddm_sscc.codec.tokens import pixel_sha256
from ddm_sscc.errors import ImageError, OutputExistsError, RecordingError
from ddm_sscc.image_io import load_image
from ddm_sscc.link.summary import LinkSummary
from ddm_sscc.recording import read_recording, replay_recording, simulate_capture, write_recording
from tests.conftest import real_image
from tests.core.recording.conftest import PLUTO_LIKE, Capture, make_capture, write_capture


def test_replay_recovers_the_image(tmp_path, capture):
    meta = write_capture(tmp_path / "c", capture)
    out = tmp_path / "out.png"
    summary = replay_recording(meta, out)
    assert isinstance(summary, LinkSummary)
    assert summary.exact and summary.error is None and summary.output == str(out)
    np.testing.assert_array_equal(load_image(out).pixels, capture.pixels)
    info = capture.info
    assert (summary.frames_sent, summary.frames_received, summary.frames_lost) == (info["frames"], info["frames"], 0)
    assert summary.missing == () and summary.transmissions == 1 and summary.mcs == "qpsk-1/2"
    assert summary.bpsp == pytest.approx(info["bpsp"]) and summary.subpixels == info["subpixels"]
    assert summary.n_channel_uses == info["n_channel_uses"]
    # the simulated capture's metadata records the channel SNR: snr_db and the unified SNR follow from it
    assert summary.snr_db == 18.0
    assert summary.snr_unified_db == pytest.approx(unified_snr_db(18.0, info["n_channel_uses"], info["subpixels"]))
    extra = summary.extra
    assert extra["snr_source"] == "metadata" and extra["session_id"] == info["session_id"]
    assert 10 < extra["rx_snr_estimate_db"] < 25 and extra["rx_cfo_estimate_hz"] == pytest.approx(20e3, abs=1000)
    assert extra["image_sha256"] == info["image_sha256"] and extra["metadata_sha256_match"] is True
    assert extra["resample"] == "1/1" and extra["sessions"] == 1 and extra["bursts_detected"] == info["frames"]
    assert json.loads(summary.to_json())["exact"] is True


def test_never_overwrites_the_output_without_force(tmp_path, capture):
    meta = write_capture(tmp_path / "c", capture)
    out = tmp_path / "out.png"
    out.write_bytes(b"mine")
    with pytest.raises(OutputExistsError, match="exists"):
        replay_recording(meta, out)
    assert out.read_bytes() == b"mine"
    with pytest.raises(ImageError, match="lossless"):
        replay_recording(meta, tmp_path / "out.jpg")
    assert replay_recording(meta, out, force=True).exact
    assert load_image(out).pixels.shape == capture.pixels.shape


def test_resampled_recording(tmp_path, capture_2m5):
    meta = write_capture(tmp_path / "c", capture_2m5, datatype="cf32_le")
    assert read_recording(meta).sample_rate == 2.5e6
    summary = replay_recording(meta, tmp_path / "out.png")
    assert summary.exact and summary.frames_lost == 0
    assert summary.extra["resample"] == "4/5" and summary.extra["resample_error_ppm"] == 0
    assert pixel_sha256(load_image(tmp_path / "out.png").pixels).hex() == capture_2m5.info["image_sha256"]


def test_lost_frame_writes_nothing(tmp_path, capture):
    samples = capture.samples.copy()
    burst = capture.info["bursts"][2]
    samples[burst["start"] : burst["start"] + burst["count"]] = 0  # burst 2 never arrived
    meta = write_capture(tmp_path / "c", Capture(capture.pixels, samples, capture.info, 2e6))
    out = tmp_path / "out.png"
    summary = replay_recording(meta, out)
    assert not summary.exact and not out.exists() and summary.output is None
    assert summary.frames_sent == capture.info["frames"] and summary.frames_lost == 1 and summary.missing == (2,)
    k = capture.info["source_symbols"]
    assert summary.error == f"{k - 1} intact symbols of K={k}: too few to rebuild the stream"
    assert (summary.source_symbols, summary.frames_needed, summary.repair) == (k, None, 0.0)
    # burst 2's header is gone with it: n_channel_uses and bpsp come from ddm_sscc:source
    assert summary.n_channel_uses == capture.info["n_channel_uses"] and summary.bpsp == capture.info["bpsp"]
    json.loads(summary.to_json())


def test_repair_frames_stand_in_for_lost_ones(tmp_path):
    """With R = 1, wiping a third of the bursts (source ones among them) still gives the exact image."""
    pixels = real_image(16, 24, 3)
    samples, info = simulate_capture(
        pixels, PLUTO_LIKE, max_payload=128, gap=(500, 1500), lead=2000, seed=7, repair=1.0
    )
    k, frames = info["source_symbols"], info["frames"]
    assert k >= 4 and frames == 2 * k
    assert [b["symbol_id"] for b in info["bursts"]] == list(range(frames))
    samples = samples.copy()
    lost = [0, 2] + list(range(k + 1, frames, 3))  # source symbols 0 and 2, and every third repair one
    assert frames - len(lost) >= k + 2
    for i in lost:
        burst = info["bursts"][i]
        samples[burst["start"] : burst["start"] + burst["count"]] = 0
    meta = write_capture(tmp_path / "c", Capture(pixels, samples, info, 2e6))
    summary = replay_recording(meta, tmp_path / "out.png")
    assert summary.exact, summary.error
    np.testing.assert_array_equal(load_image(tmp_path / "out.png").pixels, pixels)
    assert summary.frames_received == frames - len(lost) and summary.missing == (0, 2)
    assert (summary.source_symbols, summary.repair) == (k, 1.0)
    assert k <= summary.frames_needed <= k + 2 and summary.frames_sent == frames


def test_noise_only_recording(tmp_path):
    rng = np.random.default_rng(3)
    noise = ((rng.standard_normal(30_000) + 1j * rng.standard_normal(30_000)) * 0.01).astype(np.complex64)
    meta, _ = write_recording(tmp_path / "noise", noise, 2e6)
    summary = replay_recording(meta, tmp_path / "out.png")
    assert not summary.exact and summary.frames_received == 0 and summary.snr_db is None
    assert summary.error == "no burst header decoded in the recording"
    assert summary.extra["rx_snr_estimate_db"] is None and summary.extra["snr_source"] is None
    json.loads(summary.to_json())
    # what the transmitter recorded says what was lost: every frame, and the K source symbols among them
    source = {"frames": 9, "source_symbols": 6, "repair": 0.5, "bpsp": 2.0}
    meta, _ = write_recording(tmp_path / "noise2", noise, 2e6, extra_global={"ddm_sscc:source": source})
    summary = replay_recording(meta, tmp_path / "out.png")
    assert (summary.frames_sent, summary.frames_lost, summary.source_symbols, summary.repair) == (9, 9, 6, 0.5)
    assert summary.missing == (0, 1, 2, 3, 4, 5) and not summary.exact


def test_first_completed_session_wins(tmp_path, capture):
    other = make_capture(seed=4, height=16, width=16)
    # the other session's first burst comes first, but this capture's session completes first
    first_other = other.info["bursts"][0]
    head = other.samples[: first_other["start"] + first_other["count"] + 1000]
    samples = np.concatenate([head, capture.samples, other.samples])
    names_other = {"ddm_sscc:image_sha256": other.info["image_sha256"]}
    meta, _ = write_recording(tmp_path / "two", samples, 2e6, extra_global=names_other)
    summary = replay_recording(meta, tmp_path / "out.png")
    assert summary.exact and summary.extra["sessions"] == 2
    assert summary.extra["session_id"] == capture.info["session_id"]
    np.testing.assert_array_equal(load_image(tmp_path / "out.png").pixels, capture.pixels)
    # the metadata names the other image: replay says so (it decoded a verified image all the same)
    assert summary.extra["metadata_sha256_match"] is False
    # without the channel SNR in the metadata, snr_db is unknown
    assert summary.snr_db is None and summary.snr_unified_db is None


def test_repeated_session(tmp_path, capture):
    meta, _ = write_recording(tmp_path / "twice", np.concatenate([capture.samples, capture.samples]), 2e6)
    summary = replay_recording(meta, tmp_path / "out.png")
    frames = capture.info["frames"]
    assert summary.exact and summary.transmissions == 2 and summary.extra["duplicates"] == frames
    assert (summary.frames_sent, summary.frames_received, summary.frames_lost) == (frames, frames, 0)


def test_bad_recording_is_a_recording_error(tmp_path):
    with pytest.raises(RecordingError, match="no such SigMF metadata file"):
        replay_recording(tmp_path / "missing.sigmf-meta", tmp_path / "out.png")
    assert not (tmp_path / "out.png").exists()
