"""Link-layer frames: split a byte stream into numbered frames and put it back together.

A frame on the link is ``header (14 bytes) || payload (payload_len bytes) || CRC-32 (4 bytes)``
before channel coding.  The header has its own CRC-16 so a receiver can tell
*which* frame it lost when only the payload is corrupted.

Header layout (version 1, all integers big-endian)::

    offset  size  field
    0       1     version (1)
    1       4     session_id   image/session id
    5       2     seq          0 .. total-1
    7       2     total        frame count of the session, >= 1
    9       2     payload_len  payload bytes, without its CRC-32
    11      1     mcs          modulation-and-coding id of the payload (the PHY validates it)
    12      2     CRC-16/CCITT-FALSE of bytes 0 .. 11

The payload CRC-32 (:func:`ddm_sscc.fec.crc.append_crc32`) is big-endian too.
"""

from __future__ import annotations

import math
import numbers
import struct
from dataclasses import dataclass, field

from ddm_sscc.errors import ConfigError, FrameError
from ddm_sscc.fec.crc import append_crc32, crc16, strip_crc32

VERSION = 1
HEADER_LEN = 14
MAX_FRAMES = 0xFFFF  # `total` is a u16
MAX_PAYLOAD = 0xFFFF  # `payload_len` is a u16

_FIELDS = struct.Struct(">BIHHHB")  # the 12 bytes the CRC-16 covers
_CRC = struct.Struct(">H")

# How many missing seqs an error message or summary lists before "…".
_LIST_LIMIT = 10


def _check_uint(name: str, value: int, bits: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"frame header {name} must be an int, got {type(value).__name__}")
    if not 0 <= value < (1 << bits):
        raise ConfigError(f"frame header {name}={value} out of range 0..{(1 << bits) - 1}")


