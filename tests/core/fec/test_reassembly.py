"""Receive side of the outer code: frames of any transfers, in any order, with losses and bad input → streams."""

import dataclasses
import random

import numpy as np
import pytest

from ddm_sscc.errors import FrameError
from ddm_sscc.fec.framing import HEADER_LEN, Frame, FrameHeader, single_symbol_header
from ddm_sscc.fec.reassembly import Reassembler, ReassemblyReport
from ddm_sscc.fec.transfer import TransferEncoder


def stream(n: int, seed: int = 0) -> bytes:
    return random.Random(seed).randbytes(n)


def frames_of(data: bytes, session_id: int, symbol_size: int = 64, repair: float = 0.0) -> list[Frame]:
    return TransferEncoder(data, session_id, 1, symbol_size).frames(repair)


def test_round_trip_shuffled_with_duplicates_and_two_sessions():
    a, b = stream(1000, 1), stream(333, 2)
    frames_a = frames_of(a, 0xA, 64)  # K = 16
    frames_b = frames_of(b, 0xB, 104)  # K = 4
    arrivals = frames_a + frames_b + frames_a[:5] + frames_b[-2:]
    random.Random(3).shuffle(arrivals)
    rx = Reassembler()
    statuses = [rx.add(f) for f in arrivals]
    assert statuses.count("new") == 16 + 4 and statuses.count("duplicate") == 7
    assert statuses.count("late") == statuses.count("conflict") == 0
    assert rx.sessions() == (0xA, 0xB)
    assert rx.complete(0xA) and rx.complete(0xB)
    assert rx.data(0xA) == a and rx.data(0xB) == b
    assert rx.report(0xA) == ReassemblyReport(
        session_id=0xA, source_symbols=16, received=16, needed=16, missing=(), duplicates=5, conflicts=0,
        corrupted=0, corrupted_ids=(), complete=True,
    )  # fmt: skip
    assert rx.report(0xA).summary() == "session 0x0000000a: 16 symbols of K=16, complete after 16, 5 duplicates"
    assert rx.report(0xB).duplicates == 2


def test_reordered_frames_are_fine():
    data = stream(5000, 4)
    frames = frames_of(data, 4, 128, repair=0.5)
    k = frames[0].header.source_symbols
    for order in (frames[::-1], frames[k:] + frames[:k], sorted(frames, key=lambda f: f.payload)):
        rx = Reassembler()
        for f in order:
            rx.add(f)
        assert rx.data(4) == data and rx.report(4).needed <= k + 2


def test_losses_are_reported_until_repair_symbols_fill_them():
    data = stream(40 * 10 - 3)
    frames = frames_of(data, 0x2A, 16, repair=0.5)  # K = 25, 13 repair symbols
    k = 25
    assert len(frames) == k + 13
    rx = Reassembler()
    lost = (4, 17, 24)
    for f in frames[:k]:
        if f.header.symbol_id not in lost:
            assert rx.add(f) == "new"
    rx.add(frames[0])
    rx.add(frames[1])
    rx.add_corrupted(frames[17].header)  # payload CRC failed, header intact
    rx.add_corrupted(None)  # header unreadable: transmission unknown
    report = rx.report(0x2A)
    assert report.missing == lost and report.corrupted_ids == (17,)
    assert (report.received, report.source_symbols, report.duplicates, report.corrupted) == (22, 25, 2, 1)
    assert report.needed is None and not report.complete and not rx.complete(0x2A)
    assert rx.unattributed_corrupted == 1
    assert (
        report.summary()
        == "session 0x0000002a: 22 symbols of K=25, missing 3 source (4, 17, 24), 2 duplicates, 1 corrupted"
    )
    with pytest.raises(FrameError, match=r"session 0x0000002a incomplete: 22 symbols of K=25 held"):
        rx.data(0x2A)
    # repair symbols, not the lost source symbols, complete it
    statuses = []
    for f in frames[k:]:
        statuses.append(rx.add(f))
        if rx.complete(0x2A):
            break
    assert rx.data(0x2A) == data
    report = rx.report(0x2A)
    assert report.complete and report.missing == lost and k <= report.needed <= k + 2
    assert "complete after" in report.summary() and "missing" not in report.summary()
    # symbols after completion are stored as late, and change nothing
    assert rx.add(frames[4]) == "late"
    assert rx.report(0x2A).needed == report.needed and rx.report(0x2A).received == report.received + 1
    assert rx.add(frames[4]) == "duplicate"
    assert rx.data(0x2A) == data


