"""The OFDM modem end to end: transmitter → (channel) → streaming receiver."""

from __future__ import annotations

import numpy as np
import pytest

from ddm_sscc.channel import Channel, ChannelConfig
from ddm_sscc.errors import ConfigError
from ddm_sscc.fec.framing import HEADER_LEN, Frame, single_symbol_header
from ddm_sscc.fec.transfer import TransferEncoder
from ddm_sscc.phy.mcs import MCS_TABLE, mcs_by_name
from ddm_sscc.phy.ofdm.config import OfdmConfig
from ddm_sscc.phy.ofdm.receiver import OfdmReceiver
from ddm_sscc.phy.ofdm.transmitter import OfdmTransmitter

TX = OfdmTransmitter()


def make_frame(payload: bytes, mcs: str = "qpsk-1/2", session_id: int = 7) -> Frame:
    return Frame(single_symbol_header(session_id, len(payload), mcs_by_name(mcs).id), payload)


def stream_of(bursts: list[np.ndarray], rng: np.random.Generator) -> np.ndarray:
    parts = []
    for b in bursts:
        parts += [np.zeros(int(rng.integers(50, 700)), np.complex64), b]
    parts.append(np.zeros(300, np.complex64))
    return np.concatenate(parts)


def receive(rx: OfdmReceiver, x: np.ndarray, chunk: int) -> list:
    out = []
    for at in range(0, x.size, chunk):
        out += rx.push(x[at : at + chunk])
    return out


def noisy(x: np.ndarray, snr_db: float, rng: np.random.Generator) -> np.ndarray:
    nv = 10 ** (-snr_db / 10)
    return (x + np.sqrt(nv / 2) * (rng.standard_normal(x.size) + 1j * rng.standard_normal(x.size))).astype(np.complex64)


def test_burst_has_unit_power_and_the_announced_length():
    frame = make_frame(bytes(range(200)))
    burst = TX.burst(frame)
    assert burst.dtype == np.complex64
    assert burst.size == TX.burst_len(frame)
    assert abs(np.mean(np.abs(burst) ** 2) - 1.0) < 0.05


@pytest.mark.parametrize("chunk", [1000, 4096, 100_000])
def test_frames_survive_cfo_timing_and_any_chunking(chunk):
    rng = np.random.default_rng(chunk)
    sizes = (1, 300, 77)
    frames = [make_frame(rng.integers(0, 256, n, dtype=np.uint8).tobytes(), session_id=i) for i, n in enumerate(sizes)]
    x = stream_of([TX.burst(f) for f in frames], rng)
    cfo = rng.uniform(-20e3, 20e3)
    x = (x * np.exp(2j * np.pi * cfo / 2e6 * np.arange(x.size))).astype(np.complex64)
    got = receive(OfdmReceiver(TX), noisy(x, 25, rng), chunk)
    assert [f.header for f in got] == [f.header for f in frames]
    assert [f.payload for f in got] == [f.payload for f in frames]
    assert all(abs(f.cfo_hz - cfo) < 300 for f in got)


def test_a_burst_pushed_sample_by_sample_arrives_once():
    frame = make_frame(b"tiny")
    x = stream_of([TX.burst(frame)], np.random.default_rng(0))
    rx = OfdmReceiver(TX)
    got = receive(rx, x, 1)
    assert [f.payload for f in got] == [b"tiny"]


@pytest.mark.parametrize("mcs", [m.name for m in MCS_TABLE])
def test_every_mcs_round_trips(mcs):
    rng = np.random.default_rng(3)
    payload = rng.integers(0, 256, 500, dtype=np.uint8).tobytes()
    x = noisy(stream_of([TX.burst(make_frame(payload, mcs))], rng), 30, rng)
    got = OfdmReceiver(TX).push(x)
    assert [f.payload for f in got] == [payload]


