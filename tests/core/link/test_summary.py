"""LinkSummary: the RaptorQ fields (K, repair, carousel, frames needed) in its lines and its JSON."""

from __future__ import annotations

import json

from ddm_sscc.link.summary import LinkSummary

BASE = {
    "frames_sent": 14,
    "frames_received": 9,
    "frames_lost": 5,
    "bpsp": 2.5,
    "snr_db": 3.0,
    "snr_unified_db": 1.25,
    "seconds": 2.0,
    "channel": "awgn",
    "mcs": "qpsk-1/2",
    "n_channel_uses": 1000,
    "subpixels": 2304,
}


def test_a_fountain_transfer_that_completed():
    summary = LinkSummary(
        exact=True, source_symbols=7, repair=1.0, frames_needed=8, missing=(0, 3), output="x.png", **BASE
    )
    lines = summary.lines()
    assert lines[0] == "frames: 14 sent (K=7 source, repair 1), 9 received, 5 lost, decodable after 8"
    assert lines[3] == "exact recovery: yes -> x.png"
    record = json.loads(summary.to_json())
    assert (record["source_symbols"], record["repair"], record["carousel"], record["frames_needed"]) == (
        7,
        1.0,
        False,
        8,
    )
    assert record["missing"] == [0, 3]


def test_a_transfer_with_too_few_frames_names_the_missing_source_symbols():
    missing = tuple(range(12))
    summary = LinkSummary(
        exact=False, source_symbols=20, repair=0.0, missing=missing, error="too few", **BASE | {"frames_sent": 20}
    )
    lines = summary.lines()
    assert lines[0] == (
        "frames: 20 sent (K=20 source, repair 0), 9 received, 5 lost (source symbols 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, …)"
    )
    assert lines[3] == "exact recovery: no (too few)"
    assert json.loads(summary.to_json())["frames_needed"] is None


def test_a_carousel_and_a_summary_without_fountain_fields():
    carousel = LinkSummary(exact=True, source_symbols=7, carousel=True, frames_needed=7, **BASE)
    assert carousel.lines()[0] == "frames: 14 sent (K=7 source, carousel), 9 received, 5 lost, decodable after 7"
    plain = LinkSummary(exact=False, **BASE)  # K unknown (e.g. a recording with no header decoded)
    assert plain.lines()[0] == "frames: 14 sent, 9 received, 5 lost"
