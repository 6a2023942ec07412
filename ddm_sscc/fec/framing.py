"""Link-layer frames: one RaptorQ encoding symbol per frame, self-describing, integrity-checked.

A frame on the link is ``header (20 bytes) || payload (payload_len bytes) || CRC-32 (4 bytes)``
before channel coding.  The payload is one encoding symbol of the transfer
(:mod:`ddm_sscc.fec.fountain`); the header carries everything a receiver that saw no
other frame needs to place it: the transmission id, the transfer length, the symbol
size and the symbol's id.  So a receiver that starts in the middle of a carousel can
decode, and symbols of two transmissions never mix.

Header layout (version 2, all integers big-endian)::

    offset  size  field
    0       1     version (2)
    1       4     session_id       transmission id
    5       4     transfer_length  bytes of the transferred stream, 1 .. 2^28
    9       2     symbol_size      bytes per encoding symbol, a multiple of 8
    11      4     symbol_id        RaptorQ encoding symbol id (ESI), < 2^24; ids below
                                   K = ⌈transfer_length / symbol_size⌉ are source symbols
    15      2     payload_len      symbol_size, except the last source symbol, which is sent
                                   without its zero padding (transfer_length − (K−1)·symbol_size)
    17      1     mcs              modulation-and-coding id of the payload (the PHY validates it)
    18      2     CRC-16/CCITT-FALSE of bytes 0 .. 17

The header's CRC-16 lets a receiver tell *which* symbol it lost when only the payload
is corrupted.  The trailing CRC-32 covers **header and payload together**
(``CRC-32(header || payload)``, big-endian), so one frame's header spliced onto another
frame's payload and CRC is refused.  Version 1 (14-byte header, ``seq``/``total``, CRC-32
over the payload alone) is not accepted any more.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass

from ddm_sscc.errors import ConfigError, FrameError
from ddm_sscc.fec.crc import CRC32_LEN, crc16, crc32
from ddm_sscc.fec.fountain import MAX_SOURCE_SYMBOLS, MAX_SYMBOL_SIZE, MAX_TRANSFER_LENGTH, SYMBOL_ALIGNMENT

VERSION = 2
HEADER_LEN = 20
MIN_PAYLOAD = SYMBOL_ALIGNMENT
"""The smallest frame payload size setting: one aligned RaptorQ symbol."""
MAX_PAYLOAD = MAX_SYMBOL_SIZE
MAX_SYMBOL_ID = (1 << 24) - 1
"""RaptorQ's encoding symbol ids are 24-bit."""

_FIELDS = struct.Struct(">BIIHIHB")  # the 18 bytes the CRC-16 covers
_CRC16 = struct.Struct(">H")


def _check_uint(name: str, value: int, high: int, low: int = 0) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"frame header {name} must be an int, got {type(value).__name__}")
    if not low <= value <= high:
        raise ConfigError(f"frame header {name}={value} out of range {low}..{high}")