def test_transmissions_never_mix():
    """Two transmissions of the same length and symbol size, interleaved: each rebuilds from its own frames only."""
    a, b = stream(2000, 1), stream(2000, 2)
    frames_a, frames_b = frames_of(a, 1, 64, 1.0), frames_of(b, 2, 64, 1.0)
    k = frames_a[0].header.source_symbols
    rx = Reassembler()
    for f in frames_a[: k - 1] + frames_b[k:]:  # K − 1 of A, and K of B's repair symbols
        rx.add(f)
    assert not rx.complete(1), "symbols of another transmission were used"
    assert rx.report(1).received == k - 1
    assert rx.data(2) == b and rx.report(2).missing == tuple(range(k))
    rx.add(frames_a[-1])
    assert rx.data(1) == a and rx.data(2) == b


def test_the_same_stream_under_two_ids_is_two_transmissions():
    data = stream(500, 7)
    rx = Reassembler()
    for f in frames_of(data, 1)[:-1] + frames_of(data, 2)[:-1]:
        rx.add(f)
    assert not rx.complete(1) and not rx.complete(2)
    assert [rx.report(s).received for s in (1, 2)] == [7, 7] and rx.report(1).duplicates == 0


def test_a_symbol_id_with_other_bytes_is_a_conflict_and_never_stored():
    data = stream(1000)
    frames = frames_of(data, 5, 64, repair=0.5)  # K = 16, symbols 16..23 repair
    rx = Reassembler()
    assert rx.add(frames[0]) == "new"
    assert rx.add(Frame(frames[0].header, bytes(64))) == "conflict"
    assert rx.add(frames[20]) == "new"
    assert rx.add(Frame(frames[20].header, frames[19].payload)) == "conflict"
    assert rx.add(frames[20]) == "duplicate"
    report = rx.report(5)
    assert (report.conflicts, report.received, report.duplicates) == (2, 2, 1)
    assert "2 conflicts" in report.summary()
    for f in frames[2:16]:
        rx.add(f)
    assert rx.data(5) == data  # the first bytes of symbols 0 and 20 were kept, the others dropped


@pytest.mark.parametrize(
    "changes",
    [
        {"transfer_length": 1001},  # another length, symbol 3 still a full one
        {"transfer_length": 2000},
        {"symbol_size": 72, "payload_len": 72},
        {"symbol_size": 8, "payload_len": 8},
    ],
)
def test_a_frame_disagreeing_with_the_transmission_is_a_conflict_and_never_stored(changes):
    """Same session id, another transfer length or symbol size: counted as conflicts, the first version wins."""
    data = stream(1000)
    frames = frames_of(data, 9, 64)
    other = dataclasses.replace(frames[3].header, **changes)
    stranger = Frame(other, bytes(other.payload_len))
    rx = Reassembler()
    rx.add(frames[0])
    assert rx.add(stranger) == "conflict"
    assert rx.add(stranger) == "conflict"
    report = rx.report(9)
    assert (report.conflicts, report.received, report.source_symbols) == (2, 1, 16)
    for f in frames[1:]:
        assert rx.add(f) == "new"
    assert rx.data(9) == data and rx.report(9).conflicts == 2
    # the other way round: the stranger first, then every true frame conflicts and nothing decodes
    rx = Reassembler()
    assert rx.add(stranger) == "new"
    assert [rx.add(f) for f in frames] == ["conflict"] * 16
    assert not rx.complete(9) and rx.report(9).conflicts == 16 and rx.report(9).received == 1