def test_low_snr_loses_frames_but_never_delivers_wrong_ones():
    rng = np.random.default_rng(4)
    data = rng.integers(0, 256, 6 * 200, dtype=np.uint8).tobytes()
    frames = TransferEncoder(data, session_id=7, mcs=mcs_by_name("qpsk-1/2").id, symbol_size=200).frames()
    rx = OfdmReceiver(TX)
    got = rx.push(noisy(stream_of([TX.burst(f) for f in frames], rng), -1.0, rng))
    delivered = [f for f in got if f.ok]
    assert len(delivered) < len(frames)  # QPSK-1/2 cannot work 2 dB below its threshold
    assert all(f.payload == frames[f.header.symbol_id].payload for f in delivered)
    assert rx.stats.payload_errors + rx.stats.header_errors + (len(frames) - len(got)) >= 1


def test_a_corrupted_payload_is_reported_lost():
    frame = make_frame(bytes(300))
    burst = TX.burst(frame).copy()
    fmt = TX.format
    payload_start = fmt.preamble.length + fmt.header_symbols * TX.config.symbol_len
    noise = np.random.default_rng(5).standard_normal((2, 3000)) * 2
    burst[payload_start + 100 : payload_start + 3100] = noise[0] + 1j * noise[1]  # wipe a stretch of payload
    rx = OfdmReceiver(TX)
    got = rx.push(stream_of([burst], np.random.default_rng(5)))
    assert len(got) == 1 and got[0].payload is None and not got[0].ok
    assert rx.stats.payload_errors == 1 and rx.stats.delivered == 0


def test_a_malformed_header_is_dropped_and_counted():
    fmt = TX.format
    grid = fmt.header_grid_from_bytes(bytes(range(HEADER_LEN)))  # bytes whose CRC-16 is wrong
    header = fmt.modulator.modulate(grid)
    payload = fmt.modulator.modulate(fmt.payload_grid(mcs_by_name("qpsk-1/2"), b"x" * 50), first=fmt.header_symbols)
    rx = OfdmReceiver(TX)
    got = rx.push(stream_of([np.concatenate([fmt.preamble.samples, header, payload])], np.random.default_rng(6)))
    assert got == [] and rx.stats.header_errors == 1


def test_a_spliced_burst_is_reported_lost():
    """One frame's header with another frame's payload and CRC (same length, same transfer) is not delivered."""
    data = np.random.default_rng(12).integers(0, 256, 600, dtype=np.uint8).tobytes()
    a, b, _ = TransferEncoder(data, session_id=7, mcs=mcs_by_name("qpsk-1/2").id, symbol_size=200).frames()
    fmt = TX.format
    header = fmt.modulator.modulate(fmt.header_grid(a.header), first=0)
    payload = fmt.modulator.modulate(
        fmt.payload_grid(mcs_by_name("qpsk-1/2"), b.payload_with_crc()), first=fmt.header_symbols
    )
    spliced = np.concatenate([fmt.preamble.samples, header, payload])
    rx = OfdmReceiver(TX)
    got = rx.push(stream_of([spliced, TX.burst(b)], np.random.default_rng(12)))
    assert [(f.header, f.ok) for f in got] == [(a.header, False), (b.header, True)]
    assert got[1].payload == b.payload and rx.stats.payload_errors == 1 and rx.stats.delivered == 1


@pytest.mark.parametrize(
    "bad",
    [
        np.full(5000, np.nan, dtype=np.complex64),
        np.full(5000, np.inf, dtype=np.complex64),
        np.zeros(100_000, dtype=np.complex64),
        np.zeros(0, dtype=np.complex64),
        np.ones(3, dtype=np.complex64),
        "not samples",
        [object()],
    ],
)
def test_bad_input_yields_nothing_and_raises_nothing(bad):
    rx = OfdmReceiver(TX)
    assert rx.push(bad) == []
    # and the receiver still works afterwards
    frame = make_frame(b"after")
    assert [f.payload for f in rx.push(stream_of([TX.burst(frame)], np.random.default_rng(7)))] == [b"after"]


def test_non_finite_samples_are_counted():
    rx = OfdmReceiver(TX)
    x = np.zeros(1000, np.complex64)
    x[::10] = np.nan
    rx.push(x)
    assert rx.stats.non_finite == 100


