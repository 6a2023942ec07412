"""Denoising orders: which pixel positions each step reveals.

An order is a permutation of the ``H·W`` flat positions ``y * W + x``; the
schedule (:mod:`ddm_sscc.codec.schedule`) cuts it into consecutive steps.
Every order is a pure function of its arguments computed with integer
arithmetic only, so encoder and decoder agree on any platform.

``halton``
    Points of the 2-D Halton sequence (bases 2 and 3), taken in sequence
    order and scaled onto the grid, skipping positions already visited.  Each
    step therefore reveals positions spread evenly over the whole image, at
    every step, which is what lets a step predict many tokens at once.
``raster``
    Row-major, for ablation.
``lattice``
    Coarse to fine on dyadic lattices: first the pixels whose coordinates are
    both multiples of the largest power of two, then, level by level, the
    centres of the current lattice's cells and then the midpoints of its
    edges, so that every pixel of a finished level sees its lattice
    neighbours on all sides at the same distances (at the last level all four
    direct neighbours).  Within each of those sets pixels follow the Halton
    order, so a step that ends inside a set still reveals positions spread
    over the whole image.  The model then meets a few regular neighbourhood
    geometries instead of Halton's irregular ones.
``random``
    A seeded pseudo-random permutation, for ablation.  It is defined here
    (a SplitMix64 key per position, sorted) instead of by numpy's generators,
    whose streams numpy does not promise to keep stable across versions.
"""

from __future__ import annotations

import enum

import numpy as np

from ddm_sscc.errors import ConfigError


class OrderKind(enum.IntEnum):
    """Order ids as stored in the ``.ddm`` header."""

    RASTER = 0
    HALTON = 1
    RANDOM = 2
    LATTICE = 3


TRAINABLE_ORDERS = (OrderKind.HALTON, OrderKind.LATTICE)
"""Orders a feature network can be trained for (``train --order``), by lower-case name."""


def _digit_reversal(index: np.ndarray, base: int, digits: int) -> np.ndarray:
    """Reverse the lowest ``digits`` base-``base`` digits of each index (int64)."""
    out = np.zeros_like(index)
    rest = index.copy()
    for _ in range(digits):
        rest, digit = np.divmod(rest, base)
        out = out * base + digit
    return out


def _digits_needed(size: int, base: int) -> int:
    """Smallest ``d`` with ``base**d >= size``."""
    digits, span = 0, 1
    while span < size:
        span *= base
        digits += 1
    return digits


