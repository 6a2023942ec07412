"""QA of the OFDM RX block: a sample stream in, one frame PDU per burst out."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

pytest.importorskip("gnuradio")
pytestmark = pytest.mark.gnuradio

import pmt  # noqa: E402
from gnuradio import blocks, gr  # noqa: E402

from ddm_blocks.ofdm_rx import ofdm_rx  # noqa: E402
from ddm_sscc.fec.framing import HEADER_LEN, Frame, FrameHeader, single_symbol_header  # noqa: E402
from ddm_sscc.fec.transfer import TransferEncoder  # noqa: E402
from ddm_sscc.phy.mcs import mcs_by_name  # noqa: E402
from ddm_sscc.phy.ofdm.config import OfdmConfig  # noqa: E402
from ddm_sscc.phy.ofdm.transmitter import OfdmTransmitter  # noqa: E402
from tests.blocks.qa_blocks import split  # noqa: E402

TX = OfdmTransmitter()
SESSION = 0x1234ABCD


def frame(payload: bytes, mcs: str = "qpsk-1/2") -> Frame:
    return Frame(single_symbol_header(SESSION, len(payload), mcs_by_name(mcs).id), payload)


def noise(n: int, rng: np.random.Generator, snr_db: float = 25.0) -> np.ndarray:
    sigma = np.sqrt(10 ** (-snr_db / 10) / 2)
    return (sigma * (rng.standard_normal(n) + 1j * rng.standard_normal(n))).astype(np.complex64)


def stream(bursts: list[np.ndarray], rng: np.random.Generator, snr_db: float = 25.0) -> np.ndarray:
    """Noise-only stretches between the bursts, noise over the whole stream."""
    parts = [np.zeros(700, np.complex64)]
    for b in bursts:
        parts += [b, np.zeros(int(rng.integers(300, 900)), np.complex64)]
    x = np.concatenate(parts)
    return (x + noise(x.size, rng, snr_db)).astype(np.complex64)


def run_rx(samples: np.ndarray, **kwargs):
    """vector source → ofdm_rx → message_debug; runs to the end of the samples."""
    tb = gr.top_block()
    src = blocks.vector_source_c(samples.tolist(), False)
    rx = ofdm_rx(**kwargs)
    pdus = blocks.message_debug()
    symbols = blocks.message_debug()
    tb.connect(src, rx)
    tb.msg_connect(rx, "pdus", pdus, "store")
    tb.msg_connect(rx, "symbols", symbols, "store")
    tb.run()
    return (
        [pdus.get_message(i) for i in range(pdus.num_messages())],
        [symbols.get_message(i) for i in range(symbols.num_messages())],
        rx,
    )


def test_bursts_become_frame_pdus():
    rng = np.random.default_rng(1)
    data = rng.integers(0, 256, 433, dtype=np.uint8).tobytes()
    first, last = TransferEncoder(data, SESSION, mcs_by_name("qpsk-1/2").id, symbol_size=400).frames()
    # the short last source symbol, sent at another MCS (the header names it, the CRC-32 covers it)
    frames = [first, Frame(dataclasses.replace(last.header, mcs=mcs_by_name("16qam-1/2").id), last.payload)]
    cfo = 3000.0
    x = stream([TX.burst(f) for f in frames], rng)
    x = (x * np.exp(2j * np.pi * cfo / TX.config.sample_rate * np.arange(x.size))).astype(np.complex64)
    msgs, syms, rx = run_rx(x)

    assert len(msgs) == 2 and syms == []  # no constellation output unless asked
    for msg, sent in zip(msgs, frames, strict=True):
        meta, data = split(msg)
        assert data == sent.pack()
        assert Frame.unpack(data) == sent
        assert meta["payload_ok"] is True
        h = sent.header
        assert (meta["session_id"], meta["symbol_id"], meta["source_symbols"], meta["mcs"]) == (
            h.session_id,
            h.symbol_id,
            2,
            h.mcs,
        )
        assert abs(meta["cfo_hz"] - cfo) < 300
        assert 15 < meta["snr_db"] < 40
        assert isinstance(meta["start"], int) and isinstance(meta["iterations"], int)
    starts = [split(m)[0]["start"] for m in msgs]
    assert starts[0] == 700  # the first burst's first sample in the stream
    assert rx.stats.delivered == 2 and rx.stats.payload_errors == 0


def test_a_corrupted_payload_gives_a_header_only_pdu():
    rng = np.random.default_rng(2)
    frames = [frame(bytes(300)), frame(b"intact" * 30)]
    bad = TX.burst(frames[0]).copy()
    payload_at = TX.format.preamble.length + TX.format.header_symbols * TX.config.symbol_len
    bad[payload_at + 100 : payload_at + 3100] = noise(3000, rng, snr_db=-6.0)  # wipe a stretch of the payload
    msgs, _, rx = run_rx(stream([bad, TX.burst(frames[1])], rng))

    assert len(msgs) == 2
    meta, data = split(msgs[0])
    assert meta["payload_ok"] is False
    assert len(data) == HEADER_LEN and data == frames[0].header.pack()
    assert FrameHeader.unpack(data) == frames[0].header
    meta, data = split(msgs[1])
    assert meta["payload_ok"] is True and data == frames[1].pack()
    assert rx.stats.payload_errors == 1 and rx.stats.delivered == 1


@pytest.mark.parametrize("fill", [0.0, np.nan, np.inf])
def test_silence_and_garbage_give_no_pdus(fill):
    x = np.full(50_000, fill, dtype=np.complex64)
    msgs, syms, rx = run_rx(x)
    assert msgs == [] and syms == []
    assert rx.stats.samples == x.size
    assert rx.stats.non_finite == (0 if fill == 0 else x.size)


def test_nan_stretch_between_bursts_is_harmless():
    rng = np.random.default_rng(3)
    f = frame(b"after the nans" * 5)
    x = np.concatenate([np.full(5000, np.nan, np.complex64), stream([TX.burst(f)], rng)])
    msgs, _, rx = run_rx(x)
    assert [split(m)[1] for m in msgs] == [f.pack()]
    assert rx.stats.non_finite == 5000


def test_constellation_output_has_every_payload_symbol():
    rng = np.random.default_rng(4)
    f = frame(rng.integers(0, 256, 200, dtype=np.uint8).tobytes(), "qpsk-3/4")
    msgs, syms, _ = run_rx(stream([TX.burst(f)], rng, snr_db=30.0), constellation=True)
    assert len(msgs) == 1 and len(syms) == 1
    vec = pmt.cdr(syms[0])
    assert pmt.is_c32vector(vec)
    values = np.array(pmt.c32vector_elements(vec), dtype=np.complex64)
    mcs = mcs_by_name("qpsk-3/4")
    assert values.size == TX.format.payload_symbols(mcs, 200) * TX.config.n_data
    sent = TX.format.payload_grid(mcs, f.payload_with_crc()).ravel()
    assert np.sqrt(np.mean(np.abs(values - sent) ** 2)) < 0.15  # equalised symbols sit on the sent points


def test_config_as_a_mapping_matches_the_transmitter():
    settings = {"fft_size": 128, "cp_len": 32}
    tx = OfdmTransmitter(OfdmConfig(**settings))
    rng = np.random.default_rng(5)
    f = frame(rng.integers(0, 256, 150, dtype=np.uint8).tobytes())
    msgs, _, rx = run_rx(stream([tx.burst(f)], rng), config=settings)
    assert rx.receiver.config == tx.config
    assert [split(m)[1] for m in msgs] == [f.pack()]
