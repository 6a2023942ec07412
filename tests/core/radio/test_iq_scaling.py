"""IQ scaling: exact peaks, integer pyadi samples, no clipping, zero stays zero."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ddm_sscc.errors import ConfigError
from ddm_sscc.fec.framing import Frame, single_symbol_header
from ddm_sscc.phy.ofdm.transmitter import OfdmTransmitter
from ddm_sscc.radio.iq_scaling import (
    GR_OVER_PYADI_DB,
    from_pyadi_rx,
    rail_peak,
    to_gr_float,
    to_pyadi_tx,
)


def burst() -> np.ndarray:
    frame = Frame(single_symbol_header(1, 300, 1), bytes(range(256)) + bytes(44))
    return OfdmTransmitter().burst(frame)


def random_iq(n: int, seed: int, level: float = 1.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return level * (rng.standard_normal(n) + 1j * rng.standard_normal(n))


@pytest.mark.parametrize("scale", [1.0, 0.5, 0.3, 0.123456, 2**-14])
@pytest.mark.parametrize("source", ["burst", "gauss", "tiny", "huge"])
def test_pyadi_tx_peak_is_exact_integer_and_never_clips(scale, source):
    sources = {"burst": burst, "gauss": lambda: random_iq(5000, 1), "tiny": lambda: random_iq(100, 2, 1e-9)}
    x = sources.get(source, lambda: random_iq(100, 3, 1e9))()
    y = to_pyadi_tx(x, scale)
    target = math.floor(scale * 2**14)
    assert y.shape == x.shape and np.iscomplexobj(y)
    assert np.array_equal(y.real, np.round(y.real)) and np.array_equal(y.imag, np.round(y.imag))
    assert rail_peak(y) == target  # exactly floor(scale·2**14) ≤ 2**14: no clipping, no int16 wrap
    assert np.abs(y.real).max() <= 2**14 and np.abs(y.imag).max() <= 2**14
    # nothing was clipped: the rounding error is at most half a step everywhere
    exact = x * (target / rail_peak(x))
    assert np.max(np.abs(y.real - exact.real)) <= 0.5 and np.max(np.abs(y.imag - exact.imag)) <= 0.5
    # the values survive pyadi's int16 cast unchanged
    assert np.array_equal(y.real.astype(np.int16), y.real)


def test_pyadi_tx_full_scale_and_shape_preserved():
    x = np.array([1 + 0j, -1j, 0.5 - 0.25j, 0j])
    assert to_pyadi_tx(x, 1.0).tolist() == [16384 + 0j, -16384j, 8192 - 4096j, 0j]
    assert to_pyadi_tx(x, 0.5).tolist() == [8192 + 0j, -8192j, 4096 - 2048j, 0j]


def test_zero_and_empty_bursts_stay_zero():
    assert np.array_equal(to_pyadi_tx(np.zeros(100, np.complex64), 0.5), np.zeros(100))
    assert to_pyadi_tx(np.zeros(0, np.complex64), 0.5).size == 0
    z = to_gr_float(np.zeros(7, np.complex64), 0.7)
    assert z.dtype == np.complex64 and not z.any()


@pytest.mark.parametrize("scale", [0.0, -0.5, 1.0000001, 2.0, float("nan"), float("inf"), 2**-15, True, "0.5", None])
@pytest.mark.parametrize("func", [to_pyadi_tx, to_gr_float])
def test_scale_outside_zero_one_is_a_config_error(func, scale):
    if func is to_gr_float and scale == 2**-15:
        assert rail_peak(to_gr_float(burst(), scale)) <= 2**-15  # tiny but valid for floats
        return
    with pytest.raises(ConfigError, match="tx_scale"):
        func(burst(), scale)


@pytest.mark.parametrize("bad", [np.array([1.0, np.nan]), np.array([np.inf + 0j]), np.zeros((2, 3)), np.array(["a"])])
def test_bad_samples(bad):
    with pytest.raises(ConfigError):
        to_pyadi_tx(bad, 0.5)


@pytest.mark.parametrize("scale", [1.0, 0.5, 0.25, 0.8])
def test_gr_float_peak_is_scale(scale):
    for x in (burst(), random_iq(3000, 4)):
        y = to_gr_float(x, scale)
        assert y.dtype == np.complex64 and y.shape == x.shape
        assert rail_peak(y) <= np.float32(scale)
        assert rail_peak(y) == pytest.approx(scale, rel=1e-6)
        # shape of the signal unchanged: a real positive gain
        gain = np.vdot(x, y) / np.vdot(x, x)
        assert abs(gain.imag) < 1e-6 * abs(gain) and np.allclose(y, gain.real * x, atol=1e-6)


def test_pyadi_rx_to_unit_full_scale():
    raw = np.array([2047 - 2048j, 0, -1024 + 1j, 2048], dtype=np.complex128)
    y = from_pyadi_rx(raw)
    assert y.dtype == np.complex64
    assert y.tolist() == pytest.approx([2047 / 2048 - 1j, 0, -0.5 + 1j / 2048, 1.0])
    codes = np.arange(-2048, 2048)
    full = from_pyadi_rx(codes + 1j * codes[::-1])
    assert np.abs(full.real).max() <= 1.0 and np.abs(full.imag).max() <= 1.0


def test_gr_and_pyadi_tx_levels_differ_by_6_db():
    assert GR_OVER_PYADI_DB == pytest.approx(6.0206, abs=1e-4)
    x = burst()
    # gr-iio writes ±1.0 as ±32768: the same scale lands twice as high in int16 codes
    assert rail_peak(to_gr_float(x, 0.5)) * 32768 == pytest.approx(2 * rail_peak(to_pyadi_tx(x, 0.5)), rel=1e-6)
