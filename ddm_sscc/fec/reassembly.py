"""Receive side of the outer code: frames of any transfers, in any order, with losses → streams.

A :class:`Reassembler` keeps one RaptorQ decoder per transmission id and returns a
stream as soon as the symbols that arrived rebuild it, whichever they were.  Frames that
cannot belong are never stored; each is counted with its reason:

* ``duplicate``: a symbol id already held, with the same bytes;
* ``conflict``: the same symbol id with other bytes, or a transfer length or symbol size
  that disagrees with the transmission's first good frame (the first version wins);
* ``corrupted``: the frame failed a CRC (reported with :meth:`Reassembler.add_corrupted`).
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field

from ddm_sscc.errors import FrameError
from ddm_sscc.fec.fountain import FountainDecoder, FountainPacket
from ddm_sscc.fec.framing import Frame, FrameHeader

_LIST_LIMIT = 10
"""How many symbol ids a summary lists before "…"."""


def _id_list(ids: tuple[int, ...]) -> str:
    shown = ", ".join(str(s) for s in ids[:_LIST_LIMIT])
    return f"{shown}, … (+{len(ids) - _LIST_LIMIT} more)" if len(ids) > _LIST_LIMIT else shown


def _is_integer(value: object) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


@dataclass(frozen=True)
class ReassemblyReport:
    """What a :class:`Reassembler` knows about one transmission.

    Attributes:
        session_id: the transmission id.
        source_symbols: ``K``, the fewest frames that can rebuild the stream (0 while no
            header was seen intact enough to say; from a corrupted frame's header until a good one).
        received: distinct good symbols stored.
        needed: good symbols held when the stream was rebuilt (None until then).
        missing: source symbol ids not received, sorted (a fountain does not need them all).
        duplicates, conflicts, corrupted: frames counted and dropped (module docstring).
        corrupted_ids: sorted symbol ids of corrupted frames whose header was readable.
        complete: the stream is rebuilt.
    """

    session_id: int
    source_symbols: int
    received: int
    needed: int | None
    missing: tuple[int, ...]
    duplicates: int
    conflicts: int
    corrupted: int
    corrupted_ids: tuple[int, ...]
    complete: bool

    def summary(self) -> str:
        """One line, e.g. ``session 0x0000002a: 37 symbols of K=40, missing 3 source (4, 17, 33), 2 duplicates``."""
        parts = [f"session 0x{self.session_id:08x}: {self.received} symbols of K={self.source_symbols}"]
        if self.complete:
            parts.append(f"complete after {self.needed}")
        elif self.missing:
            parts.append(f"missing {len(self.missing)} source ({_id_list(self.missing)})")
        for count, what in ((self.duplicates, "duplicate"), (self.conflicts, "conflict")):
            if count:
                parts.append(f"{count} {what}{'s' if count != 1 else ''}")
        if self.corrupted:
            parts.append(f"{self.corrupted} corrupted")
        return ", ".join(parts)


@dataclass
class _Transmission:
    decoder: FountainDecoder | None = None  # from the first good frame
    hinted_k: int = 0  # from a corrupted frame's header, until a good frame arrives
    symbols: dict[int, bytes] = field(default_factory=dict)
    needed: int | None = None
    duplicates: int = 0
    conflicts: int = 0
    corrupted: int = 0
    corrupted_ids: set[int] = field(default_factory=set)


class Reassembler:
    """Collects the frames of one or more transmissions and rebuilds each stream (module docstring)."""

    def __init__(self) -> None:
        self._sessions: dict[int, _Transmission] = {}
        self.unattributed_corrupted = 0
        """Corrupted frames whose header was unreadable, so whose transmission is unknown."""

    def add(self, frame: Frame) -> str:
        """Store a good frame; ``"new"``, ``"duplicate"``, ``"conflict"`` or ``"late"`` (after completion)."""
        if not isinstance(frame, Frame):
            raise FrameError(f"expected a Frame, got {type(frame).__name__}")
        h = frame.header
        t = self._sessions.setdefault(h.session_id, _Transmission())
        if t.decoder is None:
            t.decoder = FountainDecoder(h.transfer_length, h.symbol_size)
        elif (h.transfer_length, h.symbol_size) != (t.decoder.transfer_length, t.decoder.symbol_size):
            t.conflicts += 1
            return "conflict"
        held = t.symbols.get(h.symbol_id)
        if held is not None:
            if held == frame.payload:
                t.duplicates += 1
                return "duplicate"
            t.conflicts += 1
            return "conflict"
        t.symbols[h.symbol_id] = frame.payload
        if t.needed is not None:
            return "late"
        padded = frame.payload + bytes(h.symbol_size - len(frame.payload))
        if t.decoder.add(FountainPacket(0, h.symbol_id, padded)) is not None:
            t.needed = len(t.symbols)
        return "new"

    def add_corrupted(self, header: FrameHeader | None) -> None:
        """Record a frame that failed a CRC: with its header if that was intact, else ``None``."""
        if header is None:
            self.unattributed_corrupted += 1
            return
        if not isinstance(header, FrameHeader):
            raise FrameError(f"expected a FrameHeader or None, got {type(header).__name__}")
        t = self._sessions.setdefault(header.session_id, _Transmission())
        t.corrupted += 1
        t.corrupted_ids.add(header.symbol_id)
        t.hinted_k = t.hinted_k or header.source_symbols

    def sessions(self) -> tuple[int, ...]:
        """Ids of every transmission seen (good or corrupted frames with a header), sorted."""
        return tuple(sorted(self._sessions))

    def _session(self, session_id: int) -> _Transmission:
        # Integers only: 1.0 or True would find session 1, then break the hex in messages.
        if not _is_integer(session_id) or session_id not in self._sessions:
            raise FrameError(f"no frames received for session {session_id!r}")
        return self._sessions[session_id]

    def report(self, session_id: int) -> ReassemblyReport:
        """The reception statistics of one transmission (:class:`FrameError` if never seen)."""
        t = self._session(session_id)
        k = t.decoder.source_symbols if t.decoder is not None else t.hinted_k
        return ReassemblyReport(
            session_id=session_id,
            source_symbols=k,
            received=len(t.symbols),
            needed=t.needed,
            missing=tuple(i for i in range(k) if i not in t.symbols),
            duplicates=t.duplicates,
            conflicts=t.conflicts,
            corrupted=t.corrupted,
            corrupted_ids=tuple(sorted(t.corrupted_ids)),
            complete=t.needed is not None,
        )

    def complete(self, session_id: int) -> bool:
        """Whether the transmission's stream is rebuilt (``False`` for unknown ids)."""
        t = self._sessions.get(session_id) if _is_integer(session_id) else None
        return t is not None and t.needed is not None

    def data(self, session_id: int) -> bytes:
        """The rebuilt stream; :class:`FrameError` saying how many symbols are held if not yet."""
        t = self._session(session_id)
        if t.needed is None or t.decoder is None or t.decoder.result is None:
            r = self.report(session_id)
            raise FrameError(
                f"session 0x{session_id:08x} incomplete: {r.received} symbols of K={r.source_symbols} held, "
                "not enough to rebuild the stream"
            )
        return t.decoder.result
