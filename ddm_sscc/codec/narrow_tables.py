"""Narrow tables: a mixture's table cut to a window around its mass, plus one escape entry.

A discretised logistic mixture puts nearly all of its mass within a few scales of its
component means, yet a full table has 256 entries, and building, converting and
range coding 256 entries per sub-pixel is most of the cost of the tables and of the
coder. A narrow table keeps the ``w`` values of a window ``[a, a + w)`` that covers
every component out to :data:`NARROW_REACH` scales, and one *escape* entry holding the
mass of the other ``256 − w`` values. A value outside the window is coded as the escape,
then again with an *outside table* of the ``256 − w`` values it may be (built only for
the rows that escaped, which are under 1 % of them).

This is a factorisation, not an approximation: ``P(v) = P(escape) · P(v | outside)``,
so the code length is the full table's up to the tables' integer rounding. Encoder and
decoder compute the windows from the same integer mixture, so they agree.

Recipe (``.ddm`` format 3, flag bit 6; integers throughout):

1. Per component ``k``: the reach ``R_j = ⌈NARROW_REACH · 2^16 / recip_j⌉`` pixels for its
   scale index ``j`` (``recip_j = round(2^16 / s_j)``, the weights file's reciprocals),
   and the whole pixel of its mean ``m_k = ⌊μ_k / 16⌋`` (``μ`` clamped as for full tables).
2. ``lo = min_k (m_k − R_j)``, ``hi = max_k (m_k + R_j) + 1``; the width ``w`` is the
   first of :data:`NARROW_WIDTHS` ``≥ hi − lo``, else 256 (a full table, no escape).
3. ``a = min(max(⌊(lo + hi − w) / 2⌋, 0), 256 − w)``.
4. Window entries are the full table's masses of values ``a .. a + w − 1`` (value 0 and
   255 keep their whole tails, as in full tables); the escape's mass is the total
   ``2^28 · Σπ`` minus their sum. Frequencies are the full table's for the window's values
   (``1 + ⌊m · (2^20 − 256)/Σm⌋``), ``(256 − w) + ⌊m_esc · (2^20 − 256)/Σm⌋`` for the
   escape, and the remainder to the first largest mass (:func:`_window_frequencies`).
5. Coding order within a (step, channel): the rows of each width in the order of
   :data:`NARROW_WIDTHS` then 256, each group in row order; then the escaped rows of each
   width, in the same order, with their outside tables: the full table's
   ``1 + ⌊m · (2^20 − 256)/Σm⌋`` of the ``256 − w`` values outside the window, normalised
   as masses (step 5 of the mixture recipe, over ``256 − w`` entries); value ``v`` is index
   ``v`` below the window, ``v − w`` above it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ddm_sscc.codec.tables import (
    CDF_ONE,
    TABLE_TOTAL,
    LogisticMixtureTables,
    first_modes,
    floored_masses,
    normalise_masses,
)
from ddm_sscc.codec.tokens import VOCAB_SIZE

NARROW_WIDTHS = (16, 32, 64, 128)
"""Window widths, narrowest first; a row wider than the last gets a full table."""
NARROW_REACH = 4
"""How many scales past each component's mean a window reaches. Chosen on the held-out photo
``wikipedia/046``: 0.7 % of rows escape and a table has 31.6 entries on average instead of
256 (reach 6: 0.1 %, 45.4); on ``045``, 0.14 % and 21.5
(``.venv/bin/python benchmarks/narrow_table_widths.py [IMAGE]``)."""


@dataclass(frozen=True)
class NarrowGroup:
    """The rows of a chunk that share one window width.

    Attributes:
        rows: int64 ``(m,)``, ascending indices into the chunk.
        start: int64 ``(m,)``, the first value of each row's window (0 for full tables).
        width: ``w``; 256 means full tables without escape.
        freqs: int64 ``(m, w + 1)`` (escape last), or ``(m, 256)`` for full tables.
    """

    rows: torch.Tensor
    start: torch.Tensor
    width: int
    freqs: np.ndarray

    @property
    def full(self) -> bool:
        return self.width == VOCAB_SIZE

    def symbols(self, values: torch.Tensor) -> tuple[np.ndarray, torch.Tensor]:
        """The symbols this group codes for the chunk's ``values`` (int64 ``(n,)``), and
        which of its rows escape (bool ``(m,)``)."""
        offset = values[self.rows] - self.start
        escaped = (offset < 0) | (offset >= self.width)
        return torch.where(escaped, self.width, offset).numpy(), escaped

    def values(self, symbols: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        """Inverse of :meth:`symbols`: values (garbage where escaped) and the escape mask."""
        symbols_t = torch.from_numpy(np.asarray(symbols, dtype=np.int64))
        return self.start + symbols_t, symbols_t == self.width


class NarrowTables:
    """Narrow tables of the rows of one (step, channel), grouped by width (see the module's recipe).

    Made from a mixture (int64 ``(n, K)`` means in 1/16 pixel, scale indices and mixture
    logits), or by :meth:`concatenate` from the tables of consecutive chunks of rows, so that
    the coding order (step 5) does not depend on how a step was chunked. :meth:`outside`
    makes the tables of escaped rows on demand.
    """

    def __init__(
        self, tables: LogisticMixtureTables, means_q: torch.Tensor, scale_index: torch.Tensor, logits_q: torch.Tensor
    ) -> None:
        self._tables = tables
        self._params = (means_q, scale_index, logits_q)
        self.rows = len(means_q)
        self.groups = self._build()

    @classmethod
    def concatenate(cls, parts: list[NarrowTables]) -> NarrowTables:
        """The tables of all rows of ``parts``, in order: each width's group holds its rows of
        every part."""
        if len(parts) == 1:
            return parts[0]
        merged = cls.__new__(cls)
        merged._tables = parts[0]._tables
        merged._params = tuple(torch.cat([p._params[i] for p in parts]) for i in range(3))
        merged.rows = sum(p.rows for p in parts)
        offsets = np.cumsum([0] + [p.rows for p in parts[:-1]]).tolist()
        merged.groups = []
        for w in (*NARROW_WIDTHS, VOCAB_SIZE):
            pieces = [(g, offset) for p, offset in zip(parts, offsets) for g in p.groups if g.width == w]
            if pieces:
                rows = torch.cat([g.rows + offset for g, offset in pieces])
                start = torch.cat([g.start for g, _ in pieces])
                freqs = np.concatenate([g.freqs for g, _ in pieces])
                merged.groups.append(NarrowGroup(rows=rows, start=start, width=w, freqs=freqs))
        return merged

    def _build(self) -> list[NarrowGroup]:
        means_q, scale_index, logits_q = self._params
        starts, weights, first, last = self._tables.mixture(means_q, scale_index, logits_q)
        reach = self._tables.narrow_reach(NARROW_REACH)[scale_index]
        whole = self._tables.whole_pixels(means_q)
        lo = (whole - reach).min(dim=1).values
        hi = (whole + reach).max(dim=1).values + 1
        span = hi - lo
        width = torch.full_like(span, VOCAB_SIZE)
        for w in reversed(NARROW_WIDTHS):
            width = torch.where(span <= w, w, width)
        total = weights.sum(dim=1) * CDF_ONE
        groups = []
        for w in (*NARROW_WIDTHS, VOCAB_SIZE):
            rows = torch.nonzero(width == w).flatten()
            if not len(rows):
                continue
            if w == VOCAB_SIZE:
                start = torch.zeros_like(rows)
                freqs = self._tables.frequencies_of_rows(starts[rows], weights[rows], first[rows], last[rows])
            else:
                start = torch.minimum(
                    torch.div(lo[rows] + hi[rows] - w, 2, rounding_mode="floor").clamp(min=0),
                    torch.full_like(rows, VOCAB_SIZE - w),
                )
                mass = self._tables.window_masses(starts[rows], weights[rows], first[rows], last[rows], start, w)
                mass[:, w] = total[rows] - mass[:, :w].sum(dim=1)
                freqs = _window_frequencies(mass)
            # int32 holds any frequency (< 2^20) in half the memory of a whole step's tables
            groups.append(NarrowGroup(rows=rows, start=start, width=w, freqs=freqs.astype(np.int32)))
        return groups

    def outside(self, group: NarrowGroup, escaped: torch.Tensor) -> np.ndarray:
        """Tables of the ``256 − w`` values outside the window, for ``group``'s rows where
        ``escaped``: int64 ``(e, 256 − w)``."""
        rows = group.rows[escaped]
        means_q, scale_index, logits_q = (p[rows] for p in self._params)
        floors = floored_masses(self._tables.masses(means_q, scale_index, logits_q), VOCAB_SIZE)
        index = torch.arange(VOCAB_SIZE - group.width, dtype=torch.int64)[None, :]
        index = index + group.width * (index >= group.start[escaped][:, None])
        return normalise_masses(torch.gather(floors, 1, index))


def _window_frequencies(mass: torch.Tensor) -> np.ndarray:
    """Step 4's frequencies: the full table's over the window, the outside values' floors and
    share in the escape, the remainder to the first mode. float64 ``(m, w + 1)`` → int64.

    Window entries get the full table's ``1 + ⌊m · (2^20 − 256)/Σm⌋`` (the row's ``Σm`` is the
    total, escape included, exactly: integers below 2^53); the escape
    ``(256 − w) + ⌊m_esc · (2^20 − 256)/Σm⌋``, so an outside value keeps about the
    probability its full table gives it, floor included.
    """
    width = mass.shape[1] - 1
    top = first_modes(mass)
    out = floored_masses(mass, VOCAB_SIZE).to(torch.int64)
    out[:, width] += VOCAB_SIZE - width - 1
    out.scatter_add_(1, top, TABLE_TOTAL - out.sum(dim=1, keepdim=True))
    return out.numpy()


def outside_index(values: torch.Tensor, start: torch.Tensor, width: int) -> np.ndarray:
    """A value's index in its outside table: ``v`` below the window, ``v − w`` above it."""
    return torch.where(values < start, values, values - width).numpy()


def outside_value(index: np.ndarray, start: torch.Tensor, width: int) -> torch.Tensor:
    """Inverse of :func:`outside_index`."""
    index_t = torch.from_numpy(np.asarray(index, dtype=np.int64))
    return torch.where(index_t < start, index_t, index_t + width)