def test_truncated_and_padded_frames_are_refused_before_reassembly():
    """A receiver that parses wire bytes: each damaged frame is a FrameError, counted as corrupted, never stored."""
    data = stream(1000)
    frames = frames_of(data, 0x77, 64)
    rx = Reassembler()
    refused = 0
    for i, f in enumerate(frames):
        packed = f.pack()
        wire = packed[: -1 - i % 3] if i % 2 else packed + bytes(1 + i % 5)  # odd: truncated, even: padded
        if i in (2, 9):
            wire = packed[: HEADER_LEN - 1]  # the header itself is cut
        try:
            rx.add(Frame.unpack(wire))
        except FrameError:
            refused += 1
            try:
                rx.add_corrupted(FrameHeader.unpack(wire[:HEADER_LEN]))
            except FrameError:
                rx.add_corrupted(None)
        with pytest.raises(FrameError):  # the PHY's path: the payload-and-CRC length is checked too
            Frame.from_payload_with_crc(f.header, f.payload_with_crc()[:-1])
    assert refused == len(frames) == 16
    report = rx.report(0x77)
    assert (report.received, report.corrupted, rx.unattributed_corrupted) == (0, 14, 2)
    assert report.corrupted_ids == tuple(i for i in range(16) if i not in (2, 9))
    assert report.source_symbols == 16 and report.missing == tuple(range(16))
    for f in frames:
        rx.add(Frame.unpack(f.pack()))
    assert rx.data(0x77) == data


def test_session_known_only_from_a_corrupted_header():
    rx = Reassembler()
    h = FrameHeader(session_id=9, transfer_length=250, symbol_size=64, symbol_id=2, payload_len=64, mcs=0)
    rx.add_corrupted(h)
    report = rx.report(9)
    assert (report.source_symbols, report.received, report.missing, report.corrupted) == (4, 0, (0, 1, 2, 3), 1)
    assert report.corrupted_ids == (2,) and not rx.complete(9)
    with pytest.raises(FrameError, match="0 symbols of K=4 held"):
        rx.data(9)
    assert rx.report(9).summary() == "session 0x00000009: 0 symbols of K=4, missing 4 source (0, 1, 2, 3), 1 corrupted"


def test_many_missing_are_abbreviated():
    frames = frames_of(stream(800), 1, 8)  # K = 100
    rx = Reassembler()
    rx.add(frames[50])
    summary = rx.report(1).summary()
    assert "missing 99 source" in summary and "+89 more" in summary and "\n" not in summary
    with pytest.raises(FrameError) as info:
        rx.data(1)
    assert "1 symbols of K=100" in str(info.value) and len(str(info.value)) < 200


def test_single_symbol_frames_complete_at_once():
    rx = Reassembler()
    frame = Frame(single_symbol_header(3, 5, 0), b"hello")
    assert rx.add(frame) == "new" and rx.data(3) == b"hello" and rx.report(3).needed == 1
    assert rx.add(frame) == "duplicate"


def test_bad_reassembler_inputs_raise_frame_error():
    rx = Reassembler()
    calls = (
        lambda: rx.report(1),
        lambda: rx.data(1),
        lambda: rx.add(b"frame"),
        lambda: rx.add(Frame(single_symbol_header(1, 1, 0), b"x").pack()),
        lambda: rx.add_corrupted(b"x"),
    )
    for call in calls:
        with pytest.raises(FrameError):
            call()
    assert not rx.complete(1) and rx.sessions() == ()
    rx.add(Frame(single_symbol_header(7, 3, 0), b"abc"))
    for key in (7.0, True, "7", None):
        assert not rx.complete(key)
        with pytest.raises(FrameError, match="no frames received for session"):
            rx.report(key)
    assert rx.data(np.uint32(7)) == b"abc" and rx.complete(np.int64(7))
