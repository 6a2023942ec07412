"""Link-layer frames, format 2: the 20-byte header, its field checks, and the CRC-32 over header and payload."""

import binascii
import dataclasses
import random
import struct
import zlib

import pytest

from ddm_sscc.errors import ConfigError, FrameError
from ddm_sscc.fec.framing import (
    HEADER_LEN,
    MAX_PAYLOAD,
    MAX_SYMBOL_ID,
    VERSION,
    Frame,
    FrameHeader,
    frame_crc32,
    single_symbol_header,
    source_symbol_count,
    symbol_payload_len,
)
from ddm_sscc.fec.transfer import TransferEncoder

# A 1000-byte transfer in 64-byte symbols: K = 16, the last source symbol (id 15) carries 40 bytes.
FIELDS = {"session_id": 0x2A, "transfer_length": 1000, "symbol_size": 64, "symbol_id": 3, "payload_len": 64, "mcs": 2}


def header(**changes) -> FrameHeader:
    return FrameHeader(**(FIELDS | changes))


def with_crc16(body: bytes) -> bytes:
    """18 header bytes followed by their CRC-16/CCITT-FALSE, computed independently of the module."""
    return body + binascii.crc_hqx(body, 0xFFFF).to_bytes(2, "big")


def body(version=2, session_id=0x2A, transfer_length=1000, symbol_size=64, symbol_id=3, payload_len=64, mcs=2):
    """The 18 bytes the CRC-16 covers, packed by hand (the documented layout)."""
    return struct.pack(">BIIHIHB", version, session_id, transfer_length, symbol_size, symbol_id, payload_len, mcs)


def transfer(n: int, session_id: int = 0x2A, symbol_size: int = 64, seed: int = 0) -> tuple[bytes, list[Frame]]:
    data = random.Random(seed).randbytes(n)
    return data, TransferEncoder(data, session_id, 1, symbol_size).frames(0.5)


# --- FrameHeader: layout and round trip -----------------------------------------------------------


def test_header_layout_is_fixed():
    h = FrameHeader(
        session_id=0x01020304, transfer_length=0x1000, symbol_size=0x0100, symbol_id=0x0A0B0C, payload_len=0x0100,
        mcs=0x0B,
    )  # fmt: skip
    packed = h.pack()
    assert len(packed) == HEADER_LEN == 20 and VERSION == 2
    assert packed[:18] == bytes.fromhex("02 01020304 00001000 0100 000A0B0C 0100 0B")
    assert packed[18:] == bytes.fromhex("e669")  # CRC-16/CCITT-FALSE of bytes 0..17
    assert packed == with_crc16(body(2, 0x01020304, 0x1000, 0x100, 0x0A0B0C, 0x100, 0x0B))
    assert (h.source_symbols, h.is_repair) == (16, True)


SMALLEST = {"session_id": 0, "transfer_length": 1, "symbol_size": 8, "symbol_id": 0, "payload_len": 1, "mcs": 0}
LARGEST = {
    "session_id": 0xFFFFFFFF,
    "transfer_length": 1 << 28,
    "symbol_size": 65528,
    "symbol_id": MAX_SYMBOL_ID,
    "payload_len": 65528,
    "mcs": 0xFF,
}


@pytest.mark.parametrize(
    "fields",
    [
        FIELDS,
        SMALLEST,
        LARGEST,
        FIELDS | {"symbol_id": 15, "payload_len": 40},  # the last, short source symbol
        FIELDS | {"symbol_id": 16},  # the first repair symbol
        FIELDS | {"transfer_length": 1024, "symbol_id": 15},  # a transfer of whole symbols: the last one is full
    ],
)
def test_header_round_trip(fields):
    h = FrameHeader(**fields)
    packed = h.pack()
    assert FrameHeader.unpack(packed) == h
    assert FrameHeader.unpack(bytearray(packed)) == h and FrameHeader.unpack(memoryview(packed)) == h
    assert packed == with_crc16(body(**fields))


def test_source_and_repair_symbols():
    assert source_symbol_count(1000, 64) == 16 and source_symbol_count(1024, 64) == 16
    assert source_symbol_count(1025, 64) == 17 and source_symbol_count(1, 65528) == 1
    assert [symbol_payload_len(1000, 64, i) for i in (0, 14, 15, 16, 1000)] == [64, 64, 40, 64, 64]
    assert [header(symbol_id=i).is_repair for i in (0, 14, 16, 17)] == [False, False, True, True]
    assert not header(symbol_id=15, payload_len=40).is_repair


