"""Helpers for the chunk-invariance tests: a stream run whole and in uneven chunks."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ddm_sscc.channel.stage import Stage


def random_signal(n: int, seed: int = 0) -> np.ndarray:
    """Unit-power complex Gaussian samples, complex64, shape ``(n,)``."""
    rng = np.random.default_rng(seed)
    return ((rng.standard_normal(n) + 1j * rng.standard_normal(n)) / np.sqrt(2)).astype(np.complex64)


def uneven_sizes(total: int, seed: int = 1) -> list[int]:
    """Chunk sizes summing to ``total``, including empty and one-sample chunks."""
    rng = np.random.default_rng(seed)
    sizes = [0, 1, 1, 2, 0, 3]
    while sum(sizes) < total:
        sizes.append(int(rng.integers(0, 700)))
    sizes[-1] -= sum(sizes) - total
    return sizes


def whole_and_chunked(make: Callable[[], Stage], x: np.ndarray, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """``(process(x) + flush(), chunked process + flush())`` from two fresh stages."""
    whole = make().process_burst(x)
    stage = make()
    pieces, start = [], 0
    for size in uneven_sizes(x.size, seed):
        pieces.append(stage.process(x[start : start + size]))
        start += size
    pieces.append(stage.flush())
    return whole, np.concatenate(pieces)
