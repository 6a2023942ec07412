"""QA of the image decoder block: frame PDUs in any order, with losses → the verified image file and stats."""

from __future__ import annotations

import json
import random
import time

import numpy as np
import pytest

pytest.importorskip("gnuradio")
pytestmark = pytest.mark.gnuradio

import pmt  # noqa: E402
from gnuradio import blocks, gr  # noqa: E402

from ddm_blocks.image_decoder import image_decoder  # noqa: E402
from ddm_sscc.codec import CodecSettings, load_codec  # noqa: E402
import ddm_blocks  # noqa: E402
from ddm_sscc.errors import DdmError, ImageError  # noqa: E402
from ddm_sscc.fec.framing import HEADER_LEN, Frame  # noqa: E402
from ddm_sscc.image_io import load_image  # noqa: E402
from ddm_sscc.link.image_frames import frames_from_ddm  # noqa: E402
from tests.blocks.qa_blocks import TIMEOUT, pdu, pdu_source, wait_until  # noqa: E402
from tests.conftest import real_image  # noqa: E402

MAX_PAYLOAD = 150


def good(frame, **meta) -> pmt.pmt_t:
    return pdu(frame.pack(), payload_ok=True, **meta)


def lost(frame) -> pmt.pmt_t:
    return pdu(frame.header.pack(), payload_ok=False)


@pytest.fixture(scope="module")
def pixels() -> np.ndarray:
    return real_image(24, 32, 3)


@pytest.fixture(scope="module")
def coded(pixels):
    coded = frames_from_ddm(load_codec(None).encode(pixels, CodecSettings(steps=16)), max_payload=MAX_PAYLOAD)
    assert len(coded.frames) >= 5
    return coded


class Run:
    """pdu_source → image_decoder → message_debug (stats), started; ``finish`` stops it."""

    def __init__(self, messages, **kwargs) -> None:
        self.tb = gr.top_block()
        self.src = pdu_source(messages)
        self.dec = image_decoder(**kwargs)
        self.sink = blocks.message_debug()
        self.tb.msg_connect(self.src, "out", self.dec, "pdus")
        self.tb.msg_connect(self.dec, "stats", self.sink, "store")
        self.tb.start()

    def stats(self) -> list[dict]:
        return [pmt.to_python(self.sink.get_message(i)) for i in range(self.sink.num_messages())]

    def finish(self) -> None:
        self.tb.stop()
        self.tb.wait()


def test_shuffled_frames_with_a_duplicate_and_a_loss_give_the_exact_image(coded, pixels, tmp_path):
    out = tmp_path / "received.png"
    stats_path = tmp_path / "stats.json"
    frames = list(coded.frames)
    messages = [good(f, snr_db=20.0 + f.header.symbol_id, cfo_hz=100.0) for f in frames]
    messages += [good(frames[2]), lost(frames[4])]  # a duplicate, and a loss of a frame that also arrives intact
    random.Random(3).shuffle(messages)
    run = Run(messages, output=str(out), stats_path=str(stats_path))
    try:
        assert run.dec.done.wait(TIMEOUT), "the session was not decoded"
        # one stats message per PDU, plus the one after decoding
        assert wait_until(lambda: len(run.stats()) == len(messages) + 1)
    finally:
        run.finish()

    np.testing.assert_array_equal(load_image(out).pixels, pixels)
    final = [s for s in run.stats() if s.get("done")][-1]
    assert final["exact"] is True and final["done"] is True
    assert final["session_id"] == coded.session_id
    assert final["source_symbols"] == final["frames_received"] == len(frames)
    assert final["frames_lost"] == 1 and final["duplicates"] == 1 and final["missing"] == []
    assert final["complete"] is True and final["conflicts"] == 0
    assert final["frames_needed"] == len(frames)  # no repair frames: every source frame was needed
    assert final["output"] == str(out) and final["bpsp"] == pytest.approx(coded.bpsp)
    assert final["pixel_sha256"] == coded.header.pixel_sha256.hex()
    assert final["snr_db"] == pytest.approx(20.0 + (len(frames) - 1) / 2)  # mean over the frames that said
    assert final["malformed"] == 0 and "error" not in final  # None values are left out of the message
    on_disk = json.loads(stats_path.read_text())
    assert on_disk["exact"] is True and on_disk["done"] is True and on_disk["error"] is None


