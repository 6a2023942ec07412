"""Single-Pluto loopback (TX → cable → RX) with a fake ``adi`` module, and once with a real Pluto.

The fake (:mod:`tests.core.radio.fake_adi`) stands in for ADALM-PLUTO hardware, which
cannot exist here: its ``rx()`` plays the cyclic TX buffer through a simulated channel
(AWGN 25 dB, a few kHz of CFO) and returns 12-bit ADC codes, as pyadi-iio's ``rx()`` does.
The ``pluto``-marked test runs only with a radio attached (``PLUTO_URI=ip:192.168.2.1``).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from ddm_sscc.channel import ChannelConfig
from ddm_sscc.errors import ConfigError, RadioError
from ddm_sscc.fec.framing import Frame
from ddm_sscc.fec.transfer import TransferEncoder, symbol_size_for_payload
from ddm_sscc.phy.mcs import mcs_by_name
from ddm_sscc.phy.ofdm.receiver import OfdmReceiver
from ddm_sscc.phy.ofdm.transmitter import OfdmTransmitter
from ddm_sscc.radio.config import load_channel_profiles, load_modem_config, load_pluto_config
from ddm_sscc.radio.loopback import loopback_cycle, run_pluto_loopback
from ddm_sscc.radio.pluto import PlutoRadio
from tests.core.radio.fake_adi import fake_adi

CONFIG_DIR = Path(__file__).resolve().parents[3] / "radio_config"
PLUTO = load_pluto_config(CONFIG_DIR / "pluto_2g4.yaml")
MODEM = load_modem_config(CONFIG_DIR / "ofdm_default.yaml")
CABLE = ChannelConfig(kind="awgn", snr_db=25.0, cfo_hz=3000.0, sample_rate=2e6, seed=11)


def frames_and_samples(n_bytes: int = 2500, seed: int = 0) -> tuple[list[Frame], np.ndarray, OfdmTransmitter]:
    """Frames of a random byte stream (max_payload from the modem file) and their bursts separated by gaps."""
    tx = OfdmTransmitter(MODEM.ofdm_config())
    data = np.random.default_rng(seed).integers(0, 256, n_bytes, dtype=np.uint8).tobytes()
    symbol_size = symbol_size_for_payload(MODEM.max_payload)
    frames = TransferEncoder(data, 0x5EED, mcs_by_name(MODEM.mcs).id, symbol_size).frames()
    gap = np.zeros(MODEM.gap_samples, dtype=np.complex64)
    parts = []
    for frame in frames:
        parts += [tx.burst(frame), gap]
    return frames, np.concatenate(parts), tx


@pytest.mark.parametrize("start_offset", [0, 12_345, 29_000])
def test_all_frames_come_back_intact(start_offset):
    frames, samples, tx = frames_and_samples()
    module = fake_adi(channel=CABLE, start_offset=start_offset)
    with PlutoRadio(PLUTO, adi_module=module) as radio:
        cycle = loopback_cycle(samples, PLUTO.buffer_size)
        got = run_pluto_loopback(radio, samples, 2 * cycle.size, OfdmReceiver(tx))
        dev = module.Pluto.instances[0]
        assert dev._txbuf is None  # TX stopped
        assert dev.settings_dict()["tx_cyclic_buffer"] is True
        assert ("rx_destroy_buffer",) in dev.calls  # the capture started after TX did
    assert [f.header for f in got] == [f.header for f in frames]
    assert all(f.ok for f in got)
    assert [f.payload for f in got] == [f.payload for f in frames]
    assert all(abs(f.cfo_hz - 3000.0) < 100 for f in got)


def test_without_unique_every_captured_copy_is_returned():
    frames, samples, tx = frames_and_samples(n_bytes=900)
    cycle = loopback_cycle(samples, PLUTO.buffer_size)
    with PlutoRadio(PLUTO, adi_module=fake_adi(channel=CABLE, start_offset=5)) as radio:
        got = run_pluto_loopback(radio, samples, 3 * cycle.size, OfdmReceiver(tx), unique=False)
    assert len(got) >= 2 * len(frames) and all(f.ok for f in got)
    assert {f.payload for f in got} == {f.payload for f in frames}


def test_pluto_like_profile_through_the_fake():
    profile = load_channel_profiles(CONFIG_DIR / "channels.yaml")["pluto-like"]
    frames, samples, tx = frames_and_samples(n_bytes=2000, seed=3)
    with PlutoRadio(PLUTO, adi_module=fake_adi(channel=profile, start_offset=777)) as radio:
        got = run_pluto_loopback(radio, samples, 2 * loopback_cycle(samples, PLUTO.buffer_size).size, OfdmReceiver(tx))
    assert [f.payload for f in got] == [f.payload for f in frames]


def test_cycle_layout():
    samples = np.ones(1000, np.complex64)
    cycle = loopback_cycle(samples, 1024, guard=100)
    assert cycle.size == 2048 and not cycle[:100].any() and cycle[100:1100].all() and not cycle[1100:].any()
    with pytest.raises(ConfigError, match="non-empty 1-D"):
        loopback_cycle(np.zeros(0, np.complex64), 1024)


def test_short_capture_refused_before_transmitting():
    frames, samples, tx = frames_and_samples(n_bytes=100)
    module = fake_adi(channel=CABLE)
    with PlutoRadio(PLUTO, adi_module=module) as radio:
        expected = r"capture_samples 40000 is below two cycles of the TX buffer \(65536 samples\)"
        with pytest.raises(ConfigError, match=expected):
            run_pluto_loopback(radio, samples, 40_000, OfdmReceiver(tx))
        assert not [c for c in module.Pluto.instances[0].calls if c[0] == "tx"]


def test_tx_stops_when_the_capture_fails():
    frames, samples, tx = frames_and_samples(n_bytes=100)
    module = fake_adi(channel=CABLE)
    with PlutoRadio(PLUTO, adi_module=module) as radio:
        dev = module.Pluto.instances[0]

        def broken():
            raise OSError(5, "Input/output error")

        dev.rx = broken
        with pytest.raises(RadioError, match="rx failed"):
            run_pluto_loopback(radio, samples, 65536, OfdmReceiver(tx))
        assert dev._txbuf is None and dev.calls[-1] == ("tx_destroy_buffer",)


@pytest.mark.pluto
def test_real_pluto_loopback():
    """Needs a Pluto with TX1 cabled to RX1 through ≥ 30 dB of attenuation; PLUTO_URI names it."""
    uri = os.environ.get("PLUTO_URI")
    if not uri:
        pytest.skip("no Pluto: set PLUTO_URI (e.g. ip:192.168.2.1) to run the hardware loopback")
    frames, samples, tx = frames_and_samples(n_bytes=3000, seed=9)
    with PlutoRadio(PLUTO.model_copy(update={"uri": uri})) as radio:
        cycle = loopback_cycle(samples, PLUTO.buffer_size)
        got = run_pluto_loopback(radio, samples, 3 * cycle.size, OfdmReceiver(tx))
    assert [f.payload for f in got] == [f.payload for f in frames], [(f.header.symbol_id, f.ok, f.snr_db) for f in got]


def test_unique_prefers_an_intact_copy_and_sorts():
    from ddm_sscc.phy.ofdm.receiver import RxFrame
    from ddm_sscc.radio.loopback import _first_copies

    frames = TransferEncoder(bytes(range(24)), session_id=1, mcs=1, symbol_size=8).frames()

    def rx(symbol_id: int, ok: bool, start: int) -> RxFrame:
        frame = frames[symbol_id]
        return RxFrame(frame.header, frame.payload if ok else None, start, 0.0, 20.0, 1)

    copies = [rx(2, True, 0), rx(0, False, 10), rx(1, True, 20), rx(2, True, 30), rx(0, True, 40), rx(0, True, 50)]
    got = _first_copies(copies)
    assert [(f.header.symbol_id, f.ok, f.start) for f in got] == [(0, True, 40), (1, True, 20), (2, True, 0)]
    assert [(f.header.symbol_id, f.ok) for f in _first_copies([rx(0, False, 0), rx(0, False, 9)])] == [(0, False)]