def _frame_bytes(data: object, what: str) -> bytes:
    """``data`` (bytes, bytearray or memoryview) as bytes; :class:`FrameError` for anything else.

    ``bytes(data)`` alone would turn an int ``n`` into ``n`` zero bytes (and allocate them).
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise FrameError(f"{what} must be bytes, got {type(data).__name__}")
    return bytes(data)


def source_symbol_count(transfer_length: int, symbol_size: int) -> int:
    """``K = ⌈transfer_length / symbol_size⌉``: the source symbols of a transfer."""
    return math.ceil(transfer_length / symbol_size)


def symbol_payload_len(transfer_length: int, symbol_size: int, symbol_id: int) -> int:
    """Bytes a frame carries for ``symbol_id``: the last source symbol goes without its padding."""
    k = source_symbol_count(transfer_length, symbol_size)
    return transfer_length - (k - 1) * symbol_size if symbol_id == k - 1 else symbol_size


def _field_problem(transfer_length: int, symbol_size: int, symbol_id: int, payload_len: int) -> str | None:
    """What is inconsistent in a header's fields (None if nothing): shared by construction and parsing."""
    if not 1 <= transfer_length <= MAX_TRANSFER_LENGTH:
        return f"transfer_length={transfer_length} out of range 1..{MAX_TRANSFER_LENGTH}"
    if not SYMBOL_ALIGNMENT <= symbol_size <= MAX_SYMBOL_SIZE or symbol_size % SYMBOL_ALIGNMENT:
        return f"symbol_size={symbol_size} is not a multiple of {SYMBOL_ALIGNMENT} in {SYMBOL_ALIGNMENT}..{MAX_SYMBOL_SIZE}"
    k = source_symbol_count(transfer_length, symbol_size)
    if k > MAX_SOURCE_SYMBOLS:
        return f"{transfer_length} bytes in {symbol_size}-byte symbols exceed {MAX_SOURCE_SYMBOLS} source symbols"
    if symbol_id > MAX_SYMBOL_ID:
        return f"symbol_id={symbol_id} out of range 0..{MAX_SYMBOL_ID}"
    expected = symbol_payload_len(transfer_length, symbol_size, symbol_id)
    if payload_len != expected:
        return f"payload_len={payload_len} but symbol {symbol_id} of a {transfer_length}-byte transfer carries {expected}"
    return None


@dataclass(frozen=True)
class FrameHeader:
    """The 20-byte frame header; see the module docstring for the byte layout.

    The constructor validates every field (:class:`ConfigError`);
    :meth:`unpack` validates received bytes (:class:`FrameError`).
    """

    session_id: int
    transfer_length: int
    symbol_size: int
    symbol_id: int
    payload_len: int
    mcs: int
    version: int = VERSION

    def __post_init__(self) -> None:
        _check_uint("version", self.version, 0xFF)
        if self.version != VERSION:
            raise ConfigError(f"frame header version {self.version} unsupported (only {VERSION})")
        _check_uint("session_id", self.session_id, 0xFFFF_FFFF)
        _check_uint("transfer_length", self.transfer_length, 0xFFFF_FFFF)
        _check_uint("symbol_size", self.symbol_size, 0xFFFF)
        _check_uint("symbol_id", self.symbol_id, 0xFFFF_FFFF)
        _check_uint("payload_len", self.payload_len, 0xFFFF)
        _check_uint("mcs", self.mcs, 0xFF)
        problem = _field_problem(self.transfer_length, self.symbol_size, self.symbol_id, self.payload_len)
        if problem:
            raise ConfigError(f"frame header {problem}")

    @property
    def source_symbols(self) -> int:
        """``K``: how many symbols the transfer has before its repair symbols."""
        return source_symbol_count(self.transfer_length, self.symbol_size)

    @property
    def is_repair(self) -> bool:
        return self.symbol_id >= self.source_symbols

    def pack(self) -> bytes:
        """The header as :data:`HEADER_LEN` bytes, CRC-16 included."""
        body = _FIELDS.pack(
            self.version, self.session_id, self.transfer_length, self.symbol_size, self.symbol_id,
            self.payload_len, self.mcs,
        )  # fmt: skip
        return body + _CRC16.pack(crc16(body))

    @classmethod
    def unpack(cls, data: bytes) -> FrameHeader:
        """Parse and check :data:`HEADER_LEN` bytes; :class:`FrameError` names what is wrong."""
        data = _frame_bytes(data, "frame header")
        if len(data) != HEADER_LEN:
            raise FrameError(f"frame header is {len(data)} bytes, expected {HEADER_LEN}")
        body = data[: _FIELDS.size]
        (stored,) = _CRC16.unpack(data[_FIELDS.size :])
        if crc16(body) != stored:
            raise FrameError("frame header CRC-16 mismatch")
        version, session_id, transfer_length, symbol_size, symbol_id, payload_len, mcs = _FIELDS.unpack(body)
        # A valid CRC over invalid fields means a buggy or foreign transmitter.
        if version != VERSION:
            raise FrameError(f"frame header version {version} unsupported (only {VERSION})")
        problem = _field_problem(transfer_length, symbol_size, symbol_id, payload_len)
        if problem:
            raise FrameError(f"frame header {problem}")
        return cls(session_id, transfer_length, symbol_size, symbol_id, payload_len, mcs, version)


