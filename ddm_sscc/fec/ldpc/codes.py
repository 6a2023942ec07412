"""The twelve quasi-cyclic LDPC codes of IEEE 802.11n (HT), also used by 802.11ac/ax.

IEEE Std 802.11-2012 clause 20.3.11.7.2 ("LDPC parity-check matrices", tables
F-1..F-3 / Annex R of 802.11n-2009) defines each code by a 24-column prototype
("base") matrix of cyclic shifts: entry ``-1`` is the Z×Z zero block, entry
``s >= 0`` the Z×Z identity with its columns cyclically shifted right by ``s``,
i.e. block row ``r`` has its one in block column ``(r + s) mod Z``.

    n = 648  (Z = 27), n = 1296 (Z = 54), n = 1944 (Z = 81)
    rate 1/2 (12 block rows), 2/3 (8), 3/4 (6), 5/6 (4)

The last ``mb`` block columns (``mb`` = number of block rows) are the parity
part: the first has weight 3 with shifts (1, 0, 1) in block rows
(0, x, mb-1), the others form a staircase of identities.  That dual-diagonal
structure lets :class:`~ddm_sscc.fec.ldpc.encoding.LdpcEncoder` encode by
back-substitution; :class:`LdpcCode` checks it on construction.

The tables below were transcribed from public copies of the standard's tables
and cross-checked entry by entry against independent public transcriptions
(see ``tests/core/fec/test_ldpc.py`` for the rows pinned in tests).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache

import numpy as np
import scipy.sparse as sp

from ddm_sscc.errors import ConfigError

#: Lifting size Z of each codeword length n; every 802.11n base matrix has 24 block columns.
LIFTING_SIZES: dict[int, int] = {648: 27, 1296: 54, 1944: 81}
#: The code rates the standard defines for each length.
RATES: tuple[str, ...] = ("1/2", "2/3", "3/4", "5/6")

# Prototype tables, one row per line, exactly as printed in the standard
# ("-" there is -1 here).  Keyed by (n, rate).
_TABLES: dict[tuple[int, str], str] = {
    (648, "1/2"): """
        0 -1 -1 -1 0 0 -1 -1 0 -1 -1 0 1 0 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1
        22 0 -1 -1 17 -1 0 0 12 -1 -1 -1 -1 0 0 -1 -1 -1 -1 -1 -1 -1 -1 -1
        6 -1 0 -1 10 -1 -1 -1 24 -1 0 -1 -1 -1 0 0 -1 -1 -1 -1 -1 -1 -1 -1
        2 -1 -1 0 20 -1 -1 -1 25 0 -1 -1 -1 -1 -1 0 0 -1 -1 -1 -1 -1 -1 -1
        23 -1 -1 -1 3 -1 -1 -1 0 -1 9 11 -1 -1 -1 -1 0 0 -1 -1 -1 -1 -1 -1
        24 -1 23 1 17 -1 3 -1 10 -1 -1 -1 -1 -1 -1 -1 -1 0 0 -1 -1 -1 -1 -1
        25 -1 -1 -1 8 -1 -1 -1 7 18 -1 -1 0 -1 -1 -1 -1 -1 0 0 -1 -1 -1 -1
        13 24 -1 -1 0 -1 8 -1 6 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 0 0 -1 -1 -1
        7 20 -1 16 22 10 -1 -1 23 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 0 0 -1 -1
        11 -1 -1 -1 19 -1 -1 -1 13 -1 3 17 -1 -1 -1 -1 -1 -1 -1 -1 -1 0 0 -1
        25 -1 8 -1 23 18 -1 14 9 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 0 0
        3 -1 -1 -1 16 -1 -1 2 25 5 -1 -1 1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 0
    """,
    (648, "2/3"): """
        25 26 14 -1 20 -1 2 -1 4 -1 -1 8 -1 16 -1 18 1 0 -1 -1 -1 -1 -1 -1
        10 9 15 11 -1 0 -1 1 -1 -1 18 -1 8 -1 10 -1 -1 0 0 -1 -1 -1 -1 -1
        16 2 20 26 21 -1 6 -1 1 26 -1 7 -1 -1 -1 -1 -1 -1 0 0 -1 -1 -1 -1
        10 13 5 0 -1 3 -1 7 -1 -1 26 -1 -1 13 -1 16 -1 -1 -1 0 0 -1 -1 -1
        23 14 24 -1 12 -1 19 -1 17 -1 -1 -1 20 -1 21 -1 0 -1 -1 -1 0 0 -1 -1
        6 22 9 20 -1 25 -1 17 -1 8 -1 14 -1 18 -1 -1 -1 -1 -1 -1 -1 0 0 -1
        14 23 21 11 20 -1 24 -1 18 -1 19 -1 -1 -1 -1 22 -1 -1 -1 -1 -1 -1 0 0
        17 11 11 20 -1 21 -1 26 -1 3 -1 -1 18 -1 26 -1 1 -1 -1 -1 -1 -1 -1 0
    """,
    (648, "3/4"): """
        16 17 22 24 9 3 14 -1 4 2 7 -1 26 -1 2 -1 21 -1 1 0 -1 -1 -1 -1
        25 12 12 3 3 26 6 21 -1 15 22 -1 15 -1 4 -1 -1 16 -1 0 0 -1 -1 -1
        25 18 26 16 22 23 9 -1 0 -1 4 -1 4 -1 8 23 11 -1 -1 -1 0 0 -1 -1
        9 7 0 1 17 -1 -1 7 3 -1 3 23 -1 16 -1 -1 21 -1 0 -1 -1 0 0 -1
        24 5 26 7 1 -1 -1 15 24 15 -1 8 -1 13 -1 13 -1 11 -1 -1 -1 -1 0 0
        2 2 19 14 24 1 15 19 -1 21 -1 2 -1 24 -1 3 -1 2 1 -1 -1 -1 -1 0
    """,
    (648, "5/6"): """
        17 13 8 21 9 3 18 12 10 0 4 15 19 2 5 10 26 19 13 13 1 0 -1 -1
        3 12 11 14 11 25 5 18 0 9 2 26 26 10 24 7 14 20 4 2 -1 0 0 -1
        22 16 4 3 10 21 12 5 21 14 19 5 -1 8 5 18 11 5 5 15 0 -1 0 0
        7 7 14 14 4 16 16 24 24 10 1 7 15 6 10 26 8 18 21 14 1 -1 -1 0
    """,
    (1296, "1/2"): """
        40 -1 -1 -1 22 -1 49 23 43 -1 -1 -1 1 0 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1
        50 1 -1 -1 48 35 -1 -1 13 -1 30 -1 -1 0 0 -1 -1 -1 -1 -1 -1 -1 -1 -1
        39 50 -1 -1 4 -1 2 -1 -1 -1 -1 49 -1 -1 0 0 -1 -1 -1 -1 -1 -1 -1 -1
        33 -1 -1 38 37 -1 -1 4 1 -1 -1 -1 -1 -1 -1 0 0 -1 -1 -1 -1 -1 -1 -1
        45 -1 -1 -1 0 22 -1 -1 20 42 -1 -1 -1 -1 -1 -1 0 0 -1 -1 -1 -1 -1 -1
        51 -1 -1 48 35 -1 -1 -1 44 -1 18 -1 -1 -1 -1 -1 -1 0 0 -1 -1 -1 -1 -1
        47 11 -1 -1 -1 17 -1 -1 51 -1 -1 -1 0 -1 -1 -1 -1 -1 0 0 -1 -1 -1 -1
        5 -1 25 -1 6 -1 45 -1 13 40 -1 -1 -1 -1 -1 -1 -1 -1 -1 0 0 -1 -1 -1
        33 -1 -1 34 24 -1 -1 -1 23 -1 -1 46 -1 -1 -1 -1 -1 -1 -1 -1 0 0 -1 -1
        1 -1 27 -1 1 -1 -1 -1 38 -1 44 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 0 0 -1
        -1 18 -1 -1 23 -1 -1 8 0 35 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 0 0
        49 -1 17 -1 30 -1 -1 -1 34 -1 -1 19 1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 0
    """,
    (1296, "2/3"): """
        39 31 22 43 -1 40 4 -1 11 -1 -1 50 -1 -1 -1 6 1 0 -1 -1 -1 -1 -1 -1
        25 52 41 2 6 -1 14 -1 34 -1 -1 -1 24 -1 37 -1 -1 0 0 -1 -1 -1 -1 -1
        43 31 29 0 21 -1 28 -1 -1 2 -1 -1 7 -1 17 -1 -1 -1 0 0 -1 -1 -1 -1
        20 33 48 -1 4 13 -1 26 -1 -1 22 -1 -1 46 42 -1 -1 -1 -1 0 0 -1 -1 -1
        45 7 18 51 12 25 -1 -1 -1 50 -1 -1 5 -1 -1 -1 0 -1 -1 -1 0 0 -1 -1
        35 40 32 16 5 -1 -1 18 -1 -1 43 51 -1 32 -1 -1 -1 -1 -1 -1 -1 0 0 -1
        9 24 13 22 28 -1 -1 37 -1 -1 25 -1 -1 52 -1 13 -1 -1 -1 -1 -1 -1 0 0
        32 22 4 21 16 -1 -1 -1 27 28 -1 38 -1 -1 -1 8 1 -1 -1 -1 -1 -1 -1 0
    """,
    (1296, "3/4"): """
        39 40 51 41 3 29 8 36 -1 14 -1 6 -1 33 -1 11 -1 4 1 0 -1 -1 -1 -1
        48 21 47 9 48 35 51 -1 38 -1 28 -1 34 -1 50 -1 50 -1 -1 0 0 -1 -1 -1
        30 39 28 42 50 39 5 17 -1 6 -1 18 -1 20 -1 15 -1 40 -1 -1 0 0 -1 -1
        29 0 1 43 36 30 47 -1 49 -1 47 -1 3 -1 35 -1 34 -1 0 -1 -1 0 0 -1
        1 32 11 23 10 44 12 7 -1 48 -1 4 -1 9 -1 17 -1 16 -1 -1 -1 -1 0 0
        13 7 15 47 23 16 47 -1 43 -1 29 -1 52 -1 2 -1 53 -1 1 -1 -1 -1 -1 0
    """,
    (1296, "5/6"): """
        48 29 37 52 2 16 6 14 53 31 34 5 18 42 53 31 45 -1 46 52 1 0 -1 -1
        17 4 30 7 43 11 24 6 14 21 6 39 17 40 47 7 15 41 19 -1 -1 0 0 -1
        7 2 51 31 46 23 16 11 53 40 10 7 46 53 33 35 -1 25 35 38 0 -1 0 0
        19 48 41 1 10 7 36 47 5 29 52 52 31 10 26 6 3 2 -1 51 1 -1 -1 0
    """,
    (1944, "1/2"): """
        57 -1 -1 -1 50 -1 11 -1 50 -1 79 -1 1 0 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1
        3 -1 28 -1 0 -1 -1 -1 55 7 -1 -1 -1 0 0 -1 -1 -1 -1 -1 -1 -1 -1 -1
        30 -1 -1 -1 24 37 -1 -1 56 14 -1 -1 -1 -1 0 0 -1 -1 -1 -1 -1 -1 -1 -1
        62 53 -1 -1 53 -1 -1 3 35 -1 -1 -1 -1 -1 -1 0 0 -1 -1 -1 -1 -1 -1 -1
        40 -1 -1 20 66 -1 -1 22 28 -1 -1 -1 -1 -1 -1 -1 0 0 -1 -1 -1 -1 -1 -1
        0 -1 -1 -1 8 -1 42 -1 50 -1 -1 8 -1 -1 -1 -1 -1 0 0 -1 -1 -1 -1 -1
        69 79 79 -1 -1 -1 56 -1 52 -1 -1 -1 0 -1 -1 -1 -1 -1 0 0 -1 -1 -1 -1
        65 -1 -1 -1 38 57 -1 -1 72 -1 27 -1 -1 -1 -1 -1 -1 -1 -1 0 0 -1 -1 -1
        64 -1 -1 -1 14 52 -1 -1 30 -1 -1 32 -1 -1 -1 -1 -1 -1 -1 -1 0 0 -1 -1
        -1 45 -1 70 0 -1 -1 -1 77 9 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 0 0 -1
        2 56 -1 57 35 -1 -1 -1 -1 -1 12 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 0 0
        24 -1 61 -1 60 -1 -1 27 51 -1 -1 16 1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 0
    """,
    (1944, "2/3"): """
        61 75 4 63 56 -1 -1 -1 -1 -1 -1 8 -1 2 17 25 1 0 -1 -1 -1 -1 -1 -1
        56 74 77 20 -1 -1 -1 64 24 4 67 -1 7 -1 -1 -1 -1 0 0 -1 -1 -1 -1 -1
        28 21 68 10 7 14 65 -1 -1 -1 23 -1 -1 -1 75 -1 -1 -1 0 0 -1 -1 -1 -1
        48 38 43 78 76 -1 -1 -1 -1 5 36 -1 15 72 -1 -1 -1 -1 -1 0 0 -1 -1 -1
        40 2 53 25 -1 52 62 -1 20 -1 -1 44 -1 -1 -1 -1 0 -1 -1 -1 0 0 -1 -1
        69 23 64 10 22 -1 21 -1 -1 -1 -1 -1 68 23 29 -1 -1 -1 -1 -1 -1 0 0 -1
        12 0 68 20 55 61 -1 40 -1 -1 -1 52 -1 -1 -1 44 -1 -1 -1 -1 -1 -1 0 0
        58 8 34 64 78 -1 -1 11 78 24 -1 -1 -1 -1 -1 58 1 -1 -1 -1 -1 -1 -1 0
    """,
    (1944, "3/4"): """
        48 29 28 39 9 61 -1 -1 -1 63 45 80 -1 -1 -1 37 32 22 1 0 -1 -1 -1 -1
        4 49 42 48 11 30 -1 -1 -1 49 17 41 37 15 -1 54 -1 -1 -1 0 0 -1 -1 -1
        35 76 78 51 37 35 21 -1 17 64 -1 -1 -1 59 7 -1 -1 32 -1 -1 0 0 -1 -1
        9 65 44 9 54 56 73 34 42 -1 -1 -1 35 -1 -1 -1 46 39 0 -1 -1 0 0 -1
        3 62 7 80 68 26 -1 80 55 -1 36 -1 26 -1 9 -1 72 -1 -1 -1 -1 -1 0 0
        26 75 33 21 69 59 3 38 -1 -1 -1 35 -1 62 36 26 -1 -1 1 -1 -1 -1 -1 0
    """,
    (1944, "5/6"): """
        13 48 80 66 4 74 7 30 76 52 37 60 -1 49 73 31 74 73 23 -1 1 0 -1 -1
        69 63 74 56 64 77 57 65 6 16 51 -1 64 -1 68 9 48 62 54 27 -1 0 0 -1
        51 15 0 80 24 25 42 54 44 71 71 9 67 35 -1 58 -1 29 -1 53 0 -1 0 0
        16 29 36 41 44 56 59 37 50 24 -1 65 4 65 52 -1 4 -1 73 52 1 -1 -1 0
    """,
}


def _parse_table(text: str) -> np.ndarray:
    rows = [[int(v) for v in line.split()] for line in text.strip().splitlines()]
    return np.array(rows, dtype=np.int16)


def _check_structure(base: np.ndarray, z: int, name: str) -> None:
    """Raise ConfigError unless ``base`` has the 802.11n dual-diagonal parity part."""
    mb, nb = base.shape
    if np.any(base < -1) or np.any(base >= z):
        raise ConfigError(f"LDPC code {name}: shifts must lie in -1..{z - 1}")
    kb = nb - mb
    first = base[:, kb]
    if np.count_nonzero(first >= 0) < 1 or first[0] < 0 or first[-1] < 0:
        raise ConfigError(f"LDPC code {name}: first parity column must touch the first and last block rows")
    # sum of the first parity column's circulants must be a single circulant (P^a)
    odd = [s for s in np.unique(first[first >= 0]) if np.count_nonzero(first == s) % 2 == 1]
    if len(odd) != 1:
        raise ConfigError(f"LDPC code {name}: first parity column does not sum to one circulant")
    stair = np.full((mb, mb - 1), -1, dtype=np.int16)
    stair[np.arange(mb - 1), np.arange(mb - 1)] = 0
    stair[np.arange(1, mb), np.arange(mb - 1)] = 0
    if not np.array_equal(base[:, kb + 1 :], stair):
        raise ConfigError(f"LDPC code {name}: parity part is not a staircase of identities")


@dataclass(frozen=True, eq=False)
class LdpcCode:
    """A quasi-cyclic LDPC code given by its prototype matrix of cyclic shifts.

    Attributes:
        name: e.g. ``"80211n-1944-1/2"``.
        z: lifting (circulant) size Z.
        base: int16 array (mb, nb) of shifts; -1 = zero block, s >= 0 = identity
            shifted right by s.  Read-only.
        n: codeword length nb·Z (property).
        k: information length (nb - mb)·Z (property).
        rate: k/n as a Fraction (property).

    Codewords are systematic: bits ``[0, k)`` are the information bits, the rest
    parity.  Build the standard codes with :meth:`ieee80211n`.
    """

    name: str
    z: int
    base: np.ndarray = field(repr=False)

    def __post_init__(self) -> None:
        base = np.array(self.base, dtype=np.int16)  # private copy
        if base.ndim != 2 or base.shape[0] >= base.shape[1]:
            raise ConfigError(f"LDPC code {self.name}: base matrix must be 2-D with fewer rows than columns")
        if self.z < 2:
            raise ConfigError(f"LDPC code {self.name}: lifting size must be at least 2, got {self.z}")
        _check_structure(base, self.z, self.name)
        base.setflags(write=False)
        object.__setattr__(self, "base", base)

    @property
    def n(self) -> int:
        """Codeword length in bits."""
        return int(self.base.shape[1]) * self.z

    @property
    def k(self) -> int:
        """Information bits per codeword."""
        return int(self.base.shape[1] - self.base.shape[0]) * self.z

    @property
    def m(self) -> int:
        """Parity checks (rows of H), n − k."""
        return int(self.base.shape[0]) * self.z

    @property
    def rate(self) -> Fraction:
        """Code rate k/n."""
        return Fraction(self.k, self.n)

    @classmethod
    def ieee80211n(cls, n: int, rate: str | Fraction) -> LdpcCode:
        """The IEEE 802.11n/ac/ax code of length ``n`` (648, 1296, 1944) and ``rate`` ("1/2", "2/3", "3/4", "5/6").

        Raises:
            ConfigError: unknown length or rate.
        """
        return ieee80211n_code(n, rate)

    def parity_check_matrix(self) -> sp.csr_matrix:
        """The (n−k) × n parity-check matrix H as a scipy CSR matrix of uint8 ones."""
        rows, cols = _edge_indices(self)
        data = np.ones(rows.size, dtype=np.uint8)
        return sp.csr_matrix((data, (rows, cols)), shape=(self.m, self.n))

    def __repr__(self) -> str:
        return f"LdpcCode({self.name!r}, n={self.n}, k={self.k}, z={self.z})"


def _edge_indices(code: LdpcCode) -> tuple[np.ndarray, np.ndarray]:
    """Row and column index (int64 arrays) of every one in H, block row by block row."""
    z = code.z
    r = np.arange(z)
    rows, cols = [], []
    for i, j in zip(*np.nonzero(code.base >= 0), strict=True):
        s = int(code.base[i, j])
        rows.append(i * z + r)
        cols.append(j * z + (r + s) % z)
    return np.concatenate(rows), np.concatenate(cols)


@lru_cache(maxsize=None)
def _cached_code(n: int, rate: str) -> LdpcCode:
    return LdpcCode(name=f"80211n-{n}-{rate}", z=LIFTING_SIZES[n], base=_parse_table(_TABLES[(n, rate)]))


def ieee80211n_code(n: int, rate: str | Fraction) -> LdpcCode:
    """The IEEE 802.11n code of length ``n`` and ``rate``; see :meth:`LdpcCode.ieee80211n`.

    Raises:
        ConfigError: unknown length or rate.
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or int(n) not in LIFTING_SIZES:
        raise ConfigError(f"unknown 802.11n LDPC length n={n!r}; choose one of 648, 1296, 1944")
    try:
        frac = Fraction(str(rate).strip())
    except (ValueError, ZeroDivisionError):
        frac = None
    key = f"{frac.numerator}/{frac.denominator}" if frac is not None else None
    if key not in RATES:
        raise ConfigError(f"unknown 802.11n LDPC rate {rate!r}; choose one of {', '.join(RATES)}")
    return _cached_code(int(n), key)


def ieee80211n_codes() -> tuple[LdpcCode, ...]:
    """All twelve IEEE 802.11n codes, ordered by length then rate."""
    return tuple(ieee80211n_code(n, r) for n in LIFTING_SIZES for r in RATES)
