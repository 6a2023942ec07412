"""fast-rayleigh: i.i.d. Rayleigh per resource element, perfect CSI and sync."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ddm_sscc.errors import ConfigError
from ddm_sscc.experiments.sweep.fast_fading import data_grid, fast_fading_frames, resource_elements
from ddm_sscc.fec.framing import Frame, single_symbol_header
from ddm_sscc.phy.mcs import mcs_by_name
from ddm_sscc.phy.ofdm.transmitter import OfdmTransmitter

TX = OfdmTransmitter()


def frames_and_bursts(count: int = 12, size: int = 200, mcs: str = "qpsk-1/2"):
    data = np.random.default_rng(5).integers(0, 256, count * size, dtype=np.uint8).tobytes()
    scheme = mcs_by_name(mcs)
    frames = [
        Frame(single_symbol_header(100 + i, size, scheme.id), data[i * size : (i + 1) * size]) for i in range(count)
    ]
    return frames, [TX.burst(f) for f in frames]


def test_data_grid_reads_back_the_transmitted_carriers():
    frames, bursts = frames_and_bursts(count=1)
    fmt = TX.format
    grid = data_grid(bursts[0], TX)
    assert grid.dtype == np.complex64 and grid.shape[1] == fmt.config.n_data
    np.testing.assert_allclose(grid[: fmt.header_symbols], fmt.header_grid(frames[0].header), atol=1e-5)
    assert resource_elements(bursts, TX) == grid.size
    with pytest.raises(ConfigError, match="not a burst"):
        data_grid(bursts[0][:-3], TX)


def test_high_snr_delivers_every_frame_intact():
    frames, bursts = frames_and_bursts()
    got = fast_fading_frames(bursts, TX, 30.0, np.random.default_rng(1))
    assert [r.header for r in got] == [f.header for f in frames]
    assert [r.payload for r in got] == [f.payload for f in frames]
    assert all(r.ok for r in got)
    assert [r.start for r in got] == list(np.cumsum([0] + [b.size for b in bursts[:-1]]))
    # per-element Es/N0 = SNR + 10·log10(64/52) on average over the fading
    assert np.mean([r.snr_db for r in got]) == pytest.approx(30.0 + 10 * math.log10(64 / 52), abs=0.3)


def test_very_low_snr_loses_most_frames():
    _, bursts = frames_and_bursts()
    got = fast_fading_frames(bursts, TX, -10.0, np.random.default_rng(2))
    assert sum(r.ok for r in got) <= 1


def test_deep_fades_cost_more_than_awgn_at_the_same_snr():
    # QPSK-1/2 at 0 dB loses frames to the deep fades of single elements; 12 dB delivers them all
    frames, bursts = frames_and_bursts(count=20)
    faded = fast_fading_frames(bursts, TX, 0.0, np.random.default_rng(3))
    clean = fast_fading_frames(bursts, TX, 12.0, np.random.default_rng(3))
    assert sum(r.ok for r in faded) < len(frames) and sum(r.ok for r in clean) == len(frames)


def test_same_generator_same_frames_and_batching_does_not_matter():
    _, bursts = frames_and_bursts()
    a = fast_fading_frames(bursts, TX, 3.0, np.random.default_rng(4))
    b = fast_fading_frames(bursts, TX, 3.0, np.random.default_rng(4), batch_codewords=1)
    assert [(r.header, r.payload) for r in a] == [(r.header, r.payload) for r in b]


@pytest.mark.parametrize("snr", [float("nan"), float("inf"), 1e6, "3", True])
def test_bad_snr_is_one_line_config_error(snr):
    _, bursts = frames_and_bursts(count=1)
    with pytest.raises(ConfigError) as info:
        fast_fading_frames(bursts, TX, snr, np.random.default_rng(0))
    assert "\n" not in str(info.value)


def test_bad_generator_and_batch_are_refused():
    _, bursts = frames_and_bursts(count=1)
    with pytest.raises(ConfigError, match="Generator"):
        fast_fading_frames(bursts, TX, 3.0, 7)
    with pytest.raises(ConfigError, match="batch_codewords"):
        fast_fading_frames(bursts, TX, 3.0, np.random.default_rng(0), batch_codewords=0)
