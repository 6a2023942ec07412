"""The OFDM burst transmitter: frame → complex baseband samples."""

from __future__ import annotations

import numpy as np

from ddm_sscc.fec.framing import Frame

from ..mcs import mcs_by_id
from .burst_format import BurstFormat
from .config import OfdmConfig


class OfdmTransmitter:
    """Turns frames into bursts: preamble, header symbols, payload symbols.

    Output is complex64 with unit mean power per sample over the burst (every part is
    scaled so), which is the reference of the SNR convention in :mod:`ddm_sscc.channel.snr`.
    Build the matching receiver with ``OfdmReceiver(transmitter)``.
    """

    def __init__(self, config: OfdmConfig | None = None, max_iter: int = 20) -> None:
        self.format = BurstFormat(config, max_iter=max_iter)
        self.config = self.format.config

    def burst(self, frame: Frame) -> np.ndarray:
        """(L,) complex64 samples of one burst; L = ``format.burst_len(mcs, payload_len)``."""
        mcs = mcs_by_id(frame.header.mcs)
        fmt = self.format
        header = fmt.modulator.modulate(fmt.header_grid(frame.header), first=0)
        payload = fmt.modulator.modulate(fmt.payload_grid(mcs, frame.payload_with_crc()), first=fmt.header_symbols)
        return np.concatenate([fmt.preamble.samples, header, payload])

    def burst_len(self, frame: Frame) -> int:
        return self.format.burst_len(mcs_by_id(frame.header.mcs), frame.header.payload_len)
