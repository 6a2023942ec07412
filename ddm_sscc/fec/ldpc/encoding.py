"""Systematic encoder for 802.11n-style dual-diagonal QC-LDPC codes (no generator matrix).

With H = [H_s | h | T] (h the weight-3 first parity block column, T the
staircase of identities) and λ = H_s·u (mod 2) split into Z-bit blocks λ_i,
summing all block rows cancels the staircase, so

    P^a · p_0 = Σ_i λ_i          (Σ_i P^{h_i} = P^a; a = 0 for every 802.11n code)
    p_1       = λ_0 + P^{h_0} p_0
    p_{i+1}   = p_i + λ_i + P^{h_i} p_0     (h_i = -1: no term)

i.e. the remaining parity blocks are a cumulative XOR, done in one numpy call.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ddm_sscc.errors import ConfigError
from ddm_sscc.fec.ldpc.codes import LdpcCode


def _info_part(code: LdpcCode) -> sp.csr_matrix:
    """H_s, the (n−k) × k information part of H, as uint8 CSR."""
    return code.parity_check_matrix()[:, : code.k].tocsr()


class LdpcEncoder:
    """Systematic encoder: ``encoder(bits)`` maps (..., k) info bits to (..., n) codewords.

    Args:
        code: the LDPC code (e.g. ``LdpcCode.ieee80211n(1944, "1/2")``).

    The codeword is ``[bits, p_0, p_1, …, p_{mb-1}]`` with each parity block Z
    bits long, so ``cw[..., :k] == bits`` and ``H · cw = 0 (mod 2)``.  For
    :class:`~ddm_sscc.fec.ldpc.decoding.LdpcDecoder`, a transmitted bit b has
    LLR = ln P(b=0)/P(b=1): positive for 0 (BPSK: 0 → +1, LLR = 2y/σ²).
    """

    def __init__(self, code: LdpcCode) -> None:
        if not isinstance(code, LdpcCode):
            raise ConfigError(f"LdpcEncoder needs an LdpcCode, got {type(code).__name__}")
        self.code = code
        z, base = code.z, code.base
        mb, nb = base.shape
        kb = nb - mb
        self._hs = _info_part(code)
        first = base[:, kb].astype(np.int64)
        self._first_rows = np.flatnonzero(first >= 0)
        self._first_shifts = first[self._first_rows]
        # Σ_i P^{h_i} = P^a (checked in LdpcCode): p_0 = P^{-a} Σ λ_i
        odd = [s for s in np.unique(self._first_shifts) if np.count_nonzero(self._first_shifts == s) % 2]
        self._a = int(odd[0])
        r = np.arange(z)
        # (P^s x)[r] = x[(r + s) mod Z]: one gather index per shift
        self._rot = {int(s): (r + s) % z for s in np.unique(np.append(self._first_shifts, -self._a % z))}

    @property
    def k(self) -> int:
        """Information bits per codeword."""
        return self.code.k

    @property
    def n(self) -> int:
        """Codeword length."""
        return self.code.n

    def __call__(self, bits: np.ndarray) -> np.ndarray:
        """Encode.

        Args:
            bits: array (..., k) of 0/1 (bool, integer or float dtype).

        Returns:
            uint8 array (..., n), systematic: ``cw[..., :k] == bits``.

        Raises:
            ConfigError: last dimension is not k, or values other than 0 and 1.
        """
        u = np.asarray(bits)
        code = self.code
        if u.ndim < 1 or u.shape[-1] != code.k:
            raise ConfigError(f"{code.name} encoder expects bits of shape (..., {code.k}), got {u.shape}")
        if u.dtype != np.bool_:
            if not np.issubdtype(u.dtype, np.integer) and not np.issubdtype(u.dtype, np.floating):
                raise ConfigError(f"{code.name} encoder expects 0/1 bits, got dtype {u.dtype}")
            if u.size and not np.all((u == 0) | (u == 1)):
                raise ConfigError(f"{code.name} encoder expects bits in {{0, 1}}")
        lead = u.shape[:-1]
        u2 = u.reshape(-1, code.k).astype(np.uint8)
        b = u2.shape[0]
        z = code.z
        mb = code.base.shape[0]
        if b == 0:
            return np.zeros((*lead, code.n), dtype=np.uint8)
        # λ = H_s u (mod 2); the counts fit uint8 (row weights < 256)
        lam = (np.asarray(self._hs @ u2.T).T & 1).reshape(b, mb, z)
        p0 = np.bitwise_xor.reduce(lam, axis=1) if mb > 1 else lam[:, 0]
        if self._a:
            p0 = p0[:, self._rot[-self._a % z]]
        t = lam[:, :-1].copy()  # t_i = λ_i + P^{h_i} p_0, rows 0..mb-2
        for i, s in zip(self._first_rows, self._first_shifts, strict=True):
            if i < mb - 1:
                t[:, i] ^= p0[:, self._rot[int(s)]]
        parity = np.bitwise_xor.accumulate(t, axis=1)  # p_1..p_{mb-1}
        cw = np.empty((b, code.n), dtype=np.uint8)
        cw[:, : code.k] = u2
        cw[:, code.k : code.k + z] = p0
        cw[:, code.k + z :] = parity.reshape(b, -1)
        return cw.reshape(*lead, code.n)

    def __repr__(self) -> str:
        return f"LdpcEncoder({self.code.name!r})"