def test_header_single_bit_flips_are_all_refused():
    for h in (header(), header(symbol_id=15, payload_len=40), single_symbol_header(7, 1, 0)):
        packed = h.pack()
        for bit in range(8 * HEADER_LEN):
            corrupted = bytearray(packed)
            corrupted[bit // 8] ^= 0x80 >> (bit % 8)
            with pytest.raises(FrameError, match="CRC-16"):
                FrameHeader.unpack(bytes(corrupted))


# --- FrameHeader: field checks on received bytes (valid CRC-16, inconsistent fields) ---------------------


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"version": 1}, "version 1 unsupported"),
        ({"version": 0}, "version 0 unsupported"),
        ({"version": 3}, "version 3 unsupported"),
        ({"transfer_length": 0}, "transfer_length=0 out of range"),
        ({"transfer_length": (1 << 28) + 1, "symbol_size": 65528, "payload_len": 65528}, "transfer_length=268435457"),
        ({"transfer_length": 0xFFFFFFFF}, "transfer_length=4294967295"),
        ({"symbol_size": 0, "payload_len": 0}, "symbol_size=0 is not a multiple of 8"),
        ({"symbol_size": 100, "payload_len": 100}, "symbol_size=100 is not a multiple of 8"),
        ({"symbol_size": 4, "payload_len": 4}, "symbol_size=4"),
        ({"symbol_size": 0xFFFF, "payload_len": 0xFFFF}, "symbol_size=65535"),
        ({"symbol_size": 65536 - 8, "transfer_length": 1 << 28, "payload_len": 100}, "payload_len=100"),
        ({"transfer_length": 1 << 28, "symbol_size": 8, "payload_len": 8}, "exceed 56403 source symbols"),
        ({"symbol_id": 1 << 24}, "symbol_id=16777216 out of range"),
        ({"symbol_id": 0xFFFFFFFF}, "symbol_id=4294967295 out of range"),
        ({"symbol_id": 0, "payload_len": 40}, "payload_len=40 but symbol 0 of a 1000-byte transfer carries 64"),
        ({"symbol_id": 15, "payload_len": 64}, "payload_len=64 but symbol 15 of a 1000-byte transfer carries 40"),
        ({"symbol_id": 16, "payload_len": 40}, "payload_len=40 but symbol 16"),
        ({"symbol_id": 3, "payload_len": 0}, "payload_len=0"),
        ({"symbol_id": 3, "payload_len": 65}, "payload_len=65"),
    ],
)
def test_unpack_refuses_inconsistent_fields_with_a_valid_crc(fields, problem):
    data = with_crc16(body(**fields))
    with pytest.raises(FrameError, match=problem):
        FrameHeader.unpack(data)
    with pytest.raises(FrameError, match=problem):
        Frame.unpack(data + bytes(64))


def test_version_1_headers_and_frames_are_refused():
    """A format-1 header (14 bytes: version 1, session, seq, total, payload_len, mcs, CRC-16) is not read as v2."""
    v1 = bytes.fromhex("01 0000002a 0003 0028 0005 02")
    v1 += binascii.crc_hqx(v1, 0xFFFF).to_bytes(2, "big")
    with pytest.raises(FrameError, match="14 bytes, expected 20"):
        FrameHeader.unpack(v1)
    frame = v1 + b"hello" + zlib.crc32(b"hello").to_bytes(4, "big")  # 23 bytes: v1 header, payload, CRC
    with pytest.raises(FrameError):
        Frame.unpack(frame)
    with pytest.raises(FrameError, match="version 1 unsupported"):
        FrameHeader.unpack(with_crc16(body(version=1)))  # v2-sized, but says version 1


@pytest.mark.parametrize("length", [0, 1, 14, 19, 21, 100])
def test_unpack_refuses_wrong_lengths(length):
    with pytest.raises(FrameError, match=f"{length} bytes, expected 20"):
        FrameHeader.unpack(header().pack().ljust(length, b"\0")[:length])


@pytest.mark.parametrize("bad", [None, 20, "x" * 20, [0] * 20])
def test_unpack_refuses_non_bytes(bad):
    with pytest.raises(FrameError, match="must be bytes"):
        FrameHeader.unpack(bad)
    with pytest.raises(FrameError, match="must be bytes"):
        Frame.unpack(bad)


def test_random_headers_raise_only_frame_error():
    rng = random.Random(1234)
    accepted = 0
    for i in range(20000):
        data = rng.randbytes(HEADER_LEN if i % 2 else rng.randrange(0, 40))
        if i % 5 == 0:  # a valid CRC over random fields reaches the field checks
            data = with_crc16(bytes([2]) + rng.randbytes(17))
        try:
            h = FrameHeader.unpack(data)
        except FrameError:
            continue
        accepted += 1
        assert h.pack() == data
    assert accepted < 20  # random fields are almost never consistent


# --- FrameHeader: constructor checks ---------------------------------------------------------------


