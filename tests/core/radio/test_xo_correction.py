"""CFO in ppm and the xo_correction sign convention (cfo_hz = f_TX − f_RX)."""

from __future__ import annotations

import numpy as np
import pytest

from ddm_sscc.channel import Channel, ChannelConfig
from ddm_sscc.errors import ConfigError
from ddm_sscc.fec.framing import Frame, single_symbol_header
from ddm_sscc.phy.ofdm.receiver import OfdmReceiver
from ddm_sscc.phy.ofdm.transmitter import OfdmTransmitter
from ddm_sscc.radio.xo_correction import cfo_ppm, xo_correction_for


def test_cfo_ppm():
    assert cfo_ppm(24_000, 2.4e9) == pytest.approx(10.0)
    assert cfo_ppm(-2_420, 2.42e9) == pytest.approx(-1.0)
    with pytest.raises(ConfigError):
        cfo_ppm(1.0, 0.0)
    with pytest.raises(ConfigError):
        cfo_ppm("1", 2.4e9)  # type: ignore[arg-type]


def test_numeric_example_of_the_docstring():
    # at 2.4 GHz the receiver measures +24 kHz = +10 ppm: its LO is 10 ppm below the transmitter's
    assert xo_correction_for(24_000, 2.4e9) == 39_999_600  # receiver: assume a slower crystal → LO rises
    assert xo_correction_for(24_000, 2.4e9, corrected="tx") == 40_000_400  # transmitter: LO falls
    assert xo_correction_for(-24_000, 2.4e9) == 40_000_400
    assert xo_correction_for(0.0, 2.4e9, current_xo=39_999_123) == 39_999_123
    # from a corrected value, the next correction composes
    assert xo_correction_for(2_420, 2.42e9, current_xo=40_000_100) == round(40_000_100 / (1 + 1e-6))


def lo(requested: float, xo_true: float, xo_assumed: float) -> float:
    """What an AD9361 synthesises: ``requested · true / assumed`` (the driver trusts xo_correction)."""
    return requested * xo_true / xo_assumed


@pytest.mark.parametrize("corrected", ["rx", "tx"])
@pytest.mark.parametrize(("tx_ppm", "rx_ppm"), [(12.0, -7.0), (-20.0, 15.0), (3.0, 3.5)])
def test_correction_removes_the_offset_in_a_two_radio_model(corrected, tx_ppm, rx_ppm):
    fc = 2.42e9
    tx_xo, rx_xo = 40e6 * (1 + tx_ppm * 1e-6), 40e6 * (1 + rx_ppm * 1e-6)
    measured = lo(fc, tx_xo, 40e6) - lo(fc, rx_xo, 40e6)  # cfo_hz = f_TX − f_RX
    new = xo_correction_for(measured, fc, 40e6, corrected=corrected)
    tx_assumed, rx_assumed = (40e6, new) if corrected == "rx" else (new, 40e6)
    residual = lo(fc, tx_xo, tx_assumed) - lo(fc, rx_xo, rx_assumed)
    assert abs(residual) < 0.01 * abs(measured) + 61  # 1 Hz of xo_correction is 60.5 Hz at 2.42 GHz


def test_receiver_reports_positive_cfo_when_tx_is_above_rx():
    """The convention matches the modem: Channel's +cfo (exp(+2πi f t)) is measured as +cfo."""
    tx = OfdmTransmitter()
    frame = Frame(single_symbol_header(1, 40, 1), bytes(40))
    x = np.concatenate([np.zeros(500, np.complex64), tx.burst(frame), np.zeros(500, np.complex64)])
    for cfo in (+5000.0, -5000.0):
        y = Channel(ChannelConfig(snr_db=30.0, cfo_hz=cfo, seed=1)).process(x)
        (got,) = OfdmReceiver(tx).push(y)
        assert got.ok and got.cfo_hz == pytest.approx(cfo, abs=50)


@pytest.mark.parametrize(
    ("args", "match"),
    [
        ((500_000, 2.4e9), r"xo_correction 39991668 Hz for \+208\.3 ppm is outside 39996000 … 40004000 Hz"),
        ((0.0, 2.4e9, 39_000_000), "current_xo 39000000 Hz is outside"),
        ((1e3, -1.0), "center_frequency must be positive"),
        ((float("nan"), 2.4e9), "cfo_hz must be finite"),
        ((3e9, 2.4e9), "not smaller than center_frequency"),
    ],
)
def test_bad_corrections(args, match):
    with pytest.raises(ConfigError, match=match):
        xo_correction_for(*args)
    with pytest.raises(ConfigError, match="corrected must be"):
        xo_correction_for(0.0, 2.4e9, corrected="both")  # type: ignore[arg-type]
