"""Link-layer frames: header packing, stream splitting and out-of-order reassembly."""

import binascii
import random

import pytest

from ddm_sscc.errors import ConfigError, FrameError
from ddm_sscc.fec.framing import (
    HEADER_LEN,
    Frame,
    FrameHeader,
    Reassembler,
    ReassemblyReport,
    split_stream,
)


def header(**changes) -> FrameHeader:
    fields = dict(session_id=0x2A, seq=3, total=40, payload_len=5, mcs=2)
    fields.update(changes)
    return FrameHeader(**fields)


def stream(n: int, seed: int = 0) -> bytes:
    return random.Random(seed).randbytes(n)


# --- FrameHeader -------------------------------------------------------------------


def test_header_layout_is_fixed():
    packed = FrameHeader(session_id=0x01020304, seq=0x0506, total=0x0708, payload_len=0x090A, mcs=0x0B).pack()
    assert len(packed) == HEADER_LEN == 14
    assert packed[:12] == bytes.fromhex("01 01020304 0506 0708 090A 0B")
    assert packed[12:] == bytes.fromhex("7506")  # CRC-16/CCITT-FALSE of bytes 0..11


def test_header_round_trip():
    smallest = header(seq=0, total=1, payload_len=0, mcs=0, session_id=0)
    largest = header(session_id=0xFFFFFFFF, seq=0xFFFE, total=0xFFFF, payload_len=0xFFFF, mcs=0xFF)
    for h in (header(), smallest, largest):
        assert FrameHeader.unpack(h.pack()) == h


def test_header_crc_flip_in_every_bit_is_detected():
    packed = header().pack()
    for bit in range(8 * HEADER_LEN):
        corrupted = bytearray(packed)
        corrupted[bit // 8] ^= 0x80 >> (bit % 8)
        with pytest.raises(FrameError, match="CRC-16"):
            FrameHeader.unpack(bytes(corrupted))


def _with_crc(body: bytes) -> bytes:
    return body + binascii.crc_hqx(body, 0xFFFF).to_bytes(2, "big")


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (bytes.fromhex("02 0000002a 0000 0001 0000 00"), "version 2"),
        (bytes.fromhex("01 0000002a 0000 0000 0000 00"), "total=0"),
        (bytes.fromhex("01 0000002a 0005 0005 0000 00"), "seq=5 not below total=5"),
    ],
)
def test_unpack_rejects_bad_fields_with_valid_crc(body, problem):
    with pytest.raises(FrameError, match=problem):
        FrameHeader.unpack(_with_crc(body))


@pytest.mark.parametrize("length", [0, 1, 13, 15, 100])
def test_unpack_rejects_wrong_length(length):
    with pytest.raises(FrameError, match=f"{length} bytes, expected 14"):
        FrameHeader.unpack(bytes(length))


def test_unpack_fuzz_raises_only_frame_error():
    rng = random.Random(1234)
    accepted = 0
    for i in range(20000):
        length = HEADER_LEN if i % 2 else rng.randrange(0, 40)
        data = rng.randbytes(length)
        if i % 7 == 0:  # valid CRC over random fields reaches the field checks
            data = _with_crc(rng.randbytes(12))
        try:
            FrameHeader.unpack(data)
            accepted += 1
        except FrameError:
            pass
    assert accepted < 2000  # essentially only the valid-CRC inputs with sane fields


@pytest.mark.parametrize(
    "changes",
    [
        dict(version=2),
        dict(session_id=-1),
        dict(session_id=1 << 32),
        dict(seq=-1),
        dict(seq=40),
        dict(total=0, seq=0),
        dict(total=1 << 16),
        dict(payload_len=1 << 16),
        dict(mcs=256),
        dict(mcs=1.0),
        dict(seq=True),
    ],
)
def test_header_constructor_validates(changes):
    with pytest.raises(ConfigError):
        header(**changes)


# --- Frame and split_stream -----------------------------------------------------------


def test_frame_checks_payload_length_and_adds_crc():
    frame = Frame(header(payload_len=3), bytearray(b"abc"))
    assert frame.payload == b"abc" and isinstance(frame.payload, bytes)
    wire = frame.payload_with_crc()
    assert len(wire) == 7 and wire[:3] == b"abc"
    assert Frame.from_payload_with_crc(frame.header, wire) == frame
    with pytest.raises(FrameError, match="CRC-32"):
        Frame.from_payload_with_crc(frame.header, b"abd" + wire[3:])
    with pytest.raises(FrameError, match="4 bytes but its header says 3"):
        Frame(header(payload_len=3), b"abcd")
    with pytest.raises(FrameError):
        Frame(header(payload_len=3), "abc")


@pytest.mark.parametrize(
    ("size", "max_payload", "total"), [(0, 10, 1), (1, 10, 1), (10, 10, 1), (11, 10, 2), (95, 10, 10)]
)
def test_split_stream_sizes(size, max_payload, total):
    data = stream(size)
    frames = split_stream(data, session_id=7, mcs=3, max_payload=max_payload)
    assert len(frames) == total
    assert [f.header.seq for f in frames] == list(range(total))
    assert all(f.header.total == total and f.header.session_id == 7 and f.header.mcs == 3 for f in frames)
    assert all(len(f.payload) == max_payload for f in frames[:-1])
    assert b"".join(f.payload for f in frames) == data


