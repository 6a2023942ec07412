"""Range coding of integer tables with ``constriction``.

One :class:`StepEncoder` call codes every symbol of a (step, channel) batch
against its own table; :class:`StepDecoder` mirrors it.  The queue (FIFO)
range coder is used, so symbols come out in the order they went in, and the
model family is ``Categorical(perfect=False)`` on both sides (``perfect`` is
always explicit: its default changed between constriction releases and
changes the bitstream).
"""

from __future__ import annotations

import constriction
import numpy as np
import torch

from ddm_sscc.codec.narrow_tables import NarrowTables, outside_index, outside_value
from ddm_sscc.codec.tables import table_probabilities
from ddm_sscc.errors import ContainerError


def _model_family() -> constriction.stream.model.Categorical:
    return constriction.stream.model.Categorical(perfect=False)


class StepEncoder:
    """Accumulates the payload of one image, a batch of symbols per call."""

    def __init__(self) -> None:
        self._coder = constriction.stream.queue.RangeEncoder()
        self._family = _model_family()

    def encode(self, symbols: np.ndarray, freqs: np.ndarray) -> None:
        """Code ``symbols`` (int ``(n,)``, 0..255) with tables ``freqs`` (int64 ``(n, 256)``)."""
        if len(symbols):
            self._coder.encode(np.ascontiguousarray(symbols, dtype=np.int32), self._family, table_probabilities(freqs))

    def encode_narrow(self, values: np.ndarray, tables: NarrowTables) -> None:
        """Code one value per row of ``tables`` (int ``(n,)``, 0..255): every group's symbols, then
        the escaped values (:mod:`ddm_sscc.codec.narrow_tables`, step 5)."""
        values_t = torch.from_numpy(np.asarray(values, dtype=np.int64))
        escapes = []
        for group in tables.groups:
            symbols, escaped = group.symbols(values_t)
            self.encode(symbols, group.freqs)
            if not group.full and bool(escaped.any()):
                escapes.append((group, escaped))
        for group, escaped in escapes:
            rows = group.rows[escaped]
            self.encode(outside_index(values_t[rows], group.start[escaped], group.width), tables.outside(group, escaped))

    def payload(self) -> bytes:
        """The compressed words as little-endian bytes."""
        return self._coder.get_compressed().astype("<u4").tobytes()


class StepDecoder:
    """Reads symbols back from a payload, in the order they were encoded."""

    def __init__(self, payload: bytes) -> None:
        if len(payload) % 4:
            raise ContainerError(f"payload length {len(payload)} is not a multiple of 4 bytes")
        words = np.frombuffer(payload, dtype="<u4").astype(np.uint32)
        self._coder = constriction.stream.queue.RangeDecoder(words)
        self._family = _model_family()

    def decode(self, freqs: np.ndarray) -> np.ndarray:
        """Decode one symbol per row of ``freqs``: int64 ``(n,)``."""
        if not len(freqs):
            return np.zeros(0, dtype=np.int64)
        try:
            symbols = self._coder.decode(self._family, table_probabilities(freqs))
        except (ValueError, RuntimeError, AssertionError) as exc:
            raise ContainerError(f"payload is corrupt: range decoder failed ({exc})") from None
        return np.asarray(symbols, dtype=np.int64)

    def decode_narrow(self, tables: NarrowTables) -> np.ndarray:
        """Inverse of :meth:`StepEncoder.encode_narrow`: int64 ``(n,)``."""
        values = torch.zeros(tables.rows, dtype=torch.int64)
        escapes = []
        for group in tables.groups:
            decoded, escaped = group.values(self.decode(group.freqs))
            values[group.rows] = decoded
            if not group.full and bool(escaped.any()):
                escapes.append((group, escaped))
        for group, escaped in escapes:
            index = self.decode(tables.outside(group, escaped))
            values[group.rows[escaped]] = outside_value(index, group.start[escaped], group.width)
        return values.numpy()
