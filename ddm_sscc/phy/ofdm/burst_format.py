"""The layout of one burst, shared by transmitter and receiver.

```
| STF 160 | LTF N/2+2N | header: H symbols, BPSK, 648-bit LDPC | payload: S symbols, the frame's MCS |
```

* The 20-byte frame header (:mod:`ddm_sscc.fec.framing`) is coded with
  :data:`~ddm_sscc.phy.mcs.HEADER_MCS`: the 648-bit rate-1/2 LDPC code shortened to its
  160 bits (effective rate 160/484), BPSK, repeated to fill whole symbols.  It names
  the payload's MCS and length, from which the receiver knows S.
* The payload plus its CRC-32 (over header and payload) is segmented into 1944-bit codewords of the MCS's rate
  (:mod:`ddm_sscc.fec.segmentation`), repeated to fill the last symbol.
* Both coded streams are XORed with the 802.11 scrambler sequence before mapping.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ddm_sscc.fec.framing import HEADER_LEN, FrameHeader
from ddm_sscc.fec.ldpc import LdpcCode, LdpcEncoder
from ddm_sscc.fec.segmentation import CodeBlockCoder, DecodedBlocks

from ..mapping import Constellation
from ..mcs import HEADER_MCS, Mcs
from ..scrambler import scrambler_sequence
from .config import OfdmConfig
from .modulation import OfdmModulator
from .preamble import Preamble

_CRC_BITS = 32


class BurstFormat:
    """Sizes and bit-level coding of bursts for one :class:`OfdmConfig`."""

    def __init__(self, config: OfdmConfig | None = None, max_iter: int = 20) -> None:
        self.config = config or OfdmConfig()
        self.max_iter = max_iter
        self.preamble = Preamble(self.config)
        self.modulator = OfdmModulator(self.config)
        self.header_coder = self._coder(HEADER_MCS)
        self.header_constellation = Constellation(HEADER_MCS.modulation)
        self.header_bits = HEADER_LEN * 8
        self.header_coded_bits = self.header_coder.layout(self.header_bits).n_coded
        self.header_symbols = -(-self.header_coded_bits // self.config.n_data)

    @lru_cache(maxsize=16)  # noqa: B019 - one format object lives as long as its modem
    def _coder(self, mcs: Mcs) -> CodeBlockCoder:
        return CodeBlockCoder(LdpcEncoder(LdpcCode.ieee80211n(mcs.n, mcs.rate)), max_iter=self.max_iter)

    @lru_cache(maxsize=16)  # noqa: B019
    def constellation(self, modulation: str) -> Constellation:
        return Constellation(modulation)

    # ---- sizes --------------------------------------------------------------------
    def payload_capacity(self, mcs: Mcs, payload_len: int) -> tuple[int, int]:
        """(coded bits after repetition, OFDM symbols) of a payload of ``payload_len`` bytes."""
        n_bits = (payload_len * 8) + _CRC_BITS
        coded = self._coder(mcs).layout(n_bits).n_coded
        per_symbol = self.config.n_data * mcs.bits_per_symbol
        symbols = -(-coded // per_symbol)
        return symbols * per_symbol, symbols

    def payload_symbols(self, mcs: Mcs, payload_len: int) -> int:
        return self.payload_capacity(mcs, payload_len)[1]

    def burst_len(self, mcs: Mcs, payload_len: int) -> int:
        """Samples in a burst, preamble to last payload sample."""
        n_sym = self.header_symbols + self.payload_symbols(mcs, payload_len)
        return self.preamble.length + n_sym * self.config.symbol_len

    # ---- transmit side ------------------------------------------------------------
    def header_grid(self, header: FrameHeader) -> np.ndarray:
        """(H, n_data) complex64 header carrier values."""
        return self.header_grid_from_bytes(header.pack())

    def payload_grid(self, mcs: Mcs, payload_with_crc: bytes) -> np.ndarray:
        """(S, n_data) complex64 payload carrier values of ``payload || CRC-32`` (``Frame.payload_with_crc()``)."""
        bits = np.unpackbits(np.frombuffer(payload_with_crc, dtype=np.uint8))
        n_out, n_sym = self.payload_capacity(mcs, len(payload_with_crc) - _CRC_BITS // 8)
        coded = self._coder(mcs).encode(bits, n_out) ^ scrambler_sequence(n_out)
        return self.constellation(mcs.modulation).map(coded).reshape(n_sym, -1)

    # ---- receive side -------------------------------------------------------------
    def decode_header_llr(self, llr: np.ndarray) -> tuple[bytes, DecodedBlocks]:
        """Header bytes (HEADER_LEN, unchecked) from (H·n_data,) descrambled-or-not LLRs."""
        llr = _descramble(llr)
        out = self.header_coder.decode(llr, self.header_bits)
        return np.packbits(out.bits).tobytes(), out

    def decode_payload_llr(self, mcs: Mcs, payload_len: int, llr: np.ndarray) -> tuple[bytes, DecodedBlocks]:
        """Payload + CRC-32 bytes (unchecked) from its (S·n_data·m,) LLRs."""
        out = self._coder(mcs).decode(_descramble(llr), payload_len * 8 + _CRC_BITS)
        return np.packbits(out.bits).tobytes(), out

    def header_grid_from_bytes(self, header_bytes: bytes) -> np.ndarray:
        """(H, n_data) header carrier values of packed header bytes; the receiver re-modulates
        a decoded header with it to use the header symbols as extra training."""
        bits = np.unpackbits(np.frombuffer(header_bytes, dtype=np.uint8))
        n_out = self.header_symbols * self.config.n_data
        coded = self.header_coder.encode(bits, n_out) ^ scrambler_sequence(n_out)
        return self.header_constellation.map(coded).reshape(self.header_symbols, -1)


def _descramble(llr: np.ndarray) -> np.ndarray:
    flip = scrambler_sequence(llr.size).astype(bool)
    out = np.asarray(llr, dtype=np.float32).copy()
    out[flip] = -out[flip]
    return out