def _frame_bytes(data: object, what: str) -> bytes:
    """``data`` (bytes, bytearray or memoryview) as bytes; :class:`FrameError` for anything else.

    ``bytes(data)`` alone would turn an int ``n`` into ``n`` zero bytes (and allocate them).
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise FrameError(f"{what} must be bytes, got {type(data).__name__}")
    return bytes(data)


def _is_integer(value: object) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _seq_list(seqs: tuple[int, ...] | list[int]) -> str:
    """``"seq 4, 17, 33"``, abbreviated after the first few."""
    shown = ", ".join(str(s) for s in seqs[:_LIST_LIMIT])
    more = f", … (+{len(seqs) - _LIST_LIMIT} more)" if len(seqs) > _LIST_LIMIT else ""
    return f"seq {shown}{more}"


@dataclass(frozen=True)
class FrameHeader:
    """The 14-byte frame header; see the module docstring for the byte layout.

    The constructor validates every field (:class:`ConfigError`);
    :meth:`unpack` validates received bytes (:class:`FrameError`).
    """

    session_id: int
    seq: int
    total: int
    payload_len: int
    mcs: int
    version: int = VERSION

    def __post_init__(self) -> None:
        _check_uint("version", self.version, 8)
        if self.version != VERSION:
            raise ConfigError(f"frame header version {self.version} unsupported (only {VERSION})")
        _check_uint("session_id", self.session_id, 32)
        _check_uint("seq", self.seq, 16)
        _check_uint("total", self.total, 16)
        _check_uint("payload_len", self.payload_len, 16)
        _check_uint("mcs", self.mcs, 8)
        if self.total == 0:
            raise ConfigError("frame header total=0: a session has at least one frame")
        if self.seq >= self.total:
            raise ConfigError(f"frame header seq={self.seq} not below total={self.total}")

    def pack(self) -> bytes:
        """The header as :data:`HEADER_LEN` bytes, CRC-16 included."""
        body = _FIELDS.pack(self.version, self.session_id, self.seq, self.total, self.payload_len, self.mcs)
        return body + _CRC.pack(crc16(body))

    @classmethod
    def unpack(cls, data: bytes) -> FrameHeader:
        """Parse and check :data:`HEADER_LEN` bytes; :class:`FrameError` names what is wrong."""
        data = _frame_bytes(data, "frame header")
        if len(data) != HEADER_LEN:
            raise FrameError(f"frame header is {len(data)} bytes, expected {HEADER_LEN}")
        body = data[: _FIELDS.size]
        (stored,) = _CRC.unpack(data[_FIELDS.size :])
        if crc16(body) != stored:
            raise FrameError("frame header CRC-16 mismatch")
        version, session_id, seq, total, payload_len, mcs = _FIELDS.unpack(body)
        # A valid CRC over invalid fields means a buggy or foreign transmitter.
        if version != VERSION:
            raise FrameError(f"frame header version {version} unsupported (only {VERSION})")
        if total == 0:
            raise FrameError("frame header total=0")
        if seq >= total:
            raise FrameError(f"frame header seq={seq} not below total={total}")
        return cls(session_id=session_id, seq=seq, total=total, payload_len=payload_len, mcs=mcs, version=version)


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
        """``payload || CRC-32(payload)`` big-endian: ``payload_len + 4`` bytes."""
        return append_crc32(self.payload)

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
        """Receiver side: check and strip the payload CRC-32 (:class:`FrameError` on mismatch or bad length)."""
        return cls(header, strip_crc32(data))


def split_stream(data: bytes, session_id: int, mcs: int, max_payload: int) -> list[Frame]:
    """Cut ``data`` into frames of at most ``max_payload`` bytes, seq ``0 .. total-1``.

    Every frame but the last is full.  Empty ``data`` gives one frame with an
    empty payload, so the receiver still learns the session exists.
    """
    if isinstance(max_payload, bool) or not isinstance(max_payload, int) or not 1 <= max_payload <= MAX_PAYLOAD:
        raise ConfigError(f"max_payload={max_payload!r} out of range 1..{MAX_PAYLOAD}")
    if not isinstance(data, bytes | bytearray | memoryview):
        raise ConfigError(f"the stream must be bytes, got {type(data).__name__}")
    data = bytes(data)
    total = max(1, math.ceil(len(data) / max_payload))
    if total > MAX_FRAMES:
        raise ConfigError(
            f"stream of {len(data)} bytes needs {total} frames of {max_payload} bytes, more than {MAX_FRAMES}"
        )
    frames = []
    for seq in range(total):
        chunk = data[seq * max_payload : (seq + 1) * max_payload]
        header = FrameHeader(session_id=session_id, seq=seq, total=total, payload_len=len(chunk), mcs=mcs)
        frames.append(Frame(header, chunk))
    return frames


@dataclass(frozen=True)
class ReassemblyReport:
    """What a :class:`Reassembler` knows about one session.

    ``total`` is the frame count announced by the session's headers (from a
    corrupted frame's header if no good frame arrived yet); ``missing`` are
    the seqs in ``0 .. total-1`` without a good frame, sorted;
    ``corrupted_seqs`` the sorted seqs of corrupted frames whose header was
    readable (a seq may be both corrupted and later received intact).
    """

    session_id: int
    total: int
    received: int
    missing: tuple[int, ...]
    duplicates: int
    conflicts: int
    corrupted: int
    corrupted_seqs: tuple[int, ...]
    complete: bool

    def summary(self) -> str:
        """One line, e.g. ``session 0x0000002a: 37/40 frames, missing 3 (seq 4, 17, 33), 2 duplicates``."""
        parts = [f"session 0x{self.session_id:08x}: {self.received}/{self.total} frames"]
        if self.complete:
            parts.append("complete")
        if self.missing:
            parts.append(f"missing {len(self.missing)} ({_seq_list(self.missing)})")
        if self.duplicates:
            parts.append(f"{self.duplicates} duplicate{'s' if self.duplicates != 1 else ''}")
        if self.conflicts:
            parts.append(f"{self.conflicts} conflict{'s' if self.conflicts != 1 else ''}")
        if self.corrupted:
            parts.append(f"{self.corrupted} corrupted")
        return ", ".join(parts)


@dataclass
class _Session:
    total: int | None = None  # from the first good frame
    hinted_total: int | None = None  # from a corrupted frame's header, until a good frame arrives
    payloads: dict[int, bytes] = field(default_factory=dict)
    duplicates: int = 0
    conflicts: int = 0
    corrupted: int = 0
    corrupted_seqs: set[int] = field(default_factory=set)


class Reassembler:
    """Collects frames of one or more sessions in any order and rebuilds each stream.

    Duplicates are counted and dropped.  A frame that disagrees with what a
    session already holds (same seq with another payload, or another
    ``total``) is a *conflict*: counted, never stored, so the first version
    wins.  Frames that failed their header or payload CRC are reported with
    :meth:`add_corrupted`.
    """

    def __init__(self) -> None:
        self._sessions: dict[int, _Session] = {}
        self.unattributed_corrupted = 0
        """Corrupted frames whose header was unreadable, so whose session is unknown."""

    def add(self, frame: Frame) -> str:
        """Store a good frame; returns ``"new"``, ``"duplicate"`` or ``"conflict"``."""
        if not isinstance(frame, Frame):
            raise FrameError(f"expected a Frame, got {type(frame).__name__}")
        h = frame.header
        session = self._sessions.setdefault(h.session_id, _Session())
        if session.total is None:
            session.total = h.total
        elif h.total != session.total:
            session.conflicts += 1
            return "conflict"
        held = session.payloads.get(h.seq)
        if held is None:
            session.payloads[h.seq] = frame.payload
            return "new"
        if held == frame.payload:
            session.duplicates += 1
            return "duplicate"
        session.conflicts += 1
        return "conflict"

    def add_corrupted(self, header: FrameHeader | None) -> None:
        """Record a frame that failed a CRC: with its header if that was intact, else ``None``."""
        if header is None:
            self.unattributed_corrupted += 1
            return
        if not isinstance(header, FrameHeader):
            raise FrameError(f"expected a FrameHeader or None, got {type(header).__name__}")
        session = self._sessions.setdefault(header.session_id, _Session())
        session.corrupted += 1
        session.corrupted_seqs.add(header.seq)
        if session.hinted_total is None:
            session.hinted_total = header.total

    def sessions(self) -> tuple[int, ...]:
        """Ids of every session seen (good or corrupted frames with a header), sorted."""
        return tuple(sorted(self._sessions))

    def _session(self, session_id: int) -> _Session:
        # Integers only: 1.0 or True would find session 1, then break the hex in messages.
        if not _is_integer(session_id) or session_id not in self._sessions:
            raise FrameError(f"no frames received for session {session_id!r}")
        return self._sessions[session_id]

    def report(self, session_id: int) -> ReassemblyReport:
        """The reception statistics of one session (:class:`FrameError` if never seen)."""
        s = self._session(session_id)
        total = s.total if s.total is not None else s.hinted_total
        assert total is not None  # a session exists only once some header was seen
        missing = tuple(seq for seq in range(total) if seq not in s.payloads)
        return ReassemblyReport(
            session_id=session_id,
            total=total,
            received=len(s.payloads),
            missing=missing,
            duplicates=s.duplicates,
            conflicts=s.conflicts,
            corrupted=s.corrupted,
            corrupted_seqs=tuple(sorted(s.corrupted_seqs)),
            complete=s.total is not None and not missing,
        )

    def complete(self, session_id: int) -> bool:
        """Whether every frame of the session has arrived intact (``False`` for unknown sessions)."""
        if not _is_integer(session_id):
            return False
        s = self._sessions.get(session_id)
        return s is not None and s.total is not None and len(s.payloads) == s.total

    def data(self, session_id: int) -> bytes:
        """The session's stream: payloads concatenated in seq order.

        Raises :class:`FrameError` listing the missing seqs if incomplete.
        """
        s = self._session(session_id)
        if not self.complete(session_id):
            report = self.report(session_id)
            raise FrameError(
                f"session 0x{session_id:08x} incomplete: missing {len(report.missing)} of {report.total} frames "
                f"({_seq_list(report.missing)})"
            )
        return b"".join(s.payloads[seq] for seq in range(len(s.payloads)))