def halton_order(height: int, width: int) -> np.ndarray:
    """Halton-guided order of the ``height × width`` grid.

    The Halton point ``i`` is ``(h2(i), h3(i))``, the van der Corput radical
    inverses in bases 2 (x) and 3 (y).  Truncated to ``a = ⌈log2 W⌉`` binary and
    ``b = ⌈log3 H⌉`` ternary digits these are the digit reversals of ``i mod 2^a``
    and ``i mod 3^b``, i.e. cells of a ``3^b × 2^a`` grid; by the Chinese remainder
    theorem the first ``2^a·3^b`` points visit every cell of that grid exactly
    once.  Each cell ``(X, Y)`` is scaled onto the image as
    ``(⌊X·W/2^a⌋, ⌊Y·H/3^b⌋)``; since ``2^a ≥ W`` and ``3^b ≥ H`` every pixel is
    hit, and a pixel's place in the order is the first Halton index that hits it.

    Instead of generating all ``2^a·3^b`` (up to ``6·H·W``) points, the first
    index hitting each pixel is found directly from the (at most 2 × 3) grid
    cells that map onto it, which keeps 768×512 well under 50 ms.

    Returns:
        int64 array of shape ``(H·W,)``: flat positions ``y * W + x`` in order.
    """
    _check_size(height, width)
    a = _digits_needed(width, 2)
    b = _digits_needed(height, 3)
    mod2, mod3 = 1 << a, 3**b
    # CRT weights: i ≡ r2 (mod 2^a) and i ≡ r3 (mod 3^b)  →  i = (r2·e2 + r3·e3) mod 2^a·3^b
    e2 = mod3 * pow(mod3, -1, mod2) if mod2 > 1 else 0
    e3 = mod2 * pow(mod2, -1, mod3) if mod3 > 1 else 0
    period = mod2 * mod3

    def first_cells(size: int, cells: int, fan: int) -> tuple[np.ndarray, np.ndarray]:
        # Cells X with ⌊X·size/cells⌋ == x are X in [⌈x·cells/size⌉, ⌈(x+1)·cells/size⌉).
        x = np.arange(size, dtype=np.int64)
        lo = -((-x * cells) // size)
        hi = -((-(x + 1) * cells) // size)
        cand = lo[:, None] + np.arange(fan, dtype=np.int64)[None, :]
        return cand, cand < hi[:, None]

    xs, x_ok = first_cells(width, mod2, 2)
    ys, y_ok = first_cells(height, mod3, 3)
    r2 = _digit_reversal(np.where(x_ok, xs, 0), 2, a)  # (W, 2)
    r3 = _digit_reversal(np.where(y_ok, ys, 0), 3, b)  # (H, 3)
    dtype = np.int32 if 2 * period < 2**31 else np.int64
    part2 = np.where(x_ok, (r2 * e2) % period, -1).astype(dtype)
    part3 = np.where(y_ok, (r3 * e3) % period, -1).astype(dtype)
    # First Halton index over the (≤ 3 × 2) candidate cells of each pixel.
    first = np.full((height, width), period, dtype=dtype)
    for k in range(3):
        row = part3[:, k][:, None]
        for j in range(2):
            col = part2[:, j][None, :]
            idx = row + col
            idx -= period * (idx >= period)  # both parts < period: one subtraction is the mod
            idx[(row < 0) | (col < 0)] = period
            np.minimum(first, idx, out=first)
    first = first.reshape(-1)
    # `first` holds distinct indices < period: a bucket pass sorts them in O(period).
    slots = np.full(period, -1, dtype=np.int64)
    slots[first] = np.arange(height * width, dtype=np.int64)
    return slots[slots >= 0]


def _trailing_zeros(values: np.ndarray, cap: int) -> np.ndarray:
    """Trailing zero bits of each non-negative int64, ``cap`` for 0 (and at most ``cap``)."""
    out = np.zeros_like(values)
    rest = values.copy()
    for _ in range(cap):
        even = (rest & 1) == 0
        out += even
        rest = np.where(even, rest >> 1, rest)
    return out


def lattice_groups(height: int, width: int) -> np.ndarray:
    """The group of each position in the lattice order: int64 ``(H·W,)``, revealed smaller first.

    A level's cell centres (``2·(cap − level)``) come before its edge midpoints (one more).
    """
    _check_size(height, width)
    cap = max(height, width).bit_length()
    tx = _trailing_zeros(np.arange(width, dtype=np.int64), cap)[None, :]
    ty = _trailing_zeros(np.arange(height, dtype=np.int64), cap)[:, None]
    level = np.minimum(tx, ty)
    return (2 * (cap - level) + (tx != ty)).reshape(-1)


def lattice_order(height: int, width: int) -> np.ndarray:
    """Coarse-to-fine dyadic lattice order, Halton order inside each set.

    A pixel ``(x, y)`` with ``a`` trailing zero bits in ``x`` and ``b`` in ``y``
    (coordinate 0 counts as the most) belongs to level ``min(a, b)``; levels are
    taken from the coarsest down, and inside a level the cell centres
    (``a == b``) before the edge midpoints.  Ties follow :func:`halton_order`.

    Returns:
        int64 array of shape ``(H·W,)``: flat positions ``y * W + x`` in order.
    """
    group = lattice_groups(height, width)
    halton = halton_order(height, width)
    rank = np.empty(height * width, dtype=np.int64)
    rank[halton] = np.arange(height * width, dtype=np.int64)
    return np.argsort(group * (height * width) + rank, kind="stable").astype(np.int64)


def raster_order(height: int, width: int) -> np.ndarray:
    """Row-major order: int64 ``(H·W,)``."""
    _check_size(height, width)
    return np.arange(height * width, dtype=np.int64)


_MASK64 = (1 << 64) - 1


def _splitmix64(values: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser on uint64 (wrapping arithmetic)."""
    z = values.astype(np.uint64)
    with np.errstate(over="ignore"):
        z = (z + np.uint64(0x9E3779B97F4A7C15)) & np.uint64(_MASK64)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def random_order(height: int, width: int, seed: int) -> np.ndarray:
    """Seeded pseudo-random order: int64 ``(H·W,)``, stable across numpy versions."""
    _check_size(height, width)
    if not 0 <= seed <= _MASK64:
        raise ConfigError(f"order seed must be in 0..2^64-1, got {seed}")
    n = height * width
    base = _splitmix64(np.array([seed], dtype=np.uint64))[0]
    keys = _splitmix64(np.arange(n, dtype=np.uint64) ^ base)
    return np.argsort(keys, kind="stable").astype(np.int64)


def make_order(kind: OrderKind, height: int, width: int, seed: int = 0) -> np.ndarray:
    """The order of ``kind`` for an ``height × width`` image."""
    if kind == OrderKind.HALTON:
        return halton_order(height, width)
    if kind == OrderKind.RASTER:
        return raster_order(height, width)
    if kind == OrderKind.RANDOM:
        return random_order(height, width, seed)
    if kind == OrderKind.LATTICE:
        return lattice_order(height, width)
    raise ConfigError(f"unknown order id {int(kind)}")


def _check_size(height: int, width: int) -> None:
    if height < 1 or width < 1:
        raise ConfigError(f"grid must be at least 1×1, got {height}×{width}")
