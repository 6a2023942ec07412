"""The transmit side of an image session: ``.ddm`` stream → RaptorQ frames, channel uses, and ``Frame.pack``."""

from __future__ import annotations

import itertools
import math

import pytest

from ddm_sscc.codec import CodecSettings, load_codec
from ddm_sscc.errors import ConfigError, ContainerError, FrameError
from ddm_sscc.fec.framing import HEADER_LEN, Frame, single_symbol_header
from ddm_sscc.fec.reassembly import Reassembler
from ddm_sscc.link.image_frames import (
    DEFAULT_MAX_PAYLOAD,
    channel_uses_sent,
    encode_image_frames,
    frames_from_ddm,
    session_id_for,
)
from ddm_sscc.phy.mcs import mcs_by_name
from ddm_sscc.phy.ofdm.transmitter import OfdmTransmitter
from tests.core.link.conftest import MAX_PAYLOAD

# --- frames_from_ddm ---------------------------------------------------------------


def test_frames_cover_the_stream_in_order(ddm):
    coded = frames_from_ddm(ddm, max_payload=MAX_PAYLOAD)
    k = coded.source_symbols
    assert len(coded.frames) == k == -(-len(ddm) // MAX_PAYLOAD) >= 3  # no repair: the plain segmentation
    assert b"".join(f.payload for f in coded.frames) == ddm == coded.ddm
    for symbol_id, frame in enumerate(coded.frames):
        h = frame.header
        assert (h.symbol_id, h.source_symbols, h.session_id, h.mcs) == (symbol_id, k, coded.session_id, coded.mcs.id)
        assert (h.transfer_length, h.symbol_size, h.is_repair) == (len(ddm), MAX_PAYLOAD, False)
    assert all(f.header.payload_len == MAX_PAYLOAD for f in coded.frames[:-1])
    assert coded.frames[-1].header.payload_len == len(ddm) - (k - 1) * MAX_PAYLOAD
    assert coded.mcs == mcs_by_name("qpsk-1/2") and coded.repair == 0.0


@pytest.mark.parametrize("repair", [0.25, 0.6, 1.0, 3.0])
def test_repair_frames_follow_the_source_frames(ddm, repair):
    coded = frames_from_ddm(ddm, max_payload=MAX_PAYLOAD, repair=repair)
    k = coded.source_symbols
    assert len(coded.frames) == k + math.ceil(repair * k - 1e-9) and coded.repair == repair
    assert [f.header.symbol_id for f in coded.frames] == list(range(len(coded.frames)))
    assert coded.frames[:k] == frames_from_ddm(ddm, max_payload=MAX_PAYLOAD).frames
    assert all(f.header.is_repair and f.header.payload_len == MAX_PAYLOAD for f in coded.frames[k:])
    # every frame but source symbols 0 and 1 (at least K of them), in reverse order, rebuilds the stream
    rx = Reassembler()
    for frame in coded.frames[:1:-1]:
        rx.add(frame)
    assert rx.data(coded.session_id) == ddm and rx.report(coded.session_id).missing == (0, 1)


@pytest.mark.parametrize(("max_payload", "symbol_size"), [(200, 200), (203, 200), (8, 8), (65535 - 7, 65528)])
def test_max_payload_is_rounded_down_to_the_symbol_size(ddm, max_payload, symbol_size):
    coded = frames_from_ddm(ddm, max_payload=max_payload)
    assert coded.transfer.symbol_size == symbol_size == coded.record()["symbol_size"]
    assert max(f.header.payload_len for f in coded.frames) == min(symbol_size, len(ddm))


def test_the_carousel_goes_on_after_the_source_frames(ddm):
    coded = frames_from_ddm(ddm, max_payload=MAX_PAYLOAD, repair=0.5)
    k = coded.source_symbols
    first = list(itertools.islice(coded.carousel(), 3 * k + 70))
    assert [f.header.symbol_id for f in first] == list(range(3 * k + 70))
    assert tuple(first[: len(coded.frames)]) == coded.frames
    rx = Reassembler()  # a receiver that hears only the end of it
    for frame in first[-(k + 2) :]:
        rx.add(frame)
    assert rx.data(coded.session_id) == ddm


def test_header_and_rates(ddm, pixels):
    coded = frames_from_ddm(ddm, max_payload=MAX_PAYLOAD)
    h, w, c = pixels.shape
    assert (coded.header.height, coded.header.width, coded.header.channels) == (h, w, c)
    assert coded.subpixels == h * w * c
    assert coded.bpsp == pytest.approx(8 * len(ddm) / (h * w * c))


def test_record_has_plain_values(ddm):
    coded = frames_from_ddm(ddm, mcs="16qam-1/2", max_payload=MAX_PAYLOAD)
    rec = coded.record()
    assert rec["session_id"] == coded.session_id
    assert rec["frames"] == len(coded.frames)
    assert rec["bytes"] == len(ddm)
    assert rec["mcs"] == "16qam-1/2"
    assert rec["payload_lengths"] == [f.header.payload_len for f in coded.frames]
    assert sum(rec["payload_lengths"]) == len(ddm)
    assert (rec["source_symbols"], rec["symbol_size"], rec["repair"]) == (len(coded.frames), MAX_PAYLOAD, 0.0)
    repaired = frames_from_ddm(ddm, max_payload=MAX_PAYLOAD, repair=1.0).record()
    assert repaired["frames"] == 2 * repaired["source_symbols"] and repaired["repair"] == 1.0
    assert repaired["payload_lengths"][-repaired["source_symbols"] :] == [MAX_PAYLOAD] * repaired["source_symbols"]
    assert rec["pixel_sha256"] == coded.header.pixel_sha256.hex()
    # found by the header's weights hash: one of the default's two models
    assert load_codec(rec["model_id"]).model.weights_sha256 == coded.header.weights_sha256


def test_default_max_payload(ddm):
    coded = frames_from_ddm(ddm)
    assert len(coded.frames) == -(-len(ddm) // DEFAULT_MAX_PAYLOAD)


@pytest.mark.parametrize("mcs", ["qpsk-1/2", "64qam-5/6"])
def test_channel_uses_are_the_burst_samples(ddm, mcs):
    coded = frames_from_ddm(ddm, mcs=mcs, max_payload=MAX_PAYLOAD)
    tx = OfdmTransmitter()
    assert coded.channel_uses() == sum(tx.burst(f).size for f in coded.frames)
    assert coded.channel_uses(tx.format) == coded.channel_uses()


def test_channel_uses_sent_counts_repeats_and_the_carousel(ddm):
    coded = frames_from_ddm(ddm, max_payload=MAX_PAYLOAD, repair=0.5)
    tx = OfdmTransmitter()
    bursts = [tx.burst(f).size for f in coded.frames]
    record = coded.record()
    assert channel_uses_sent(record, len(bursts)) == coded.channel_uses() == sum(bursts)
    assert channel_uses_sent(record, 0) == 0
    assert channel_uses_sent(record, 3) == sum(bursts[:3])
    # a repeat sends the frames again from the start
    assert channel_uses_sent(record, 2 * len(bursts) + 1) == 2 * sum(bursts) + bursts[0]
    # a carousel sends its source frames, then full-size repair frames without end
    carousel = frames_from_ddm(ddm, max_payload=MAX_PAYLOAD).record() | {"carousel": True}
    sent = list(itertools.islice(coded.carousel(), 3 * coded.source_symbols))
    assert channel_uses_sent(carousel, len(sent)) == sum(tx.burst(f).size for f in sent)


def test_session_id_is_stable_and_depends_on_the_stream(ddm, pixels):
    assert session_id_for(ddm) == session_id_for(bytes(ddm)) == frames_from_ddm(ddm).session_id
    assert 0 <= session_id_for(ddm) < 1 << 32
    other = load_codec(None).encode(pixels[::-1].copy(), CodecSettings())
    assert other != ddm
    assert session_id_for(other) != session_id_for(ddm)
    assert frames_from_ddm(ddm, session_id=42).session_id == 42
    assert {f.header.session_id for f in frames_from_ddm(ddm, session_id=42).frames} == {42}


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"mcs": "nope"}, "unknown MCS"),
        ({"mcs": "qpsk"}, "unknown MCS"),
        ({"max_payload": 0}, "max_payload"),
        ({"max_payload": 7}, "max_payload"),
        ({"max_payload": 65529}, "max_payload"),
        ({"max_payload": 0x10000}, "max_payload"),
        ({"max_payload": 100.0}, "max_payload"),
        ({"max_payload": True}, "max_payload"),
        ({"session_id": -1}, "session_id"),
        ({"session_id": 1 << 32}, "session_id"),
        ({"session_id": "7"}, "session_id"),
        ({"session_id": True}, "session_id"),
        ({"repair": -0.1}, "--repair"),
        ({"repair": 10.5}, "--repair"),
        ({"repair": float("nan")}, "--repair"),
        ({"repair": True}, "--repair"),
    ],
)
def test_bad_settings_raise_config_error(ddm, kwargs, problem):
    with pytest.raises(ConfigError, match=problem):
        frames_from_ddm(ddm, **kwargs)


