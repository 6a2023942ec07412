"""Channel: the core's simulated channel (fading, AWGN, radio impairments) on a sample stream."""

from __future__ import annotations

import numpy as np
import pmt
from gnuradio import gr

from ddm_sscc.channel.model import Channel, ChannelConfig


class channel_stream(gr.basic_block):  # noqa: N801 - GNU Radio block naming
    """Runs :class:`ddm_sscc.channel.Channel` on the stream.

    A tag with ``burst_tag_key`` (the TX block's burst-length tag) starts a new fading block
    there, so ``kind="rayleigh"`` fades every burst independently.  With a sampling-clock
    offset the output rate differs from the input rate, hence a general block.  Tags are not
    propagated: a channel does not carry them.
    """

    def __init__(self, config: ChannelConfig, burst_tag_key: str = "burst_len") -> None:
        gr.basic_block.__init__(self, name="DDM Channel", in_sig=[np.complex64], out_sig=[np.complex64])
        self.channel = Channel(config)
        self.config = config
        self._tag_key = pmt.intern(burst_tag_key) if burst_tag_key else None
        self._pending = np.zeros(0, dtype=np.complex64)
        self.set_tag_propagation_policy(gr.TPP_DONT)

    def forecast(self, noutput_items, ninputs):
        # output held back from earlier calls needs no input
        need = 0 if self._pending.size >= noutput_items else noutput_items
        return [need] * ninputs

    def general_work(self, input_items, output_items):
        out = output_items[0]
        if self._pending.size < len(out):
            x = input_items[0]
            self._pending = np.concatenate([self._pending, self._process(x)])
            self.consume(0, len(x))
        n = min(len(out), self._pending.size)
        out[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n

    def _process(self, x: np.ndarray) -> np.ndarray:
        if self._tag_key is None or x.size == 0:
            return self.channel.process(x)
        start = self.nitems_read(0)
        cuts = sorted({t.offset - start for t in self.get_tags_in_window(0, 0, x.size, self._tag_key)})
        pieces, at = [], 0
        for cut in cuts:
            pieces.append(self.channel.process(x[at:cut]))
            self.channel.new_block()
            at = cut
        pieces.append(self.channel.process(x[at:]))
        return np.concatenate(pieces)


class channel_model(gr.hier_block2):  # noqa: N801 - GNU Radio block naming
    """Channel hier block: AWGN, Rayleigh flat block fading or tapped-delay-line fading, plus impairments.

    Args (see :class:`ChannelConfig` for ranges and the SNR convention):
        kind: ``awgn``, ``rayleigh`` or ``selective``.
        snr_db: Es/N0 per sample in dB, relative to unit mean signal power; None for no noise.
        profile: EPA, EVA, ETU or FLAT (selective).
        doppler_hz: maximum Doppler shift (selective).
        cfo_hz, sco_ppm, timing_offset, phase_noise_hz, iq_amplitude_db, iq_phase_deg, dc_offset:
            radio impairments.
        sample_rate: sample rate in Hz (converts Hz and ppm to per-sample values).
        seed: the one seed of every random draw.
        burst_tag_key: tag key that starts a new fading block.
    """

    def __init__(
        self,
        kind: str = "awgn",
        snr_db: float | None = 20.0,
        profile: str = "EPA",
        doppler_hz: float = 0.0,
        cfo_hz: float = 0.0,
        sco_ppm: float = 0.0,
        timing_offset: float = 0.0,
        phase_noise_hz: float = 0.0,
        iq_amplitude_db: float = 0.0,
        iq_phase_deg: float = 0.0,
        dc_offset: complex = 0j,
        sample_rate: float = 2e6,
        seed: int = 0,
        burst_tag_key: str = "burst_len",
    ) -> None:
        gr.hier_block2.__init__(
            self,
            "DDM Channel Model",
            gr.io_signature(1, 1, gr.sizeof_gr_complex),
            gr.io_signature(1, 1, gr.sizeof_gr_complex),
        )
        config = ChannelConfig.from_dict(
            {
                "kind": kind,
                "snr_db": None if snr_db is None or snr_db == float("inf") else float(snr_db),
                "profile": profile,
                "doppler_hz": float(doppler_hz),
                "cfo_hz": float(cfo_hz),
                "sco_ppm": float(sco_ppm),
                "timing_offset": float(timing_offset),
                "phase_noise_linewidth_hz": float(phase_noise_hz),
                "iq_amplitude_db": float(iq_amplitude_db),
                "iq_phase_deg": float(iq_phase_deg),
                "dc_offset": complex(dc_offset),
                "sample_rate": float(sample_rate),
                "seed": int(seed),
            }
        )
        self.stream = channel_stream(config, burst_tag_key)
        self.connect(self, self.stream, self)

    @property
    def config(self) -> ChannelConfig:
        return self.stream.config
