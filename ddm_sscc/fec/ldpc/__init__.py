"""Soft-decision QC-LDPC codes of IEEE 802.11n/ac/ax in pure numpy (Sionna-like API).

    code = LdpcCode.ieee80211n(1944, "1/2")
    enc = LdpcEncoder(code)
    dec = LdpcDecoder(enc)             # layered offset min-sum (β = 0.5)
    cw = enc(bits)                     # (..., k) -> (..., n) uint8
    res = dec(llr)                     # llr (..., n), LLR = ln P(b=0)/P(b=1)
    res.bits, res.ok, res.iterations   # (..., k) uint8, (...,) bool, (...,) int
"""

from ddm_sscc.fec.ldpc.codes import LdpcCode, ieee80211n_code, ieee80211n_codes
from ddm_sscc.fec.ldpc.decoding import LdpcDecoder, LdpcDecodeResult
from ddm_sscc.fec.ldpc.encoding import LdpcEncoder

__all__ = [
    "LdpcCode",
    "LdpcDecodeResult",
    "LdpcDecoder",
    "LdpcEncoder",
    "ieee80211n_code",
    "ieee80211n_codes",
]