def single_symbol_header(session_id: int, payload_len: int, mcs: int) -> FrameHeader:
    """The header of a frame whose payload is a whole transfer, as its only source symbol.

    For measurement and test frames of any payload length (1 .. 65528 bytes).
    """
    _check_uint("payload_len", payload_len, 0xFFFF)  # an int before the arithmetic: None was a TypeError
    size = max(SYMBOL_ALIGNMENT, -(-payload_len // SYMBOL_ALIGNMENT) * SYMBOL_ALIGNMENT)
    return FrameHeader(session_id, payload_len, size, 0, payload_len, mcs)


def frame_crc32(header: FrameHeader, payload: bytes) -> bytes:
    """``CRC-32(header || payload)`` as 4 big-endian bytes: the check that makes splices fail."""
    return crc32(header.pack() + bytes(payload)).to_bytes(CRC32_LEN, "big")


@dataclass(frozen=True)
class Frame:
    """One link-layer frame: a header and its ``header.payload_len`` payload bytes (CRC not included)."""

    header: FrameHeader
    payload: bytes

    def __post_init__(self) -> None:
        if not isinstance(self.header, FrameHeader):
            raise FrameError(f"frame header must be a FrameHeader, got {type(self.header).__name__}")
        if not isinstance(self.payload, bytes | bytearray | memoryview):
            raise FrameError(f"frame payload must be bytes, got {type(self.payload).__name__}")
        object.__setattr__(self, "payload", bytes(self.payload))
        if len(self.payload) != self.header.payload_len:
            raise FrameError(
                f"frame payload is {len(self.payload)} bytes but its header says {self.header.payload_len}"
            )

    def payload_with_crc(self) -> bytes:
        """``payload || CRC-32(header || payload)``: the ``payload_len + 4`` bytes the PHY codes."""
        return self.payload + frame_crc32(self.header, self.payload)

    def pack(self) -> bytes:
        """``header || payload``: a frame between processing blocks (a GNU Radio PDU), before the CRC-32."""
        return self.header.pack() + self.payload

    @classmethod
    def unpack(cls, data: bytes) -> Frame:
        """Inverse of :meth:`pack`; :class:`FrameError` on a bad header or a length mismatch."""
        data = _frame_bytes(data, "frame")
        if len(data) < HEADER_LEN:
            raise FrameError(f"frame is {len(data)} bytes, shorter than its {HEADER_LEN}-byte header")
        return cls(FrameHeader.unpack(data[:HEADER_LEN]), data[HEADER_LEN:])

    @classmethod
    def from_payload_with_crc(cls, header: FrameHeader, data: bytes) -> Frame:
        """Receiver side: check the CRC-32 over ``header`` and the payload, then strip it.

        Raises :class:`FrameError` on a mismatch (a corrupted payload, or a header that is
        not the payload's own) or a length other than ``header.payload_len + 4``.
        """
        if not isinstance(header, FrameHeader):
            raise FrameError(f"frame header must be a FrameHeader, got {type(header).__name__}")
        data = _frame_bytes(data, "payload")
        if len(data) != header.payload_len + CRC32_LEN:
            raise FrameError(f"payload and CRC are {len(data)} bytes, expected {header.payload_len + CRC32_LEN}")
        payload, stored = data[:-CRC32_LEN], data[-CRC32_LEN:]
        if frame_crc32(header, payload) != stored:
            raise FrameError("frame CRC-32 mismatch (payload corrupted, or not this header's)")
        return cls(header, payload)