def test_split_stream_rejects_bad_settings():
    with pytest.raises(ConfigError, match="70000 bytes needs 70000 frames of 1 bytes"):
        split_stream(bytes(70000), session_id=1, mcs=0, max_payload=1)
    for bad in (0, -5, 1 << 16, 2.5):
        with pytest.raises(ConfigError, match="max_payload"):
            split_stream(b"x", session_id=1, mcs=0, max_payload=bad)
    with pytest.raises(ConfigError):
        split_stream(b"x", session_id=1 << 32, mcs=0, max_payload=10)
    with pytest.raises(ConfigError):
        split_stream(b"x", session_id=1, mcs=300, max_payload=10)


# --- Reassembler -----------------------------------------------------------------------


def test_round_trip_shuffled_with_duplicates_and_two_sessions():
    a, b = stream(1000, 1), stream(333, 2)
    frames_a = split_stream(a, session_id=0xA, mcs=1, max_payload=64)
    frames_b = split_stream(b, session_id=0xB, mcs=4, max_payload=100)
    arrivals = frames_a + frames_b + frames_a[:5] + frames_b[-2:]
    random.Random(3).shuffle(arrivals)
    rx = Reassembler()
    statuses = [rx.add(f) for f in arrivals]
    assert statuses.count("new") == len(frames_a) + len(frames_b)
    assert statuses.count("duplicate") == 7
    assert rx.sessions() == (0xA, 0xB)
    assert rx.complete(0xA) and rx.complete(0xB)
    assert rx.data(0xA) == a and rx.data(0xB) == b
    report = rx.report(0xA)
    assert report == ReassemblyReport(
        session_id=0xA, total=16, received=16, missing=(), duplicates=5, conflicts=0, corrupted=0,
        corrupted_seqs=(), complete=True,
    )
    assert report.summary() == "session 0x0000000a: 16/16 frames, complete, 5 duplicates"


def test_missing_duplicate_and_corrupted_are_reported():
    frames = split_stream(stream(40 * 10), session_id=0x2A, mcs=0, max_payload=10)
    rx = Reassembler()
    for f in frames:
        if f.header.seq not in (4, 17, 33):
            rx.add(f)
    rx.add(frames[0])
    rx.add(frames[1])
    rx.add_corrupted(frames[17].header)  # payload CRC failed, header intact
    rx.add_corrupted(None)  # header unreadable: session unknown
    report = rx.report(0x2A)
    assert report.missing == (4, 17, 33)
    assert (report.received, report.total, report.duplicates, report.corrupted) == (37, 40, 2, 1)
    assert report.corrupted_seqs == (17,)
    assert not report.complete and not rx.complete(0x2A)
    assert rx.unattributed_corrupted == 1
    assert report.summary() == "session 0x0000002a: 37/40 frames, missing 3 (seq 4, 17, 33), 2 duplicates, 1 corrupted"
    with pytest.raises(FrameError, match=r"missing 3 of 40 frames \(seq 4, 17, 33\)"):
        rx.data(0x2A)
    # The retransmission completes it.
    for seq in (4, 17, 33):
        assert rx.add(frames[seq]) == "new"
    assert rx.data(0x2A) == b"".join(f.payload for f in frames)
    assert rx.report(0x2A).corrupted_seqs == (17,)


def test_conflicts_are_counted_not_stored():
    frames = split_stream(b"abcdefgh", session_id=5, mcs=0, max_payload=4)
    rx = Reassembler()
    assert rx.add(frames[0]) == "new"
    # same seq, different payload
    assert rx.add(Frame(frames[0].header, b"XXXX")) == "conflict"
    # different total for the session
    other_total = FrameHeader(session_id=5, seq=1, total=3, payload_len=4, mcs=0)
    assert rx.add(Frame(other_total, b"efgh")) == "conflict"
    assert rx.add(frames[1]) == "new"
    assert rx.add(frames[1]) == "duplicate"
    report = rx.report(5)
    assert (report.conflicts, report.duplicates, report.complete) == (2, 1, True)
    assert rx.data(5) == b"abcdefgh"
    assert "2 conflicts" in report.summary()


def test_many_missing_are_abbreviated():
    frames = split_stream(stream(100), session_id=1, mcs=0, max_payload=1)
    rx = Reassembler()
    rx.add(frames[50])
    with pytest.raises(FrameError) as info:
        rx.data(1)
    message = str(info.value)
    assert "missing 99 of 100" in message and "+89 more" in message and "\n" not in message
    assert len(message) < 200
    assert "+89 more" in rx.report(1).summary()


def test_session_known_only_from_a_corrupted_header():
    rx = Reassembler()
    rx.add_corrupted(header(session_id=9, seq=2, total=4))
    report = rx.report(9)
    assert (report.total, report.received, report.missing, report.corrupted) == (4, 0, (0, 1, 2, 3), 1)
    assert not rx.complete(9)
    with pytest.raises(FrameError, match="missing 4 of 4"):
        rx.data(9)


def test_bad_reassembler_inputs_raise_frame_error():
    rx = Reassembler()
    for call in (lambda: rx.report(1), lambda: rx.data(1), lambda: rx.add(b"frame"), lambda: rx.add_corrupted(b"x")):
        with pytest.raises(FrameError):
            call()
    assert not rx.complete(1)
    assert rx.sessions() == ()


def test_empty_stream_round_trip():
    rx = Reassembler()
    (frame,) = split_stream(b"", session_id=3, mcs=0, max_payload=100)
    assert rx.add(frame) == "new"
    assert rx.data(3) == b""
