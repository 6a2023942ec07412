"""OFDM TX: frame PDUs in, bursts of complex baseband samples out (core :class:`OfdmTransmitter`)."""

from __future__ import annotations

import collections
import time

import numpy as np
import pmt
from gnuradio import gr

from ddm_sscc.errors import ConfigError, DdmError
from ddm_sscc.fec.framing import Frame
from ddm_sscc.phy.ofdm.config import OfdmConfig
from ddm_sscc.phy.ofdm.transmitter import OfdmTransmitter

IDLE_MODES = ("wait", "zeros")


class ofdm_tx(gr.sync_block):  # noqa: N801 - GNU Radio block naming
    """LDPC + mapper + OFDM: each frame PDU on ``pdus`` becomes one burst on the output.

    Args:
        config: an :class:`OfdmConfig`, a mapping for ``OfdmConfig.from_dict``, or None (802.11a-like default).
        gap: zero samples appended after every burst (lets filters and receivers flush).
        idle: ``"wait"`` produces nothing while no burst is queued (simulation, ZeroMQ);
            ``"zeros"`` keeps a continuous stream of zeros (sinks that need one).
        length_tag_key: a tag with this key and the burst length marks each burst's first sample
            (the channel block starts a new fading block there).  Empty: no tags.
        amplitude: scale of the unit-power bursts (e.g. below 1 to keep a radio's DAC out of clipping).
    """

    def __init__(
        self,
        config: OfdmConfig | dict | None = None,
        gap: int = 400,
        idle: str = "wait",
        length_tag_key: str = "burst_len",
        amplitude: float = 1.0,
    ) -> None:
        gr.sync_block.__init__(self, name="DDM OFDM TX", in_sig=None, out_sig=[np.complex64])
        if isinstance(config, dict):
            config = OfdmConfig.from_dict(config)
        self.transmitter = OfdmTransmitter(config)
        if isinstance(gap, bool) or not isinstance(gap, int) or gap < 0:
            raise ConfigError(f"gap must be a non-negative integer of samples, got {gap!r}")
        if idle not in IDLE_MODES:
            raise ConfigError(f"idle must be one of {', '.join(IDLE_MODES)}, got {idle!r}")
        if not np.isfinite(amplitude) or amplitude <= 0:
            raise ConfigError(f"amplitude must be a positive number, got {amplitude!r}")
        self.gap = gap
        self.idle = idle
        self.amplitude = float(amplitude)
        self._tag_key = pmt.intern(length_tag_key) if length_tag_key else None
        self._queue: collections.deque[np.ndarray] = collections.deque()
        self._current = np.zeros(0, dtype=np.complex64)
        self._offset = 0  # next sample of _current to send
        self._burst_len = 0
        self.bursts_sent = 0
        self.samples_sent = 0  # burst samples only: the channel uses
        self.dropped = 0
        self.message_port_register_in(pmt.intern("pdus"))
        self.set_msg_handler(pmt.intern("pdus"), self._on_pdu)

    def _on_pdu(self, msg: pmt.pmt_t) -> None:
        from ddm_blocks.frame_pdu import split_pdu

        try:
            _, data = split_pdu(msg)
            burst = self.transmitter.burst(Frame.unpack(data))
        except DdmError as exc:
            self.dropped += 1
            self.logger.warn(f"dropped a PDU that is not a valid frame: {exc}")
            return
        self._queue.append((burst * self.amplitude).astype(np.complex64))

    @property
    def queued(self) -> int:
        """Bursts waiting to be sent (the one in progress excluded)."""
        return len(self._queue)

    def work(self, input_items, output_items):
        out = output_items[0]
        n = 0
        while n < len(out):
            if self._offset >= self._current.size:
                if not self._queue:
                    break
                burst = self._queue.popleft()
                self._burst_len = burst.size
                self._current = np.concatenate([burst, np.zeros(self.gap, dtype=np.complex64)])
                self._offset = 0
                if self._tag_key is not None:
                    self.add_item_tag(0, self.nitems_written(0) + n, self._tag_key, pmt.from_long(burst.size))
                self.bursts_sent += 1
                self.samples_sent += burst.size
            take = min(len(out) - n, self._current.size - self._offset)
            out[n : n + take] = self._current[self._offset : self._offset + take]
            self._offset += take
            n += take
        if n == 0:
            if self.idle == "zeros":
                out[:] = 0
                return len(out)
            time.sleep(0.002)  # nothing queued: poll again soon (messages arrive between work calls)
        return n
