"""QA of the image encoder block: an image file in, its RaptorQ-coded frames out as PDUs."""

from __future__ import annotations

import json
import math
import time

import numpy as np
import pytest

pytest.importorskip("gnuradio")
pytestmark = pytest.mark.gnuradio

from gnuradio import blocks, gr  # noqa: E402

from ddm_blocks.image_decoder import image_decoder  # noqa: E402
from ddm_blocks.image_encoder import image_encoder  # noqa: E402
from ddm_sscc.errors import ConfigError, DdmError, ImageError  # noqa: E402
from ddm_sscc.fec.framing import Frame  # noqa: E402
from ddm_sscc.fec.reassembly import Reassembler  # noqa: E402
from ddm_sscc.image_io import load_image, save_image  # noqa: E402
from ddm_sscc.link.image_frames import encode_image_frames  # noqa: E402
from tests.blocks.qa_blocks import TIMEOUT, pdu, pdu_source, split, wait_until  # noqa: E402
from tests.conftest import real_image  # noqa: E402

MAX_PAYLOAD = 150


@pytest.fixture(scope="module")
def image_path(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("encoder") / "small.png"
    save_image(path, real_image(24, 32, 3))
    return str(path)


@pytest.fixture(scope="module")
def reference(image_path):
    coded = encode_image_frames(image_path, max_payload=MAX_PAYLOAD)
    assert len(coded.frames) >= 5
    return coded


def run_encoder(n_expected: int, **kwargs):
    """image_encoder → message_debug; returns (PDUs, block) once ``n_expected`` PDUs arrived."""
    tb = gr.top_block()
    enc = image_encoder(**kwargs)
    sink = blocks.message_debug()
    tb.msg_connect(enc, "pdus", sink, "store")
    tb.start()
    try:
        assert enc.finished.wait(TIMEOUT), "the encoder did not finish"
        ok = wait_until(lambda: sink.num_messages() >= n_expected)
        time.sleep(0.05)  # anything beyond n_expected would show up now
    finally:
        tb.stop()
        tb.wait()
    assert ok, f"{sink.num_messages()} of {n_expected} PDUs arrived"
    return [sink.get_message(i) for i in range(sink.num_messages())], enc


def test_published_frames_reassemble_to_the_ddm_stream(image_path, reference, tmp_path):
    stats_path = tmp_path / "enc.json"
    n = len(reference.frames)
    msgs, enc = run_encoder(n, image=image_path, max_payload=MAX_PAYLOAD, stats_path=str(stats_path))

    assert len(msgs) == n and enc.frames_published == n
    frames = []
    for symbol_id, msg in enumerate(msgs):
        meta, data = split(msg)
        frame = Frame.unpack(data)
        assert frame == reference.frames[symbol_id]
        h = frame.header
        assert meta == {"session_id": h.session_id, "symbol_id": symbol_id, "source_symbols": n}
        frames.append(frame)
    reassembler = Reassembler()
    for frame in frames:
        assert reassembler.add(frame) == "new"
    assert reassembler.data(reference.session_id) == reference.ddm
    assert enc.coded is not None and enc.coded.ddm == reference.ddm

    record = json.loads(stats_path.read_text())
    assert record["session_id"] == reference.session_id
    assert record["frames"] == n and record["bytes"] == len(reference.ddm)
    assert record["image"] == image_path and record["repeat"] == 1
    assert (record["source_symbols"], record["repair"], record["carousel"]) == (n, 0.0, False)
    assert record["symbol_size"] == MAX_PAYLOAD // 8 * 8 and record["frames_published"] == n


@pytest.mark.parametrize("repair", [0.5, 1.0])
def test_repair_frames_follow_the_source_frames(image_path, reference, tmp_path, repair):
    k = reference.source_symbols
    n = k + math.ceil(repair * k)
    stats_path = tmp_path / "enc.json"
    msgs, enc = run_encoder(n, image=image_path, max_payload=MAX_PAYLOAD, repair=repair, stats_path=str(stats_path))
    assert len(msgs) == n and enc.frames_published == n
    frames = [Frame.unpack(split(m)[1]) for m in msgs]
    assert [f.header.symbol_id for f in frames] == list(range(n))
    assert frames[:k] == list(reference.frames)
    assert frames == list(encode_image_frames(image_path, max_payload=MAX_PAYLOAD, repair=repair).frames)
    assert all(split(m)[0]["source_symbols"] == k for m in msgs)
    record = json.loads(stats_path.read_text())
    assert (record["frames"], record["source_symbols"], record["repair"]) == (n, k, repair)
    # the repair frames stand in for lost source frames: every other source frame dropped
    kept = frames[1:k:2] + frames[k:]
    reassembler = Reassembler()
    for frame in kept:
        reassembler.add(frame)
    assert reassembler.data(reference.session_id) == reference.ddm


def test_the_carousel_sends_fresh_repair_frames_a_late_decoder_uses(image_path, reference, tmp_path):
    """A carousel at a frame rate: more than K frames, symbol ids counting up; the decoder block
    rebuilds the image from the frames after the first K alone (a receiver that started late)."""
    k = reference.source_symbols
    stats_path = tmp_path / "enc.json"
    tb = gr.top_block()
    enc = image_encoder(
        image=image_path, max_payload=MAX_PAYLOAD, carousel=True, frame_rate=500.0, stats_path=str(stats_path)
    )
    sink = blocks.message_debug()
    tb.msg_connect(enc, "pdus", sink, "store")
    tb.start()
    try:
        assert wait_until(lambda: sink.num_messages() >= 2 * k + 6), f"{sink.num_messages()} PDUs"
    finally:
        tb.stop()
        tb.wait()
    assert enc.finished.wait(5), "stop() did not end the carousel"
    msgs = [sink.get_message(i) for i in range(sink.num_messages())]
    frames = [Frame.unpack(split(m)[1]) for m in msgs]
    ids = [f.header.symbol_id for f in frames]
    assert len(frames) > 2 * k and ids == list(range(len(frames)))  # no end, no repeat: fresh symbols
    assert frames[:k] == list(reference.frames) and all(f.header.is_repair for f in frames[k:])
    record = json.loads(stats_path.read_text())
    assert record["carousel"] is True and record["frames_published"] == enc.frames_published >= len(frames)

    out = tmp_path / "late.png"
    late = [pdu(f.pack(), payload_ok=True) for f in frames[k:]]
    rx = gr.top_block()
    src = pdu_source(late)
    dec = image_decoder(output=str(out))
    stats = blocks.message_debug()
    rx.msg_connect(src, "out", dec, "pdus")
    rx.msg_connect(dec, "stats", stats, "store")
    rx.start()
    try:
        assert dec.done.wait(TIMEOUT), "the carousel's repair frames did not rebuild the image"
    finally:
        rx.stop()
        rx.wait()
    np.testing.assert_array_equal(load_image(out).pixels, real_image(24, 32, 3))
    final = dec.stats()
    assert final["exact"] is True and final["complete"] is True and final["source_symbols"] == k
    assert final["missing"] == list(range(k)) and k <= final["frames_needed"] <= k + 2


def test_mcs_and_payload_settings_reach_the_frames(image_path):
    coded = encode_image_frames(image_path, mcs="16qam-3/4", max_payload=400)
    msgs, _ = run_encoder(len(coded.frames), image=image_path, mcs="16qam-3/4", max_payload=400)
    assert [Frame.unpack(split(m)[1]) for m in msgs] == list(coded.frames)
    assert {Frame.unpack(split(m)[1]).header.mcs for m in msgs} == {coded.mcs.id}


def test_the_calibration_and_model_reach_the_stream(image_path, reference):
    """The fast setting (compact model, 16 steps, offline calibration) codes what the core codes."""
    settings = {"model": "ddm-featmlp-compact-v1", "steps": 16, "calibration": "offline"}
    coded = encode_image_frames(image_path, max_payload=MAX_PAYLOAD, **settings)
    assert coded.ddm != reference.ddm and not coded.header.adaptive and coded.header.calibrated
    msgs, enc = run_encoder(len(coded.frames), image=image_path, max_payload=MAX_PAYLOAD, **settings)
    assert enc.coded is not None and enc.coded.ddm == coded.ddm
    assert [Frame.unpack(split(m)[1]) for m in msgs] == list(coded.frames)


def test_repeat_sends_every_frame_again(image_path, reference):
    n = len(reference.frames)
    msgs, enc = run_encoder(2 * n, image=image_path, max_payload=MAX_PAYLOAD, repeat=2)
    assert len(msgs) == 2 * n and enc.frames_published == 2 * n
    frames = [Frame.unpack(split(m)[1]) for m in msgs]
    assert frames == list(reference.frames) * 2


def test_repeat_forever_with_a_frame_rate_paces_and_stops(image_path, reference):
    tb = gr.top_block()
    enc = image_encoder(image=image_path, max_payload=MAX_PAYLOAD, repeat=0, frame_rate=200.0)
    sink = blocks.message_debug()
    tb.msg_connect(enc, "pdus", sink, "store")
    tb.start()
    try:
        assert wait_until(lambda: sink.num_messages() >= len(reference.frames) + 2)
    finally:
        tb.stop()
        tb.wait()
    assert enc.finished.wait(5), "stop() did not end the repeat-forever loop"
    ids = [Frame.unpack(split(sink.get_message(i))[1]).header.symbol_id for i in range(sink.num_messages())]
    n = len(reference.frames)
    assert ids == [i % n for i in range(len(ids))]


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"mcs": "nope"}, ConfigError),
        ({"image": "/nonexistent/missing.png"}, ImageError),
        ({"image": "builtin:no-such-picture"}, DdmError),
        ({"repeat": 0}, ConfigError),
        ({"repeat": -1}, ConfigError),
        ({"repeat": 1.5}, ConfigError),
        ({"interval": -1.0}, ConfigError),
        ({"frame_rate": -5.0}, ConfigError),
        ({"max_payload": 0}, ConfigError),
        ({"max_payload": 7}, ConfigError),
        ({"repair": -0.1}, ConfigError),
        ({"repair": 10.5}, ConfigError),
        ({"repair": float("nan")}, ConfigError),
        ({"repair": True}, ConfigError),
        ({"carousel": True}, ConfigError),  # a carousel without a frame rate would flood the TX queue
        ({"max_payload": 0x10000}, ConfigError),
        ({"steps": -1}, ConfigError),  # 0 is T by image size
        ({"steps": 1.5}, ConfigError),
        ({"steps": True}, ConfigError),
        ({"steps": 4097}, ConfigError),
        ({"model": "no-such-model"}, ConfigError),
        ({"calibration": "sometimes"}, ConfigError),
    ],
)
def test_bad_settings_raise_from_the_constructor(image_path, kwargs, error):
    settings = {"image": image_path} | kwargs
    with pytest.raises(error):
        image_encoder(**settings)


def test_a_file_that_is_not_an_image_is_refused(tmp_path):
    path = tmp_path / "fake.png"
    path.write_bytes(b"definitely not a PNG")
    with pytest.raises(ImageError):
        image_encoder(image=str(path))
