"""Transmit side of the outer code: a byte stream → self-describing frames, one RaptorQ symbol each.

``TransferEncoder(data, session_id, mcs, symbol_size)`` makes the source frames (the stream
cut into ``K`` symbols: with no repair this is the plain segmentation, the last frame
short) and, after them, repair frames: a fixed fraction (:meth:`TransferEncoder.frames`)
or fresh ones without end (:meth:`TransferEncoder.carousel`, for one-way links).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterator

from ddm_sscc.errors import ConfigError, FrameError
from ddm_sscc.fec.fountain import SYMBOL_ALIGNMENT, FountainEncoder, FountainPacket
from ddm_sscc.fec.framing import MAX_PAYLOAD, MAX_SYMBOL_ID, MIN_PAYLOAD, Frame, FrameHeader, symbol_payload_len

MAX_REPAIR = 10.0
"""The largest repair fraction: ten repair symbols per source symbol."""


def check_repair(repair: float) -> float:
    """``repair`` as a float in ``[0, MAX_REPAIR]``; :class:`ConfigError` naming it otherwise."""
    if isinstance(repair, bool) or not isinstance(repair, int | float) or not 0 <= repair <= MAX_REPAIR:
        raise ConfigError(f"--repair must be a number in [0, {MAX_REPAIR:g}] (repair symbols per source symbol), got {repair!r}")
    return float(repair)


def repair_symbols(source_symbols: int, repair: float) -> int:
    """``⌈repair·K⌉``: the repair symbols sent after ``K`` source symbols (the 1e-9 keeps 0.1·30 at 3, not 4)."""
    return math.ceil(check_repair(repair) * source_symbols - 1e-9)


def check_max_payload(max_payload: object) -> int:
    """``max_payload`` (payload bytes per frame) as an int in ``MIN_PAYLOAD..MAX_PAYLOAD``: what a symbol can be."""
    if isinstance(max_payload, bool) or not isinstance(max_payload, numbers.Integral):
        raise ConfigError(f"max_payload must be in {MIN_PAYLOAD}..{MAX_PAYLOAD} (an integer), got {max_payload!r}")
    if not MIN_PAYLOAD <= max_payload <= MAX_PAYLOAD:
        raise ConfigError(f"max_payload must be in {MIN_PAYLOAD}..{MAX_PAYLOAD}, got {max_payload!r}")
    return int(max_payload)


def symbol_size_for_payload(max_payload: int) -> int:
    """The symbol size of frames of at most ``max_payload`` payload bytes: rounded down to RaptorQ's alignment."""
    if isinstance(max_payload, bool) or not isinstance(max_payload, int) or max_payload < SYMBOL_ALIGNMENT:
        raise ConfigError(f"max_payload must be an integer ≥ {SYMBOL_ALIGNMENT} (one RaptorQ symbol), got {max_payload!r}")
    return min(max_payload, 0xFFFF) // SYMBOL_ALIGNMENT * SYMBOL_ALIGNMENT


class TransferEncoder:
    """The frames of one transfer.

    Args:
        data: the stream (a ``.ddm`` file's bytes), at least one byte.
        session_id: the transmission id every frame carries (u32).
        mcs: the payload MCS id every frame carries.
        symbol_size: bytes per symbol, a multiple of 8 (:func:`symbol_size_for_payload`).
    """

    def __init__(self, data: bytes, session_id: int, mcs: int, symbol_size: int) -> None:
        if not isinstance(data, bytes | bytearray | memoryview):
            raise ConfigError(f"the stream must be bytes, got {type(data).__name__}")
        if not data:
            raise ConfigError("an empty stream has nothing to send")
        if isinstance(symbol_size, bool) or not isinstance(symbol_size, int):
            # checked here: the RaptorQ library raises TypeError for 16.0, the size checks for None
            raise ConfigError(f"symbol_size must be an integer, got {type(symbol_size).__name__}")
        try:
            self.encoder = FountainEncoder(bytes(data), symbol_size)
        except FrameError as exc:
            raise ConfigError(str(exc)) from None
        self.session_id, self.mcs = session_id, mcs
        self.transfer_length, self.symbol_size = len(data), symbol_size
        self.source_symbols = self.encoder.source_symbols
        FrameHeader(session_id, len(data), symbol_size, 0, symbol_payload_len(len(data), symbol_size, 0), mcs)

    def repair_count(self, repair: float) -> int:
        """Repair frames for a repair fraction: ``⌈R·K⌉``."""
        return repair_symbols(self.source_symbols, repair)

    def frame(self, packet: FountainPacket) -> Frame:
        """The frame of one encoding symbol (the last source symbol without its padding)."""
        length = symbol_payload_len(self.transfer_length, self.symbol_size, packet.symbol_id)
        header = FrameHeader(self.session_id, self.transfer_length, self.symbol_size, packet.symbol_id, length, self.mcs)
        return Frame(header, packet.data[:length])

    def frames(self, repair: float = 0.0) -> list[Frame]:
        """The ``K`` source frames, then ``⌈R·K⌉`` repair frames."""
        return [self.frame(p) for p in self.encoder.packets(self.repair_count(repair))]

    def carousel(self) -> Iterator[Frame]:
        """Source frames, then fresh repair frames until the caller stops (or the 2^24 ids run out)."""
        for packet in self.encoder.carousel():
            if packet.symbol_id > MAX_SYMBOL_ID:
                return
            yield self.frame(packet)