def test_a_stream_that_is_not_ddm_is_refused():
    with pytest.raises(ContainerError):
        frames_from_ddm(b"not a ddm stream at all" * 10)


def test_encode_image_frames_matches_frames_from_ddm(tmp_path, ddm, pixels):
    from ddm_sscc.image_io import save_image

    path = tmp_path / "small.png"
    save_image(path, pixels)
    coded = encode_image_frames(str(path), max_payload=MAX_PAYLOAD)
    assert coded.ddm == ddm
    assert coded.frames == frames_from_ddm(ddm, max_payload=MAX_PAYLOAD).frames
    repaired = encode_image_frames(str(path), max_payload=MAX_PAYLOAD, repair=0.5)
    assert repaired.frames == frames_from_ddm(ddm, max_payload=MAX_PAYLOAD, repair=0.5).frames


def test_encode_image_frames_refuses_a_bad_mcs_before_coding(tmp_path):
    with pytest.raises(ConfigError, match="unknown MCS"):
        encode_image_frames(str(tmp_path / "does-not-exist.png"), mcs="nope")
    with pytest.raises(ConfigError, match="--repair"):
        encode_image_frames(str(tmp_path / "does-not-exist.png"), repair=11)


# --- Frame.pack / Frame.unpack ------------------------------------------------------