def test_an_incomplete_session_writes_nothing(coded, tmp_path):
    out = tmp_path / "received.png"
    missing = 3
    messages = [good(f) for f in coded.frames if f.header.symbol_id != missing] + [lost(coded.frames[missing])]
    run = Run(messages, output=str(out))
    try:
        assert wait_until(lambda: len(run.stats()) == len(messages))
        time.sleep(0.1)
    finally:
        run.finish()
    assert not out.exists()
    assert not run.dec.done.is_set()
    last = run.stats()[-1]
    assert last["done"] is False and last["exact"] is False
    assert last["missing"] == [missing] and last["frames_lost"] == 1
    assert last["frames_received"] == len(coded.frames) - 1
    assert last["complete"] is False and "frames_needed" not in last  # None: left out of the message


def test_repair_frames_replace_lost_ones(coded, pixels, tmp_path):
    """R = 1 and a third of the frames lost, source frames among them: the exact image all the same."""
    repaired = frames_from_ddm(coded.ddm, max_payload=MAX_PAYLOAD, repair=1.0)
    k = repaired.source_symbols
    frames = list(repaired.frames)
    dropped = set(range(0, len(frames), 3))  # source symbols 0, 3, 6, … and some repair ones
    assert len(frames) - len(dropped) >= k + 2
    messages = [lost(f) if i in dropped else good(f) for i, f in enumerate(frames)]
    random.Random(5).shuffle(messages)
    out = tmp_path / "received.png"
    run = Run(messages, output=str(out))
    try:
        assert run.dec.done.wait(TIMEOUT), "the repair frames did not rebuild the image"
    finally:
        run.finish()
    np.testing.assert_array_equal(load_image(out).pixels, pixels)
    final = run.dec.stats()
    assert final["exact"] is True and final["source_symbols"] == k
    assert final["missing"] == [i for i in range(k) if i in dropped]
    assert final["frames_lost"] == len(dropped) and k <= final["frames_needed"] <= final["frames_received"]


def test_conflicting_frames_are_counted_and_never_used(coded, pixels, tmp_path):
    """Same session id, other bytes for a symbol, or another transfer length: conflicts, the image still exact."""
    stranger = frames_from_ddm(coded.ddm + bytes(8), max_payload=MAX_PAYLOAD, session_id=coded.session_id)
    forged = Frame(coded.frames[1].header, bytes(len(coded.frames[1].payload)))
    messages = [good(coded.frames[0]), good(stranger.frames[0]), good(coded.frames[1]), good(forged)]
    messages += [good(f) for f in coded.frames[2:]]
    out = tmp_path / "received.png"
    run = Run(messages, output=str(out))
    try:
        assert run.dec.done.wait(TIMEOUT)
    finally:
        run.finish()
    np.testing.assert_array_equal(load_image(out).pixels, pixels)
    final = run.dec.stats()
    assert final["conflicts"] == 2 and final["exact"] is True and final["frames_received"] == len(coded.frames)


def test_the_stats_file_catches_up_with_frames_the_throttle_held_back(coded, tmp_path):
    """Frames in quick succession, the last one lost: the file must end at the last frame, while running."""
    stats_path = tmp_path / "stats.json"
    messages = [good(coded.frames[0]), good(coded.frames[1]), lost(coded.frames[2])]
    run = Run(messages, output=str(tmp_path / "received.png"), stats_path=str(stats_path))
    try:
        assert wait_until(lambda: len(run.stats()) == len(messages))
        # the driver of `ddm-sscc link` reads the file while the flowgraph still runs
        assert wait_until(
            lambda: stats_path.exists() and json.loads(stats_path.read_text()).get("frames_lost") == 1, timeout=2.0
        ), f"the stats file stayed at {stats_path.read_text() if stats_path.exists() else 'nothing'}"
        on_disk = json.loads(stats_path.read_text())
        assert on_disk["frames_received"] == 2 and on_disk["done"] is False
    finally:
        run.finish()


