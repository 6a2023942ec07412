"""annotate_bursts: one annotation per burst, matching the frames sent, at any sample rate."""

import numpy as np
import pytest

from ddm_sscc.errors import RecordingError
from ddm_sscc.phy.ofdm.receiver import OfdmReceiver
from ddm_sscc.phy.ofdm.transmitter import OfdmTransmitter
from ddm_sscc.recording import Annotation, annotate_bursts, read_recording
from tests.core.recording.conftest import write_capture


def check_matches(annotations, info, tolerance):
    bursts = info["bursts"]
    assert len(annotations) == len(bursts) == info["frames"]
    assert [a.get("ddm_sscc:symbol_id") for a in annotations] == [b["symbol_id"] for b in bursts]
    k = info["source_symbols"]
    for a, b in zip(annotations, bursts):
        assert abs(a.sample_start - b["start"]) <= tolerance
        assert abs(a.sample_count - b["count"]) <= 1
        kind = "repair" if b["symbol_id"] >= k else "source"
        assert a.label == f"ddm symbol {b['symbol_id']} ({kind}, K={k})"
        assert a.get("ddm_sscc:session_id") == info["session_id"]
        assert a.get("ddm_sscc:source_symbols") == k
        assert "ddm_sscc:seq" not in a.fields and "ddm_sscc:total" not in a.fields
        assert a.get("ddm_sscc:payload_ok") is True
        assert a.get("ddm_sscc:cfo_hz") == pytest.approx(20e3, abs=2000)  # phase noise jitters the estimate
        assert 10 < a.get("ddm_sscc:snr_db") < 25


def test_one_annotation_per_burst(capture):
    annotations = annotate_bursts(capture.samples)
    check_matches(annotations, capture.info, tolerance=2)
    # a receiver factory of one's own gives the same
    custom = annotate_bursts(capture.samples, lambda: OfdmReceiver(OfdmTransmitter()))
    assert custom == annotations


def test_resampled_capture_annotations_are_in_recording_samples(capture_2m5):
    annotations = annotate_bursts(capture_2m5.samples, sample_rate=2.5e6)
    check_matches(annotations, capture_2m5.info, tolerance=3)


def test_annotations_survive_the_file(tmp_path, capture):
    meta = write_capture(tmp_path / "c", capture)
    assert read_recording(meta).annotations == tuple(annotate_bursts(capture.samples))


def test_lost_payloads_are_annotated_too(capture):
    samples = capture.samples.copy()
    second = capture.info["bursts"][1]
    rng = np.random.default_rng(0)
    # wreck the payload of burst 1 but keep its preamble and header
    at = second["start"] + 1200
    samples[at : at + 3000] = (rng.standard_normal(3000) + 1j * rng.standard_normal(3000)).astype(np.complex64) * 0.3
    annotations = annotate_bursts(samples)
    assert len(annotations) == capture.info["frames"]
    assert [a.get("ddm_sscc:payload_ok") for a in annotations][:3] == [True, False, True]
    assert annotations[1].label.endswith(" lost")


def test_noise_has_no_annotations():
    rng = np.random.default_rng(1)
    assert annotate_bursts((rng.standard_normal(50_000) + 1j * rng.standard_normal(50_000)).astype(np.complex64)) == []


def test_annotation_checks():
    with pytest.raises(RecordingError, match="sample_start"):
        Annotation(-1)
    with pytest.raises(RecordingError, match="sample_count"):
        Annotation(0, 1.5)
    with pytest.raises(RecordingError, match="core:label"):
        Annotation(0, fields={"core:label": "x"})
    a = Annotation(5, None, "x", fields={"core:freq_lower_edge": 1.0, "ns:key": [1]})
    assert Annotation.from_sigmf(a.to_sigmf()) == a
    assert a.to_sigmf() == {"core:sample_start": 5, "core:label": "x", "core:freq_lower_edge": 1.0, "ns:key": [1]}
