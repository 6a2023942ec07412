"""``OfdmReceiver(keep_symbols=True)``: the equalised payload symbols of every frame (constellation displays)."""

from __future__ import annotations

import numpy as np
import pytest

from ddm_sscc.fec.framing import Frame, single_symbol_header
from ddm_sscc.phy.mcs import mcs_by_name
from ddm_sscc.phy.ofdm.receiver import OfdmReceiver
from ddm_sscc.phy.ofdm.transmitter import OfdmTransmitter

TX = OfdmTransmitter()


def make_frame(payload: bytes, mcs: str) -> Frame:
    return Frame(single_symbol_header(9, len(payload), mcs_by_name(mcs).id), payload)


def received(frame: Frame, snr_db: float | None, seed: int = 0, **kwargs):
    rng = np.random.default_rng(seed)
    x = np.concatenate([np.zeros(300, np.complex64), TX.burst(frame), np.zeros(500, np.complex64)])
    if snr_db is not None:
        nv = 10 ** (-snr_db / 10)
        x = x + np.sqrt(nv / 2) * (rng.standard_normal(x.size) + 1j * rng.standard_normal(x.size))
    got = OfdmReceiver(TX, **kwargs).push(x.astype(np.complex64))
    assert len(got) == 1 and got[0].payload == frame.payload
    return got[0]


def nearest(points: np.ndarray, y: np.ndarray) -> np.ndarray:
    return points[np.argmin(np.abs(y[:, None] - points[None, :]), axis=1)]


def test_symbols_are_none_by_default():
    assert received(make_frame(b"abc" * 30, "qpsk-1/2"), 30).symbols is None


@pytest.mark.parametrize("mcs", ["bpsk-1/2", "qpsk-1/2", "16qam-3/4", "64qam-5/6"])
def test_kept_symbols_are_the_transmitted_payload_symbols(mcs):
    payload = np.random.default_rng(1).integers(0, 256, 300, dtype=np.uint8).tobytes()
    frame = make_frame(payload, mcs)
    fmt = TX.format
    sent = fmt.payload_grid(mcs_by_name(mcs), frame.payload_with_crc()).ravel()
    n_sym = fmt.payload_symbols(mcs_by_name(mcs), len(payload))
    assert sent.size == n_sym * TX.config.n_data

    got = received(frame, 35, keep_symbols=True)
    sym = got.symbols
    assert isinstance(sym, np.ndarray) and sym.dtype == np.complex64
    assert sym.shape == (n_sym * TX.config.n_data,)
    assert np.isfinite(sym).all()
    points = fmt.constellation(mcs_by_name(mcs).modulation).points
    np.testing.assert_array_equal(nearest(points, sym), sent)
    evm = np.sqrt(np.mean(np.abs(sym - sent) ** 2))
    assert evm < 0.1  # -20 dB at 35 dB SNR, with estimation losses


def test_noiseless_symbols_match_closely():
    frame = make_frame(bytes(range(256)), "16qam-1/2")
    sym = received(frame, None, keep_symbols=True).symbols
    sent = TX.format.payload_grid(mcs_by_name("16qam-1/2"), frame.payload_with_crc()).ravel()
    np.testing.assert_allclose(sym, sent, atol=1e-2)


def test_symbols_do_not_affect_frame_equality():
    frame = make_frame(b"payload" * 20, "qpsk-3/4")
    kept = received(frame, 30, seed=3, keep_symbols=True)
    plain = received(frame, 30, seed=3)
    assert kept.symbols is not None and plain.symbols is None
    assert kept == plain


def test_a_lost_payload_still_carries_its_symbols():
    frame = make_frame(bytes(300), "qpsk-1/2")
    burst = TX.burst(frame).copy()
    fmt = TX.format
    at = fmt.preamble.length + fmt.header_symbols * TX.config.symbol_len
    noise = np.random.default_rng(5).standard_normal((2, 3000)) * 2
    burst[at + 100 : at + 3100] = noise[0] + 1j * noise[1]
    x = np.concatenate([np.zeros(300, np.complex64), burst, np.zeros(500, np.complex64)]).astype(np.complex64)
    got = OfdmReceiver(TX, keep_symbols=True).push(x)
    assert len(got) == 1 and not got[0].ok
    assert got[0].symbols.shape == (fmt.payload_symbols(mcs_by_name("qpsk-1/2"), 300) * TX.config.n_data,)
    assert np.isfinite(got[0].symbols).all()