def test_an_existing_output_is_not_overwritten(coded, tmp_path):
    out = tmp_path / "received.png"
    out.write_bytes(b"precious")
    run = Run([good(f) for f in coded.frames], output=str(out))
    try:
        assert run.dec.done.wait(TIMEOUT)
        assert wait_until(lambda: any(s.get("done") for s in run.stats()))
    finally:
        run.finish()
    assert out.read_bytes() == b"precious"
    final = [s for s in run.stats() if s.get("done")][-1]
    assert final["exact"] is False and final["done"] is True
    assert "exists" in final["error"]
    assert "output" not in final  # None: nothing written


def test_overwrite_replaces_an_existing_output(coded, pixels, tmp_path):
    out = tmp_path / "received.ppm"
    out.write_bytes(b"old")
    run = Run([good(f) for f in reversed(coded.frames)], output=str(out), overwrite=True)
    try:
        assert run.dec.done.wait(TIMEOUT)
    finally:
        run.finish()
    np.testing.assert_array_equal(load_image(out).pixels, pixels)


def test_malformed_pdus_are_counted_and_ignored(coded, pixels, tmp_path):
    out = tmp_path / "received.png"
    broken_header = bytearray(coded.frames[0].pack())
    broken_header[5] ^= 0xFF
    junk = [
        pmt.intern("not a pdu"),
        pmt.cons(pmt.make_dict(), pmt.init_f32vector(2, [0.0, 1.0])),
        pdu(b"short", payload_ok=True),
        pdu(bytes(broken_header), payload_ok=True),
        pdu(coded.frames[1].pack() + b"x", payload_ok=True),  # longer than its header says
        pdu(b"\x00" * HEADER_LEN, payload_ok=False),  # a lost frame whose header is garbage
    ]
    messages = junk[:3] + [good(f) for f in coded.frames] + junk[3:]
    run = Run(messages, output=str(out))
    try:
        assert run.dec.done.wait(TIMEOUT)
        assert wait_until(lambda: run.dec.stats()["malformed"] == len(junk))
    finally:
        run.finish()
    np.testing.assert_array_equal(load_image(out).pixels, pixels)
    stats = run.dec.stats()
    assert stats["malformed"] == len(junk) and stats["exact"] is True
    assert stats["frames_received"] == len(coded.frames) and stats["frames_lost"] == 0


def test_per_session_outputs(coded, pixels, tmp_path):
    other = frames_from_ddm(coded.ddm, max_payload=MAX_PAYLOAD, session_id=coded.session_id ^ 0xFFFF)
    messages = [good(f) for pair in zip(coded.frames, other.frames, strict=True) for f in pair]
    run = Run(messages, output=str(tmp_path / "img-{session}.png"))
    paths = [tmp_path / f"img-{sid:08x}.png" for sid in (coded.session_id, other.session_id)]
    try:
        assert run.dec.done.wait(TIMEOUT)
        assert wait_until(lambda: all(p.exists() for p in paths))
    finally:
        run.finish()
    for path in paths:
        np.testing.assert_array_equal(load_image(path).pixels, pixels)


def test_a_lossy_output_format_is_refused():
    with pytest.raises(ImageError):
        image_decoder(output="received.jpg")


@pytest.mark.parametrize("make", [
    lambda: ddm_blocks.ofdm_rx(detect_threshold=float("nan")),
    lambda: ddm_blocks.ofdm_rx(detect_threshold=1.5),
    lambda: ddm_blocks.image_encoder(interval=float("nan")),
    lambda: ddm_blocks.image_encoder(frame_rate=float("inf")),
    lambda: ddm_blocks.image_decoder(max_pixels=0),
])
def test_non_finite_block_parameters_are_refused(make):
    with pytest.raises(DdmError):
        make()
