"""Zero padding of bursts to whole radio buffers."""

from __future__ import annotations

import numpy as np
import pytest

from ddm_sscc.errors import ConfigError
from ddm_sscc.radio.burst_padding import pad_to_buffer


@pytest.mark.parametrize(
    ("length", "size", "lead", "total"),
    [(1000, 1024, 0, 1024), (1024, 1024, 0, 1024), (1025, 1024, 0, 2048), (1000, 1024, 24, 1024),
     (1000, 1024, 25, 2048),
     (0, 1024, 0, 1024), (0, 16, 40, 48), (5, 1, 3, 8), (70000, 32768, 400, 98304)],
)
def test_pads_to_a_multiple_with_lead_zeros(length, size, lead, total):
    rng = np.random.default_rng(length)
    x = (rng.standard_normal(length) + 1j * rng.standard_normal(length)).astype(np.complex64)
    y = pad_to_buffer(x, size, lead=lead)
    assert y.dtype == np.complex64 and y.size == total and y.size % size == 0
    assert not y[:lead].any() and not y[lead + length :].any()
    assert np.array_equal(y[lead : lead + length], x)


def test_real_input_becomes_complex():
    y = pad_to_buffer(np.ones(3), 4)
    assert y.dtype == np.complex64 and y.tolist() == [1, 1, 1, 0]


@pytest.mark.parametrize(("size", "lead"), [(0, 0), (-4, 0), (1024, -1), (1.5, 0), (True, 0), (1024, 2.0)])
def test_bad_sizes(size, lead):
    with pytest.raises(ConfigError):
        pad_to_buffer(np.ones(3, np.complex64), size, lead=lead)


def test_two_dimensional_samples_refused():
    with pytest.raises(ConfigError, match="1-D"):
        pad_to_buffer(np.ones((2, 2)), 4)
