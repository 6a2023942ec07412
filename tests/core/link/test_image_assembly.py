"""The receive side of an image session: RaptorQ frames in any order, losses, tampering → exact image or an error."""

from __future__ import annotations

import random
import zlib

import numpy as np
import pytest

from ddm_sscc.codec.container import read_header
from ddm_sscc.errors import CodecError, ContainerError, FrameError, IntegrityError
from ddm_sscc.fec.framing import Frame
from ddm_sscc.fec.transfer import TransferEncoder
from ddm_sscc.link.image_assembly import ImageAssembler
from ddm_sscc.link.image_frames import frames_from_ddm, session_id_for
from ddm_sscc.phy.mcs import mcs_by_name
from ddm_sscc.phy.ofdm.receiver import RxFrame
from tests.core.link.conftest import MAX_PAYLOAD


@pytest.fixture(scope="module")
def coded(ddm):
    coded = frames_from_ddm(ddm, max_payload=MAX_PAYLOAD)
    assert len(coded.frames) >= 4
    return coded


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_shuffled_frames_with_duplicates_decode_to_the_exact_pixels(coded, pixels):
    rng = random.Random(7)
    order = list(coded.frames) + [coded.frames[1], coded.frames[-1], coded.frames[1]]
    rng.shuffle(order)
    last_new = max(i for i, f in enumerate(order) if f not in order[:i])  # index of the frame completing it
    clock = FakeClock()
    asm = ImageAssembler(clock=clock)
    completions = []
    for i, frame in enumerate(order):
        clock.now += 0.5
        completions.append(asm.add(frame))
    assert completions == [i == last_new for i in range(len(order))]  # True exactly once
    assert asm.stream(coded.session_id) == coded.ddm
    report = asm.report(coded.session_id)
    assert report.complete and report.duplicates == 3 and report.missing == ()
    assert report.needed == report.source_symbols == len(coded.frames)

    image = asm.decode(coded.session_id)
    assert image.pixels.dtype == np.uint8
    np.testing.assert_array_equal(image.pixels, pixels)
    assert image.session_id == coded.session_id
    assert image.header == coded.header
    assert image.stream_bytes == len(coded.ddm)
    assert image.bpsp == pytest.approx(coded.bpsp)
    assert image.report.complete
    assert image.seconds == pytest.approx(0.5 * (len(order) - 1))  # first frame → decode end


def test_lost_frames_recorded_then_resent(coded, pixels):
    asm = ImageAssembler()
    lost = coded.frames[2]
    for frame in coded.frames:
        if frame is lost:
            asm.add_lost(frame.header)
        else:
            assert not asm.add(frame)
    asm.add_lost(None)  # a frame whose header was unreadable too
    report = asm.report(coded.session_id)
    assert not report.complete and report.missing == (2,) and report.corrupted_ids == (2,)
    assert asm.reassembler.unattributed_corrupted == 1
    assert asm.add(lost)  # the resend completes it
    np.testing.assert_array_equal(asm.decode(coded.session_id).pixels, pixels)


def test_repair_frames_replace_lost_source_frames(ddm, pixels):
    """R = 1, every other frame lost (source and repair alike), the rest in reverse: the exact image."""
    coded = frames_from_ddm(ddm, max_payload=MAX_PAYLOAD, repair=1.0)
    k = coded.source_symbols
    asm = ImageAssembler()
    arrived = coded.frames[::-2]
    for frame in coded.frames[-2::-2]:
        asm.add_lost(frame.header)  # their payload CRC failed
    completions = [asm.add(frame) for frame in arrived]
    assert completions.count(True) == 1 and len(arrived) == k
    report = asm.report(coded.session_id)
    assert report.complete and report.needed == k and report.corrupted == k
    assert report.missing == tuple(range(0, k, 2))  # the even ids were lost, the odd ones arrived
    np.testing.assert_array_equal(asm.decode(coded.session_id).pixels, pixels)


def test_add_received_takes_intact_frames_and_counts_lost_ones(coded, pixels):
    asm = ImageAssembler()
    for i, frame in enumerate(coded.frames):
        lost = i == 1
        rx = RxFrame(frame.header, None if lost else frame.payload, 100 * i, 0.0, 20.0, 1)
        assert asm.add_received(rx) is False
    report = asm.report(coded.session_id)
    assert (report.received, report.corrupted, report.corrupted_ids, report.missing) == (
        len(coded.frames) - 1,
        1,
        (1,),
        (1,),
    )
    assert asm.add_received(RxFrame(coded.frames[1].header, coded.frames[1].payload, 0, 0.0, 20.0, 1)) is True
    np.testing.assert_array_equal(asm.decode(coded.session_id).pixels, pixels)