def test_noise_alone_gives_no_frames():
    rng = np.random.default_rng(8)
    rx = OfdmReceiver(TX)
    assert receive(rx, noisy(np.zeros(400_000, np.complex64), 0, rng), 8192) == []
    assert rx.stats.delivered == 0 and rx.stats.header_errors <= 2


def test_sampling_clock_offset_is_tracked_over_a_long_burst():
    # 40 ppm (two ±20 ppm clocks) drifts a 3000-byte QPSK burst by over 1.5 samples
    payload = np.random.default_rng(9).integers(0, 256, 3000, dtype=np.uint8).tobytes()
    burst = TX.burst(make_frame(payload))
    channel = Channel(ChannelConfig(kind="awgn", snr_db=25.0, sco_ppm=40.0, cfo_hz=5e3, seed=1))
    x = channel.process_burst(stream_of([burst], np.random.default_rng(9)))
    assert [f.payload for f in OfdmReceiver(TX).push(x)] == [payload]


def test_frequency_selective_channel():
    rng = np.random.default_rng(10)
    payload = rng.integers(0, 256, 400, dtype=np.uint8).tobytes()
    ok = 0
    for seed in range(4):
        channel = Channel(ChannelConfig(kind="selective", profile="EVA", snr_db=30.0, seed=seed))
        x = channel.process_burst(stream_of([TX.burst(make_frame(payload))], rng))
        ok += [f.payload for f in OfdmReceiver(TX).push(x)] == [payload]
    assert ok >= 3  # a deep fade may take one out; 30 dB leaves margin for the rest


def test_other_numerology_works_too():
    tx = OfdmTransmitter(OfdmConfig(fft_size=128, cp_len=32))
    payload = b"wider carriers" * 20
    x = stream_of([tx.burst(make_frame(payload))], np.random.default_rng(11))
    assert [f.payload for f in OfdmReceiver(tx).push(x)] == [payload]


def test_config_rejects_bad_settings():
    with pytest.raises(ConfigError, match="fft_size"):
        OfdmConfig(fft_size=60)
    with pytest.raises(ConfigError, match="cp_len"):
        OfdmConfig(cp_len=0)
    with pytest.raises(ConfigError, match="overlap"):
        OfdmConfig(data_carriers=(1, 2, 7), pilot_carriers=(-7, 7))
    with pytest.raises(ConfigError, match="unknown OFDM setting"):
        OfdmConfig.from_dict({"fft": 64})
    assert OfdmConfig.from_dict({"fft_size": 64, "cp_len": 16}).n_data == 48


def test_an_early_detection_on_interference_does_not_set_the_cfo():
    # A short 16-periodic interferer (as a noise excursion can look) just before the STF,
    # 31 kHz away from the burst's CFO: the detector triggers on it, and a coarse CFO taken
    # there lies beyond the LTF's ±15.6 kHz range.  The receiver must take the coarse CFO
    # from the burst's own, stronger, plateau.
    rng = np.random.default_rng(460)
    frame = make_frame(rng.integers(0, 256, 300, dtype=np.uint8).tobytes())
    burst = TX.burst(frame)
    period = (rng.standard_normal(16) + 1j * rng.standard_normal(16)) / np.sqrt(2)
    interferer = 0.8 * np.tile(period, 4)
    x = np.concatenate([np.zeros(400), interferer, np.zeros(100), burst, np.zeros(400)]).astype(np.complex64)
    n = np.arange(x.size)
    start = 400 + interferer.size + 100
    cfo = np.where(n < start, -50.2e3, -19.2e3)  # interferer / burst, Hz
    x = (x * np.exp(2j * np.pi * np.cumsum(cfo) / 2e6)).astype(np.complex64)
    rx = OfdmReceiver(TX)
    got = receive(rx, noisy(x, 20, rng), 4096)
    assert [f.payload for f in got] == [frame.payload]
    assert abs(got[0].cfo_hz + 19.2e3) < 500
