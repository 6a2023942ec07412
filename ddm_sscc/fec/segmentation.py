"""Code-block segmentation, shortening and repetition rate matching.

A message of B bits (payload plus CRC-32) rarely fills whole LDPC codewords.  As in
5G NR's code-block segmentation, it is split into C = ⌈B/k⌉ blocks of nearly equal
size (sizes differ by at most one bit); each block is completed to k bits with known
zeros that are *shortened*: encoded, but not transmitted, and fed to the decoder as
certain (LLR = +``KNOWN_LLR``).  A codeword then sends k_i systematic and n − k parity
bits.  To fill the last OFDM symbol the coded stream is repeated cyclically, and the
receiver adds the LLRs of repeated bits (chase combining) instead of discarding them.

LLR convention: ln P(b=0)/P(b=1), positive means 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ddm_sscc.errors import ConfigError

from .ldpc import LdpcDecoder, LdpcEncoder

#: LLR given to shortened (known-zero) bits: large but far from float32 overflow.
KNOWN_LLR = 1e4


@dataclass(frozen=True)
class BlockLayout:
    """How B message bits map onto codewords.

    Attributes:
        n_bits: message bits B.
        info: (C,) int64 information bits per code block (sum = B).
        n_coded: transmitted coded bits before repetition (B + C·(n − k)).
    """

    n_bits: int
    info: np.ndarray
    n_coded: int

    @property
    def n_blocks(self) -> int:
        return len(self.info)


@dataclass(frozen=True)
class DecodedBlocks:
    """Decoder output: ``bits`` (B,) uint8, ``ok`` (C,) bool syndrome checks, ``iterations`` (C,)."""

    bits: np.ndarray
    ok: np.ndarray
    iterations: np.ndarray


class CodeBlockCoder:
    """Segments, shortens, encodes and rate-matches messages with one LDPC code.

    The decoder is built from the encoder, so both ends use the same code.
    """

    def __init__(self, encoder: LdpcEncoder, max_iter: int = 20) -> None:
        self.encoder = encoder
        self.decoder = LdpcDecoder(encoder, max_iter=max_iter)
        self.n = encoder.code.n
        self.k = encoder.code.k

    def layout(self, n_bits: int) -> BlockLayout:
        if n_bits < 1:
            raise ConfigError("a message needs at least one bit")
        c = -(-n_bits // self.k)
        base, extra = divmod(n_bits, c)
        info = np.full(c, base, dtype=np.int64)
        info[:extra] += 1
        return BlockLayout(n_bits, info, n_bits + c * (self.n - self.k))

    def _masks(self, lay: BlockLayout) -> tuple[np.ndarray, np.ndarray]:
        col = np.arange(self.n)
        info_mask = col[None, : self.k] < lay.info[:, None]  # (C, k)
        sent_mask = (col[None, :] < lay.info[:, None]) | (col[None, :] >= self.k)  # (C, n)
        return info_mask, sent_mask

    def encode(self, bits: np.ndarray, n_out: int | None = None) -> np.ndarray:
        """Coded bits for ``bits`` (B,) uint8: (n_coded,) or, repeated, (n_out,) uint8."""
        bits = np.asarray(bits, dtype=np.uint8).ravel()
        lay = self.layout(bits.size)
        info_mask, sent_mask = self._masks(lay)
        info = np.zeros((lay.n_blocks, self.k), dtype=np.uint8)
        info[info_mask] = bits
        coded = self.encoder(info)[sent_mask]
        return coded if n_out is None else repeat_to(coded, n_out)

    def decode(self, llr: np.ndarray, n_bits: int) -> DecodedBlocks:
        """Decode LLRs (float, length ≥ n_coded; extra entries are repetitions) of a ``n_bits`` message."""
        lay = self.layout(n_bits)
        llr = combine_repeats(np.asarray(llr, dtype=np.float32).ravel(), lay.n_coded)
        info_mask, sent_mask = self._masks(lay)
        full = np.full((lay.n_blocks, self.n), KNOWN_LLR, dtype=np.float32)
        full[sent_mask] = llr
        out = self.decoder(full)
        return DecodedBlocks(out.bits[info_mask], out.ok, out.iterations)


def repeat_to(coded: np.ndarray, n_out: int) -> np.ndarray:
    """Cyclically repeat ``coded`` (n,) to ``n_out`` ≥ n entries."""
    if n_out < coded.size:
        raise ConfigError(f"cannot rate-match {coded.size} coded bits into {n_out} (puncturing is not supported)")
    return np.resize(coded, n_out)


def combine_repeats(llr: np.ndarray, n_coded: int) -> np.ndarray:
    """Sum the LLRs of cyclic repeats: (m,) with m ≥ n_coded → (n_coded,) float32."""
    if llr.size < n_coded:
        raise ConfigError(f"{llr.size} LLRs cannot carry {n_coded} coded bits")
    if llr.size == n_coded:
        return llr
    idx = np.arange(llr.size) % n_coded
    return np.bincount(idx, weights=llr, minlength=n_coded).astype(np.float32)