@pytest.mark.parametrize(
    "changes",
    [
        {"version": 1},
        {"version": 3},
        {"session_id": -1},
        {"session_id": 1 << 32},
        {"session_id": 1.0},
        {"transfer_length": 0},
        {"transfer_length": (1 << 28) + 1},
        {"symbol_size": 63, "payload_len": 63},
        {"symbol_size": 0, "payload_len": 0},
        {"symbol_size": 1 << 16, "payload_len": 1 << 16},
        {"symbol_id": -1},
        {"symbol_id": 1 << 24},
        {"symbol_id": True},
        {"payload_len": 63},
        {"payload_len": 65},
        {"symbol_id": 15},  # payload_len 64, but the last source symbol carries 40
        {"payload_len": 1 << 16},
        {"mcs": 256},
        {"mcs": -1},
        {"mcs": 1.0},
        {"mcs": "2"},
    ],
)
def test_header_constructor_validates(changes):
    with pytest.raises(ConfigError):
        header(**changes)


@pytest.mark.parametrize("n", [1, 7, 8, 9, 100, 1024, MAX_PAYLOAD - 1, MAX_PAYLOAD])
def test_single_symbol_header_fits_any_length(n):
    h = single_symbol_header(0xBEEF, n, 4)
    assert (h.session_id, h.transfer_length, h.symbol_id, h.payload_len, h.mcs) == (0xBEEF, n, 0, n, 4)
    assert h.symbol_size % 8 == 0 and n <= h.symbol_size < n + 8
    assert h.source_symbols == 1 and not h.is_repair
    assert FrameHeader.unpack(h.pack()) == h
    frame = Frame(h, bytes(range(256)) * (n // 256) + bytes(n % 256))
    assert Frame.from_payload_with_crc(h, frame.payload_with_crc()) == frame


@pytest.mark.parametrize("n", [0, MAX_PAYLOAD + 1, 1 << 16, -1, None, 5.0, True, "5"])
def test_single_symbol_header_refuses_impossible_lengths(n):
    with pytest.raises(ConfigError):
        single_symbol_header(1, n, 0)


# --- Frame: payload, CRC-32 over header and payload, pack/unpack ---------------------------------------


def test_frame_crc32_covers_header_and_payload():
    h = single_symbol_header(5, 3, 1)
    frame = Frame(h, bytearray(b"abc"))
    assert frame.payload == b"abc" and isinstance(frame.payload, bytes)
    wire = frame.payload_with_crc()
    expected_crc = zlib.crc32(h.pack() + b"abc").to_bytes(4, "big")
    assert wire == b"abc" + expected_crc and frame_crc32(h, b"abc") == expected_crc
    assert expected_crc != zlib.crc32(b"abc").to_bytes(4, "big")  # not format 1's CRC over the payload alone
    assert Frame.from_payload_with_crc(h, wire) == frame
    assert Frame.from_payload_with_crc(h, bytearray(wire)) == frame
    with pytest.raises(FrameError, match="CRC-32 mismatch"):
        Frame.from_payload_with_crc(h, b"abd" + wire[3:])
    with pytest.raises(FrameError, match="CRC-32 mismatch"):  # format 1's trailer is refused
        Frame.from_payload_with_crc(h, b"abc" + zlib.crc32(b"abc").to_bytes(4, "big"))


def test_every_payload_bit_error_is_caught():
    _data, frames = transfer(1000)
    frame = frames[15]  # the short last source symbol
    wire = frame.payload_with_crc()
    for bit in range(8 * len(wire)):
        corrupted = bytearray(wire)
        corrupted[bit // 8] ^= 0x80 >> (bit % 8)
        with pytest.raises(FrameError, match="CRC-32"):
            Frame.from_payload_with_crc(frame.header, bytes(corrupted))


def test_frame_checks_lengths_and_types():
    h = single_symbol_header(5, 3, 1)
    with pytest.raises(FrameError, match="4 bytes but its header says 3"):
        Frame(h, b"abcd")
    with pytest.raises(FrameError, match="2 bytes but its header says 3"):
        Frame(h, b"ab")
    with pytest.raises(FrameError, match="payload must be bytes"):
        Frame(h, "abc")
    with pytest.raises(FrameError, match="header must be a FrameHeader"):
        Frame(h.pack(), b"abc")
    wire = Frame(h, b"abc").payload_with_crc()
    for bad in (wire[:-1], wire + b"\0", wire[:4], b""):
        with pytest.raises(FrameError, match=f"{len(bad)} bytes, expected 7"):
            Frame.from_payload_with_crc(h, bad)
    with pytest.raises(FrameError, match="must be bytes"):
        Frame.from_payload_with_crc(h, 7)
    with pytest.raises(FrameError, match="header must be a FrameHeader"):
        Frame.from_payload_with_crc(h.pack(), wire)


def test_frame_pack_round_trip_and_truncation():
    _, frames = transfer(1000)
    for frame in (frames[0], frames[15], frames[-1]):
        packed = frame.pack()
        assert packed[:HEADER_LEN] == frame.header.pack() and packed[HEADER_LEN:] == frame.payload
        assert Frame.unpack(packed) == frame
        for cut in range(len(packed)):  # every truncation is refused
            with pytest.raises(FrameError):
                Frame.unpack(packed[:cut])
        with pytest.raises(FrameError, match="but its header says"):
            Frame.unpack(packed + b"\0")


# --- splices: one frame's header on another frame's payload and CRC (issue 17) ------------------------------


def splice(header_of: Frame, payload_of: Frame) -> Frame:
    """What a receiver makes of ``header_of``'s header arriving with ``payload_of``'s payload and CRC."""
    assert header_of.header.payload_len == payload_of.header.payload_len  # the splice has a plausible length
    return Frame.from_payload_with_crc(header_of.header, payload_of.payload_with_crc())


def test_splice_of_two_symbols_of_one_transfer_is_refused():
    _data, frames = transfer(1000)
    full = [f for f in frames if f.header.payload_len == 64]  # source 0..14 and every repair symbol
    assert len(full) == len(frames) - 1
    for a in full[:6] + full[-3:]:
        for b in full:
            if a is b:
                assert splice(a, b) == a
            else:
                with pytest.raises(FrameError, match="CRC-32 mismatch"):
                    splice(a, b)


def test_splice_across_transmissions_is_refused():
    # two transmissions of the same length: different data, or the very same data under another id
    _, a = transfer(1000, session_id=1, seed=1)
    _, b = transfer(1000, session_id=2, seed=2)
    _, c = transfer(1000, session_id=3, seed=1)
    for x, y in ((a, b), (b, a), (a, c), (c, a)):
        for fx, fy in zip(x, y, strict=True):
            assert fx.header.payload_len == fy.header.payload_len
            with pytest.raises(FrameError, match="CRC-32 mismatch"):
                splice(fx, fy)
    assert a[0].payload == c[0].payload  # the same bytes; only the header tells them apart


def test_splice_of_single_symbol_frames_is_refused():
    one = Frame(single_symbol_header(1, 5, 0), b"hello")
    two = Frame(single_symbol_header(2, 5, 0), b"world")
    other_mcs = Frame(single_symbol_header(1, 5, 3), b"hello")
    for x, y in ((one, two), (two, one), (one, other_mcs), (other_mcs, one)):
        with pytest.raises(FrameError, match="CRC-32 mismatch"):
            splice(x, y)


@pytest.mark.parametrize(
    "changes",
    [
        {"session_id": 0x2B},
        {"session_id": 0x2A ^ (1 << 31)},
        {"symbol_id": 4},
        {"symbol_id": 3 | (1 << 23)},
        {"mcs": 3},
        {"transfer_length": 1016},  # still a full 64-byte symbol 3
        {"transfer_length": 2000},
        {"symbol_size": 72, "payload_len": 72, "transfer_length": 1000},
    ],
)
def test_a_forged_header_with_a_fresh_crc16_is_refused(changes):
    """A header whose field changed and whose CRC-16 was recomputed passes its own check, not the CRC-32."""
    _data, frames = transfer(1000)
    original = frames[3]
    forged = dataclasses.replace(original.header, **changes)
    assert FrameHeader.unpack(forged.pack()) == forged  # a valid header on its own
    payload = original.payload_with_crc()
    if forged.payload_len != original.header.payload_len:
        payload = original.payload + bytes(8) + payload[-4:]  # lengthen to fit; the CRC stays the original's
    with pytest.raises(FrameError, match="CRC-32"):
        Frame.from_payload_with_crc(forged, payload)
    assert Frame.from_payload_with_crc(original.header, original.payload_with_crc()) == original


def test_every_bit_of_a_header_matters_to_the_crc32():
    """Flip each header bit, fix the CRC-16: whenever the fields still parse, the payload's CRC-32 refuses it."""
    _, frames = transfer(1000)
    for frame in (frames[3], frames[15], frames[20]):
        wire = frame.payload_with_crc()
        packed = frame.header.pack()
        parsed = 0
        for bit in range(8 * 18):
            forged = bytearray(packed[:18])
            forged[bit // 8] ^= 0x80 >> (bit % 8)
            try:
                h = FrameHeader.unpack(with_crc16(bytes(forged)))
            except FrameError:
                continue  # the field checks refuse it already (version, sizes, payload_len)
            parsed += 1
            with pytest.raises(FrameError, match="CRC-32 mismatch"):
                Frame.from_payload_with_crc(h, wire)
        assert parsed >= 32 + 8  # at least every session id and mcs bit gives a valid header