def test_a_missing_frame_leaves_the_session_incomplete(coded):
    asm = ImageAssembler()
    missing = 3
    k = len(coded.frames)
    for frame in coded.frames:
        if frame.header.symbol_id != missing:
            assert asm.add(frame) is False
    assert not asm.reassembler.complete(coded.session_id)
    assert asm.report(coded.session_id).missing == (missing,)
    expected = rf"session 0x{coded.session_id:08x} incomplete: {k - 1} symbols of K={k} held"
    with pytest.raises(FrameError, match=expected):
        asm.stream(coded.session_id)
    with pytest.raises(FrameError, match=expected):
        asm.decode(coded.session_id)


def test_a_frame_of_another_transfer_under_the_same_id_is_never_used(coded, pixels):
    """Same session id, another transfer length: a conflict, stored nowhere; the image still comes out exact."""
    asm = ImageAssembler()
    stranger = TransferEncoder(bytes(len(coded.ddm) + 8), coded.session_id, coded.mcs.id, MAX_PAYLOAD).frames()
    for frame, other in zip(coded.frames, stranger, strict=False):
        asm.add(frame)
        asm.add(other)
    report = asm.report(coded.session_id)
    assert report.complete and report.conflicts == len(coded.frames)
    np.testing.assert_array_equal(asm.decode(coded.session_id).pixels, pixels)


def test_an_unknown_session_raises_frame_error(coded):
    asm = ImageAssembler()
    asm.add(coded.frames[0])
    with pytest.raises(FrameError, match="no frames"):
        asm.stream(coded.session_id ^ 1)


def _tampered(ddm: bytes, at: int) -> bytes:
    data = bytearray(ddm)
    data[at] ^= 0x01
    return bytes(data)


def _assemble(data: bytes) -> tuple[ImageAssembler, int]:
    """Frame ``data`` as a transmitter would (no container check) and feed every frame, in reverse."""
    sid = session_id_for(data)
    frames: list[Frame] = TransferEncoder(data, sid, mcs_by_name("qpsk-1/2").id, MAX_PAYLOAD).frames()
    asm = ImageAssembler()
    completed = [asm.add(frame) for frame in reversed(frames)]
    assert completed[-1] and not any(completed[:-1])
    return asm, sid


@pytest.mark.parametrize("where", ["magic", "height", "model_id", "payload", "payload_crc"])
def test_a_tampered_stream_raises_codec_error_never_wrong_pixels(ddm, where):
    """A byte changed before framing: every frame passes its link CRCs, the container must still refuse it."""
    _, payload_at = read_header(ddm)
    offsets = {"magic": 0, "height": 12, "model_id": 30, "payload": (payload_at + len(ddm)) // 2}
    at = offsets.get(where, len(ddm) - 1)  # payload_crc: the stream's last byte
    asm, sid = _assemble(_tampered(ddm, at))
    with pytest.raises(CodecError):
        asm.decode(sid)


@pytest.mark.parametrize("fraction", [0.0, 0.3, 0.7, 1.0])
def test_a_tampered_payload_with_a_matching_crc_raises_integrity_error(ddm, pixels, fraction):
    """Even when the container's payload CRC is made to match, a wrong image is refused: by the pixel
    SHA-256, or earlier by the range decoder when the flipped bit makes the stream undecodable (the
    default model's sharp tables often do). A flip in the coder's final padding changes nothing: then
    the image must come out exact."""
    _, payload_at = read_header(ddm)
    payload = bytearray(ddm[payload_at:-4])
    at = min(int(fraction * len(payload)), len(payload) - 1)
    payload[at] ^= 0x40
    data = ddm[:payload_at] + bytes(payload) + zlib.crc32(bytes(payload)).to_bytes(4, "little")
    asm, sid = _assemble(data)
    if fraction < 1.0:
        with pytest.raises((IntegrityError, ContainerError), match="SHA-256|range decoder"):
            asm.decode(sid)
        return
    try:
        image = asm.decode(sid)
    except (IntegrityError, ContainerError) as exc:
        assert "SHA-256" in str(exc) or "range decoder" in str(exc)
    else:
        assert np.array_equal(image.pixels, pixels)  # the flipped bit was in the final word's unused tail
