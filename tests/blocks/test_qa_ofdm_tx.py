"""QA of the OFDM TX block: frame PDUs in, the core transmitter's bursts plus gaps out, tagged."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("gnuradio")
pytestmark = pytest.mark.gnuradio

import pmt  # noqa: E402
from gnuradio import blocks, gr  # noqa: E402

from ddm_blocks.ofdm_tx import ofdm_tx  # noqa: E402
from ddm_sscc.errors import ConfigError  # noqa: E402
from ddm_sscc.fec.framing import Frame, single_symbol_header  # noqa: E402
from ddm_sscc.phy.mcs import mcs_by_name  # noqa: E402
from ddm_sscc.phy.ofdm.transmitter import OfdmTransmitter  # noqa: E402
from tests.blocks.qa_blocks import pdu, pdu_source, wait_until  # noqa: E402

TIMEOUT = 20.0


def frame(payload: bytes, mcs: str = "qpsk-1/2", session_id: int = 0xC0FFEE) -> Frame:
    return Frame(single_symbol_header(session_id, len(payload), mcs_by_name(mcs).id), payload)


def run_tx(messages, n_expected: int, **kwargs):
    """tx fed by ``messages``; returns (samples, tags, block) once ``n_expected`` samples came out."""
    tb = gr.top_block()
    src = pdu_source(messages)
    tx = ofdm_tx(**kwargs)
    sink = blocks.vector_sink_c()
    tb.msg_connect(src, "out", tx, "pdus")
    tb.connect(tx, sink)
    tb.start()
    try:
        ok = wait_until(lambda: len(sink.data()) >= n_expected, TIMEOUT)
    finally:
        tb.stop()
        tb.wait()
    assert ok, f"only {len(sink.data())} of {n_expected} samples within {TIMEOUT} s"
    return np.array(sink.data(), dtype=np.complex64), sink.tags(), tx


def test_bursts_gaps_and_length_tags():
    rng = np.random.default_rng(0)
    frames = [
        frame(rng.integers(0, 256, 300, dtype=np.uint8).tobytes()),
        frame(b"x", "16qam-3/4"),
        frame(rng.integers(0, 256, 77, dtype=np.uint8).tobytes(), "bpsk-1/2"),
    ]
    core = OfdmTransmitter()
    gap = 123
    expected = np.concatenate([np.concatenate([core.burst(f), np.zeros(gap, np.complex64)]) for f in frames])
    out, tags, tx = run_tx([pdu(f.pack()) for f in frames], expected.size, gap=gap)

    assert out.size == expected.size  # idle="wait": nothing after the last gap
    np.testing.assert_array_equal(out, expected)
    starts = np.cumsum([0] + [core.burst_len(f) + gap for f in frames[:-1]])
    burst_tags = [t for t in tags if pmt.symbol_to_string(t.key) == "burst_len"]
    assert [t.offset for t in burst_tags] == list(starts)
    assert [pmt.to_long(t.value) for t in burst_tags] == [core.burst_len(f) for f in frames]
    assert tx.bursts_sent == 3 and tx.samples_sent == sum(core.burst_len(f) for f in frames)
    assert tx.dropped == 0 and tx.queued == 0


def _with_mcs(mcs_id: int, payload: bytes) -> bytes:
    return Frame(single_symbol_header(1, len(payload), mcs_id), payload).pack()


def test_malformed_pdus_are_dropped_and_counted():
    good = [frame(b"first" * 10), frame(b"second" * 10)]
    bad_header = bytearray(good[0].pack())
    bad_header[3] ^= 0xFF  # CRC-16 fails
    messages = [
        pdu(good[0].pack()),
        pmt.intern("not a pdu"),
        pdu(b"short"),  # shorter than a header
        pdu(bytes(bad_header)),
        pdu(good[1].pack() + b"extra"),  # length disagrees with the header
        pmt.cons(pmt.make_dict(), pmt.init_f32vector(3, [1.0, 2.0, 3.0])),  # not bytes
        pdu(_with_mcs(99, b"abc")),  # MCS id the PHY lacks
        pdu(good[1].pack()),
    ]
    core = OfdmTransmitter()
    expected = np.concatenate([np.concatenate([core.burst(f), np.zeros(10, np.complex64)]) for f in good])
    out, tags, tx = run_tx(messages, expected.size, gap=10)
    np.testing.assert_array_equal(out, expected)
    assert tx.dropped == 6 and tx.bursts_sent == 2
    assert len(tags) == 2


def test_amplitude_scales_and_tags_can_be_off():
    f = frame(b"scaled" * 20)
    burst = OfdmTransmitter().burst(f)
    out, tags, _ = run_tx([pdu(f.pack())], burst.size, gap=0, amplitude=0.25, length_tag_key="")
    np.testing.assert_allclose(out, 0.25 * burst, rtol=1e-6, atol=1e-7)
    assert len(tags) == 0


def test_idle_zeros_keeps_the_stream_going():
    out, tags, tx = run_tx([], 5000, idle="zeros")
    assert out.size >= 5000 and not out.any()
    assert tx.bursts_sent == 0 and len(tags) == 0


@pytest.mark.parametrize(
    "kwargs",
    [{"gap": -1}, {"gap": 1.5}, {"gap": True}, {"idle": "sleep"}, {"amplitude": 0.0}, {"amplitude": float("nan")}],
)
def test_bad_settings_raise_config_error(kwargs):
    with pytest.raises(ConfigError):
        ofdm_tx(**kwargs)