def test_frame_pack_round_trip(ddm):
    for frame in frames_from_ddm(ddm, max_payload=MAX_PAYLOAD).frames:
        packed = frame.pack()
        assert len(packed) == HEADER_LEN + frame.header.payload_len
        assert packed[:HEADER_LEN] == frame.header.pack()
        assert Frame.unpack(packed) == frame
        assert Frame.unpack(bytearray(packed)) == frame


def test_frame_pack_round_trip_of_a_one_byte_payload():
    frame = Frame(single_symbol_header(1, 1, 1), b"a")
    assert Frame.unpack(frame.pack()) == frame and len(frame.pack()) == HEADER_LEN + 1


@pytest.mark.parametrize("length", [0, 1, HEADER_LEN - 1])
def test_frame_unpack_refuses_short_data(length):
    frame = Frame(single_symbol_header(1, 3, 1), b"abc")
    with pytest.raises(FrameError, match="shorter than"):
        Frame.unpack(frame.pack()[:length])


@pytest.mark.parametrize("delta", [-1, +1])
def test_frame_unpack_refuses_a_wrong_length(delta):
    frame = Frame(single_symbol_header(1, 3, 1), b"abc")
    packed = frame.pack()
    data = packed[:delta] if delta < 0 else packed + b"x"
    with pytest.raises(FrameError, match="header says 3"):
        Frame.unpack(data)


def test_frame_unpack_refuses_a_corrupted_header():
    frame = Frame(single_symbol_header(1, 3, 1), b"abc")
    packed = bytearray(frame.pack())
    packed[2] ^= 0x10
    with pytest.raises(FrameError, match="CRC-16"):
        Frame.unpack(bytes(packed))
