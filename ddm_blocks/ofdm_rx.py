"""OFDM RX: a complex sample stream in, frame PDUs out (core streaming :class:`OfdmReceiver`)."""

from __future__ import annotations

import numpy as np
import pmt
from gnuradio import gr

from ddm_sscc.phy.ofdm.config import OfdmConfig
from ddm_sscc.phy.ofdm.receiver import OfdmReceiver
from ddm_sscc.phy.ofdm.transmitter import OfdmTransmitter

from ddm_blocks.frame_pdu import make_pdu


MAX_SYMBOLS_PER_PDU = 4096
"""A display needs a sample, and PDUs larger than a stream buffer stall pdu_to_tagged_stream."""


class ofdm_rx(gr.sync_block):  # noqa: N801 - GNU Radio block naming
    """Detects, synchronises and decodes bursts in the input stream.

    Output ports:
        ``pdus``: one PDU per burst whose header decoded. Data: ``Frame.pack()`` bytes when the
            payload CRC-32 passed (``payload_ok`` True), else the 14 header bytes (``payload_ok``
            False: the frame is lost and says which one).  Metadata: ``session_id``, ``seq``,
            ``total``, ``mcs``, ``payload_ok``, ``snr_db``, ``cfo_hz``, ``start`` (sample index),
            ``iterations``.
        ``symbols``: with ``constellation`` on, a c32vector PDU of (at most ``MAX_SYMBOLS_PER_PDU`` of)
            each frame's equalised data symbols, for a constellation display.

    Args:
        config: the transmitter's OFDM config (:class:`OfdmConfig`, mapping, or None for the default).
        detect_threshold: burst detection threshold (see :class:`OfdmReceiver`).
        constellation: publish equalised symbols on ``symbols``.
    """

    def __init__(self, config: OfdmConfig | dict | None = None, detect_threshold: float = 0.25, constellation: bool = False) -> None:
        gr.sync_block.__init__(self, name="DDM OFDM RX", in_sig=[np.complex64], out_sig=None)
        if isinstance(config, dict):
            config = OfdmConfig.from_dict(config)
        self.receiver = OfdmReceiver(
            OfdmTransmitter(config), detect_threshold=detect_threshold, keep_symbols=bool(constellation)
        )
        self.constellation = bool(constellation)
        self.message_port_register_out(pmt.intern("pdus"))
        self.message_port_register_out(pmt.intern("symbols"))

    @property
    def stats(self):
        """The core receiver's :class:`ReceiverStats`."""
        return self.receiver.stats

    def work(self, input_items, output_items):
        x = input_items[0]
        for frame in self.receiver.push(x):
            h = frame.header
            meta = {
                "session_id": h.session_id,
                "symbol_id": h.symbol_id,
                "source_symbols": h.source_symbols,
                "mcs": h.mcs,
                "payload_ok": frame.ok,
                "snr_db": round(frame.snr_db, 3),
                "cfo_hz": round(frame.cfo_hz, 1),
                "start": frame.start,
                "iterations": frame.iterations,
            }
            data = h.pack() + frame.payload if frame.ok else h.pack()
            if not frame.ok:
                self.logger.debug(f"symbol {h.symbol_id} (K={h.source_symbols}) of session 0x{h.session_id:08x} lost (payload CRC)")
            self.message_port_pub(pmt.intern("pdus"), make_pdu(data, meta))
            if self.constellation and frame.symbols is not None:
                sym = frame.symbols[:MAX_SYMBOLS_PER_PDU]
                self.message_port_pub(
                    pmt.intern("symbols"), pmt.cons(pmt.make_dict(), pmt.init_c32vector(sym.size, sym.tolist()))
                )
        return len(x)
