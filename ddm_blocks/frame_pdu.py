"""Frames as GNU Radio PDUs: ``(meta dict . u8vector)`` whose bytes are ``Frame.pack()``.

A frame whose payload failed its CRC travels as its 14 header bytes with
``payload_ok = False`` in the metadata, so the decoder can report which frame was lost.
"""

from __future__ import annotations

import numpy as np
import pmt

from ddm_sscc.errors import FrameError


def make_pdu(data: bytes, meta: dict[str, object]) -> pmt.pmt_t:
    """A PDU of ``data`` with metadata ``meta`` (ints, floats, bools, strings)."""
    return pmt.cons(pmt.to_pmt(meta), pmt.init_u8vector(len(data), np.frombuffer(data, dtype=np.uint8).tolist()))


def split_pdu(msg: pmt.pmt_t) -> tuple[dict[str, object], bytes]:
    """``(meta, bytes)`` of a u8vector PDU; :class:`FrameError` for anything else."""
    if not pmt.is_pair(msg):
        raise FrameError("message is not a PDU (a pair of metadata and a vector)")
    meta_pmt, vec = pmt.car(msg), pmt.cdr(msg)
    if not pmt.is_u8vector(vec):
        raise FrameError("PDU data is not a u8vector")
    meta = pmt.to_python(meta_pmt) if pmt.is_dict(meta_pmt) else {}
    if not isinstance(meta, dict):
        meta = {}
    return meta, bytes(pmt.u8vector_elements(vec))
