"""The channel estimator's delay window: narrow for flat channels, wide enough for multipath."""

import numpy as np
import pytest

from ddm_sscc.phy.ofdm.channel_estimation import ChannelEstimator, lo_grid
from ddm_sscc.phy.ofdm.config import OfdmConfig

CFG = OfdmConfig()
PRE = CFG.cp_len // 4 + 2  # as the receiver builds it


def response(cfg: OfdmConfig, delays: np.ndarray, gains: np.ndarray) -> np.ndarray:
    """(U,) frequency response on the used carriers of paths at (fractional) sample delays."""
    k = cfg.used_carriers.astype(np.float64)
    return np.exp(-2j * np.pi * np.outer(k, delays) / cfg.fft_size) @ gains


def trials(est: ChannelEstimator, h_of, noise_var: float, n: int, seed: int) -> tuple[float, list]:
    """Mean squared error of ``est`` over ``n`` LTF-like estimates (2 BPSK symbols), and the windows chosen."""
    rng = np.random.default_rng(seed)
    u = CFG.used_carriers.size
    errors, windows = [], []
    for _ in range(n):
        h = h_of(rng)
        x = rng.choice([-1.0, 1.0], size=(2, u)).astype(np.complex64)
        w = np.sqrt(noise_var / 2) * (rng.standard_normal(x.shape) + 1j * rng.standard_normal(x.shape))
        e = est.estimate((h * x + w).astype(np.complex64), x)
        errors.append(np.mean(np.abs(e.h - h) ** 2))
        windows.append(e.window)
    return float(np.mean(errors)), windows


def flat(rng: np.random.Generator) -> np.ndarray:
    # one path at a random fractional delay: the sinc tails leak into neighbouring taps
    return response(CFG, np.array([rng.uniform(-1, 1)]), np.array([np.exp(2j * np.pi * rng.uniform())]))


def test_a_flat_channel_gets_a_narrow_window_and_a_smaller_error():
    adaptive, windows = trials(ChannelEstimator(CFG, pre_taps=PRE), flat, 0.8, 300, seed=1)
    widest, _ = trials(ChannelEstimator(CFG, pre_taps=PRE, adaptive=False), flat, 0.8, 300, seed=1)
    lengths = np.array([hi - lo + 1 for lo, hi in windows])
    assert np.median(lengths) <= 8  # of 23
    assert adaptive < 0.6 * widest


def test_a_weak_late_path_keeps_its_taps_at_high_snr():
    def multipath(rng: np.random.Generator) -> np.ndarray:
        g = (rng.standard_normal(3) + 1j * rng.standard_normal(3)) / np.sqrt(2) * np.sqrt([0.8, 0.15, 0.05])
        return response(CFG, np.array([0.3, 5.6, 12.2]), g)

    adaptive, windows = trials(ChannelEstimator(CFG, pre_taps=PRE), multipath, 1e-3, 100, seed=2)
    widest, _ = trials(ChannelEstimator(CFG, pre_taps=PRE, adaptive=False), multipath, 1e-3, 100, seed=2)
    assert np.mean([hi >= 12 for _, hi in windows]) > 0.9
    assert adaptive < 1.2 * widest  # no bias floor from dropped taps


def test_the_widest_window_is_the_least_squares_projection():
    est = ChannelEstimator(CFG, pre_taps=PRE, adaptive=False)
    rng = np.random.default_rng(3)
    u = CFG.used_carriers.size
    y = (rng.standard_normal((2, u)) + 1j * rng.standard_normal((2, u))).astype(np.complex64)
    x = rng.choice([-1.0, 1.0], size=(2, u)).astype(np.complex64)
    taps = np.arange(-PRE, CFG.cp_len + 1)
    f = np.exp(-2j * np.pi * np.outer(CFG.used_carriers, taps) / CFG.fft_size)
    raw = np.mean(y * np.conj(x), axis=0)
    e = est.estimate(y, x)
    assert e.window == (-PRE, CFG.cp_len)
    assert np.allclose(e.h, f @ np.linalg.lstsq(f, raw, rcond=None)[0], atol=1e-4)
    residual = np.sum(np.abs(y - e.h * x) ** 2)
    assert e.noise_var == pytest.approx(residual / (2 * u - taps.size), rel=1e-3)


@pytest.mark.parametrize("fft_size, cp_len", [(128, 32), (256, 64), (1024, 256)])
def test_large_numerologies_fit_a_channel_exactly(fft_size: int, cp_len: int):
    # wide windows on band-limited carriers are nearly rank-deficient: the basis must stay sound
    cfg = OfdmConfig(fft_size=fft_size, cp_len=cp_len)
    est = ChannelEstimator(cfg, pre_taps=cp_len // 4 + 2)
    h = response(cfg, np.array([0.0, 3.0, cp_len - 2.0]), np.array([1.0, 0.5j, 0.2]))
    x = np.ones((2, cfg.used_carriers.size), np.complex64)
    e = est.estimate((h * x).astype(np.complex64), x)
    assert np.allclose(e.h, h, atol=1e-3)
    assert e.window[1] >= cp_len - 2


def test_lo_grid_keeps_the_ends():
    assert lo_grid(6) == [-6, -5, -4, -3, -2, -1, 0]
    grid = lo_grid(258)
    assert grid[0] == -258 and grid[-1] == 0 and len(grid) == 8
