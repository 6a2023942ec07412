"""RaptorQ (RFC 6330) across frames, through the maintained ``raptorq`` package.

The outer code of the link (one encoding symbol per frame): any ``K`` (plus, rarely, a
few) of the symbols of a transfer rebuild it, whichever frames were lost, so a deep fade
costs one symbol instead of the image, and a receiver that starts late still decodes from
a carousel of fresh repair symbols.  This module only wraps the library: it fixes the
symbol size, names the symbols, and refuses malformed input before the library sees it
(the Rust decoder panics on a packet of the wrong length).

A packet is the library's serialisation: a 4-byte payload id (source block number, 1 byte;
encoding symbol id, 3 bytes; big-endian) and ``symbol_size`` bytes of symbol.  ``raptorq``
chooses the source blocks from the transfer length and the symbol size
(``with_defaults``); up to 56,403 source symbols that is one block, which is all this
module accepts: symbols ``0..K-1`` are the source and the rest repair.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import raptorq

from ddm_sscc.errors import FrameError

SYMBOL_ALIGNMENT = 8
"""RaptorQ's symbol alignment here: symbol sizes are multiples of 8 bytes."""
MIN_SYMBOL_SIZE = SYMBOL_ALIGNMENT
MAX_SYMBOL_SIZE = 65528
MAX_TRANSFER_LENGTH = 1 << 28
"""256 MiB: far above any coded image; a header claiming more is refused before allocating."""
MAX_SOURCE_SYMBOLS = 56403
"""RFC 6330's largest source block: up to here ``with_defaults`` makes one block, which this
module requires (a packet of another block would make the library panic)."""
PAYLOAD_ID_LEN = 4
_CAROUSEL_BATCH = 64


def symbol_size_for(payload_capacity: int) -> int:
    """The largest aligned symbol (bytes) whose packet fits ``payload_capacity`` bytes of a frame."""
    size = (payload_capacity - PAYLOAD_ID_LEN) // SYMBOL_ALIGNMENT * SYMBOL_ALIGNMENT
    if size < MIN_SYMBOL_SIZE:
        raise FrameError(f"a frame payload of {payload_capacity} bytes is too small for a RaptorQ symbol")
    return min(size, MAX_SYMBOL_SIZE)


def _check_sizes(transfer_length: int, symbol_size: int) -> None:
    if not 1 <= transfer_length <= MAX_TRANSFER_LENGTH:
        raise FrameError(f"transfer length {transfer_length} is outside 1..{MAX_TRANSFER_LENGTH}")
    if not MIN_SYMBOL_SIZE <= symbol_size <= MAX_SYMBOL_SIZE or symbol_size % SYMBOL_ALIGNMENT:
        raise FrameError(f"symbol size {symbol_size} is not a multiple of {SYMBOL_ALIGNMENT} in {MIN_SYMBOL_SIZE}..{MAX_SYMBOL_SIZE}")
    if math.ceil(transfer_length / symbol_size) > MAX_SOURCE_SYMBOLS:
        raise FrameError(f"{transfer_length} bytes in {symbol_size}-byte symbols exceed {MAX_SOURCE_SYMBOLS} source symbols")


@dataclass(frozen=True)
class FountainPacket:
    """One encoding symbol: ``block`` (source block number), ``symbol_id`` (ESI) and its bytes."""

    block: int
    symbol_id: int
    data: bytes

    def to_bytes(self) -> bytes:
        return bytes([self.block]) + self.symbol_id.to_bytes(3, "big") + self.data

    @classmethod
    def from_bytes(cls, packet: bytes, symbol_size: int) -> FountainPacket:
        """Parse a packet, refusing any whose length is not ``4 + symbol_size``."""
        if len(packet) != PAYLOAD_ID_LEN + symbol_size:
            raise FrameError(f"RaptorQ packet of {len(packet)} bytes, expected {PAYLOAD_ID_LEN + symbol_size}")
        return cls(packet[0], int.from_bytes(packet[1:4], "big"), bytes(packet[4:]))


class FountainEncoder:
    """The encoding symbols of one transfer.

    Args:
        data: the bytes to send (a ``.ddm`` stream).
        symbol_size: bytes per symbol, a multiple of 8 (:func:`symbol_size_for`).
    """

    def __init__(self, data: bytes, symbol_size: int) -> None:
        _check_sizes(len(data), symbol_size)
        self.transfer_length = len(data)
        self.symbol_size = symbol_size
        self.source_symbols = math.ceil(len(data) / symbol_size)
        self._encoder = raptorq.Encoder.with_defaults(bytes(data), symbol_size)

    def packets(self, repair: int) -> list[FountainPacket]:
        """The source symbols, then ``repair`` repair symbols (per source block)."""
        if repair < 0:
            raise FrameError(f"repair symbol count must be ≥ 0, got {repair}")
        return [FountainPacket.from_bytes(p, self.symbol_size) for p in self._encoder.get_encoded_packets(repair)]

    def carousel(self) -> Iterator[FountainPacket]:
        """Source symbols, then fresh repair symbols without end (for one-way broadcast)."""
        sent = 0
        repair = _CAROUSEL_BATCH
        while True:
            batch = self.packets(repair)
            yield from batch[sent:]
            sent = len(batch)
            repair *= 2  # the library regenerates from the start: grow geometrically


class FountainDecoder:
    """Collects packets of one transfer and returns its bytes as soon as they can be rebuilt.

    Args:
        transfer_length: bytes of the transfer (from the frames' headers).
        symbol_size: bytes per symbol (ditto).
    """

    def __init__(self, transfer_length: int, symbol_size: int) -> None:
        _check_sizes(transfer_length, symbol_size)
        self.transfer_length = transfer_length
        self.symbol_size = symbol_size
        self.source_symbols = math.ceil(transfer_length / symbol_size)
        self.received: set[tuple[int, int]] = set()
        self.duplicates = 0
        self.result: bytes | None = None
        self._decoder = raptorq.Decoder.with_defaults(transfer_length, symbol_size)

    def add(self, packet: bytes | FountainPacket) -> bytes | None:
        """Add a packet; the transfer's bytes once decodable (then on every later call), else None.

        Raises:
            FrameError: a packet of the wrong length or of a block this transfer cannot have.
        """
        if isinstance(packet, bytes | bytearray | memoryview):
            packet = FountainPacket.from_bytes(bytes(packet), self.symbol_size)
        if len(packet.data) != self.symbol_size:
            raise FrameError(f"RaptorQ symbol of {len(packet.data)} bytes, expected {self.symbol_size}")
        if packet.block != 0:
            raise FrameError(f"source block {packet.block} in a single-block transfer")
        key = (packet.block, packet.symbol_id)
        if key in self.received:
            self.duplicates += 1
            return self.result
        self.received.add(key)
        if self.result is None:
            self.result = self._decoder.decode(packet.to_bytes())
        return self.result
