"""The reference recordings in capture/: valid SigMF, annotated burst by burst, replayed bit-exactly."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import sigmf
from sigmf import sigmffile

from ddm_sscc.codec.tokens import pixel_sha256
from ddm_sscc.image_io import load_image
from ddm_sscc.recording import SOURCE_KEY, read_recording, replay_recording

CAPTURE = Path(__file__).resolve().parents[3] / "capture"
REFERENCES = ("awgn_pluto_like", "epa_pluto_like", "awgn_pluto_like_2m083")


def reference(name: str) -> Path:
    meta = CAPTURE / f"{name}.sigmf-meta"
    if not meta.is_file() or not meta.with_suffix(".sigmf-data").is_file():
        pytest.skip(f"{meta.with_suffix('')}.sigmf-{{meta,data}} missing (make it with capture/make_references.py)")
    return meta


def test_every_recording_in_capture_is_listed():
    found = {p.name.removesuffix(".sigmf-meta") for p in CAPTURE.glob("*.sigmf-meta")}
    assert found <= set(REFERENCES), found - set(REFERENCES)


@pytest.mark.parametrize("name", REFERENCES)
def test_reference_replays_exactly(tmp_path, name):
    meta = reference(name)
    recording = read_recording(meta)
    g = recording.global_info
    # valid SigMF for sigmf-python too
    sigmf.validate.validate(json.loads(meta.read_text()), sigmf.schema.get_schema())
    sigmffile.fromfile(meta, skip_checksum=True).validate()
    assert recording.datatype == "ci16_le" and recording.full_scale == 2048
    assert recording.frequency == 2.45e9 and "core:datetime" in recording.captures[0]
    settings = recording.settings
    assert settings["channel"]["adc_bits"] == 12 and settings["channel"]["agc_step_db"] > 0
    assert recording.sample_rate == settings["sample_rate"]
    # annotations: one per frame, every symbol id once, payloads intact; the source symbols first
    frames, k = g[SOURCE_KEY]["frames"], g[SOURCE_KEY]["source_symbols"]
    assert frames == k + math.ceil(g[SOURCE_KEY]["repair"] * k - 1e-9)
    notes = recording.annotations
    assert [a.get("ddm_sscc:symbol_id") for a in notes] == list(range(frames))
    assert all(a.get("ddm_sscc:payload_ok") and a.get("ddm_sscc:source_symbols") == k for a in notes)
    assert {a.get("ddm_sscc:session_id") for a in notes} == {g["ddm_sscc:session_id"]}

    out = tmp_path / "out.png"
    summary = replay_recording(meta, out)
    assert summary.exact, summary.error
    assert pixel_sha256(load_image(out).pixels).hex() == g["ddm_sscc:image_sha256"]
    assert summary.extra["metadata_sha256_match"] is True
    assert (summary.frames_sent, summary.frames_received, summary.frames_lost) == (frames, frames, 0)
    assert summary.snr_db == settings["channel"]["snr_db"]
    if recording.sample_rate != 2e6:
        assert summary.extra["resample"] == "24/25" and abs(summary.extra["resample_error_ppm"]) < 1e-3


def test_reference_sizes_stay_small():
    total = sum(p.stat().st_size for p in CAPTURE.glob("*.sigmf-*"))
    assert total <= 20 * 2**20
