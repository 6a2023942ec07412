"""Helpers shared by the GNU Radio block QA tests: a PDU source block, a PDU builder, polling."""

from __future__ import annotations

import time

import pmt
from gnuradio import gr

TIMEOUT = 30.0


class pdu_source(gr.basic_block):  # noqa: N801 - GNU Radio block naming
    """Publishes a fixed list of messages on ``out`` when the flowgraph starts."""

    def __init__(self, messages) -> None:
        gr.basic_block.__init__(self, name="qa_pdu_source", in_sig=None, out_sig=None)
        self.messages = list(messages)
        self.message_port_register_out(pmt.intern("out"))

    def start(self) -> bool:
        for msg in self.messages:
            self.message_port_pub(pmt.intern("out"), msg)
        return True


def pdu(data: bytes, meta: dict | None = None, **fields) -> pmt.pmt_t:
    """A PDU of ``data`` whose metadata is ``meta`` merged with the keyword ``fields``."""
    return pmt.cons(pmt.to_pmt({**(meta or {}), **fields}), pmt.init_u8vector(len(data), list(data)))


def split(msg) -> tuple[dict, bytes]:
    """A PDU's metadata and data, checking it is a (meta, u8vector) pair."""
    assert pmt.is_pair(msg) and pmt.is_u8vector(pmt.cdr(msg))
    return pmt.to_python(pmt.car(msg)), bytes(pmt.u8vector_elements(pmt.cdr(msg)))


def wait_until(condition, timeout: float = TIMEOUT) -> bool:
    """Poll ``condition`` until it holds or ``timeout`` seconds pass; its last value."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.01)
    return condition()
