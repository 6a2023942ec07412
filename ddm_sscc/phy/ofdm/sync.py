"""Burst synchronisation: detection, carrier-frequency offset and symbol timing.

* :func:`delay_correlation` – Schmidl–Cox delay-and-correlate over the STF's 16-sample
  period; its normalised magnitude (:func:`plateau_metric`) is ≈ SNR/(1+SNR) inside a
  STF and ≈ 1/√window in noise, so a run above a threshold marks a burst.
* Coarse CFO: the angle of that correlation, ε = ∠P / (2π·16) cycles per sample.
* Timing: cross-correlation with the known LTF symbol, both copies combined; its peak,
  normalised, also confirms the detection (noise alone stays near 1/√(2N)).
* Fine CFO: the angle between the two LTF copies, ε = ∠ / (2π·N).

All functions are pure and vectorised; :class:`~ddm_sscc.phy.ofdm.receiver.OfdmReceiver`
strings them together over a streaming buffer.
"""

from __future__ import annotations

import numpy as np


def delay_correlation(x: np.ndarray, delay: int, window: int) -> tuple[np.ndarray, np.ndarray]:
    """Sliding delay correlation of ``x`` (L,) complex.

    Returns ``P`` (M,) complex128 with P[n] = Σ_{i<window} x[n+i+delay]·conj(x[n+i]) and
    ``E`` (M,) float64, the mean energy of the two windows, M = L − delay − window + 1
    (empty if L is too short).
    """
    m = x.size - delay - window + 1
    if m <= 0:
        return np.zeros(0, np.complex128), np.zeros(0, np.float64)
    x = x.astype(np.complex128, copy=False)
    prod = np.concatenate([[0], np.cumsum(x[delay:] * np.conj(x[:-delay]))])
    p = prod[window : window + m] - prod[:m]
    energy = np.concatenate([[0.0], np.cumsum(x.real**2 + x.imag**2)])
    e1 = energy[window : window + m] - energy[:m]
    e2 = energy[window + delay : window + delay + m] - energy[delay : delay + m]
    return p, 0.5 * (e1 + e2)


def plateau_metric(p: np.ndarray, energy: np.ndarray) -> np.ndarray:
    """|P| / E in [0, 1]; 0 where the input is silent (no division by zero)."""
    out = np.zeros(p.shape, dtype=np.float64)
    live = energy > 1e-20
    out[live] = np.abs(p[live]) / energy[live]
    return out


def first_plateau(metric: np.ndarray, threshold: float, min_run: int) -> int | None:
    """Index of the first sample starting ≥ ``min_run`` consecutive values above ``threshold``."""
    above = metric > threshold
    if not above.any():
        return None
    # run lengths via cumulative counts reset at each False
    idx = np.flatnonzero(np.diff(np.concatenate([[0], above.astype(np.int8), [0]])))
    starts, ends = idx[::2], idx[1::2]
    long = np.flatnonzero(ends - starts >= min_run)
    return int(starts[long[0]]) if long.size else None


def ltf_scores(x: np.ndarray, ltf_symbol: np.ndarray, guard: int = 0) -> np.ndarray:
    """Normalised LTF timing scores: (len(x) − 2N − G + 1,) float64, entry j for a first copy at x[j + G].

    The template is the whole long training field: its ``guard`` samples G (the last G
    samples of the symbol, 802.11a's GI2), then the two copies.  The parts are combined
    without their phases, (|c_g[m−G]| + |c[m]| + |c[m+N]|) / √(E_x · E_ltf), because the
    residual CFO after the coarse estimate rotates each 64-sample part by up to a radian
    or more: summed coherently, at 6–8 kHz residual the position one copy late outscored the
    true one.  The score is in [0, 1]: ≈ √(SNR/(1+SNR)) at the true position for a flat
    channel.  One copy early the template still matches the guard's half copy and the first
    copy, 1.5 of 2.5 symbols' worth (0.6 of the peak; 0.75 without the guard); one copy late
    it matches the second copy and, through the guard, half the first (again 0.6).
    """
    n = ltf_symbol.size
    g = int(guard)
    if not 0 <= g <= n:
        raise ValueError(f"guard must be in 0..{n}, got {guard!r}")
    if x.size < 2 * n + g:
        return np.zeros(0)
    x = x.astype(np.complex64, copy=False)
    c = np.abs(np.correlate(x, ltf_symbol, mode="valid"))  # |c[m]| = |Σ x[m+i]·conj(ltf[i])|
    both = c[g : c.size - n] + c[g + n :]
    e_ltf = 2 * float(np.sum(np.abs(ltf_symbol) ** 2))
    if g:
        cg = np.abs(np.correlate(x, ltf_symbol[n - g :], mode="valid"))  # the guard repeats the symbol's tail
        both = both + cg[: both.size]
        e_ltf += float(np.sum(np.abs(ltf_symbol[n - g :]) ** 2))
    energy = np.concatenate([[0.0], np.cumsum(np.abs(x.astype(np.complex128)) ** 2)])
    ex = energy[2 * n + g : 2 * n + g + both.size] - energy[: both.size]
    # the parts' energies differ (G, N, N samples): the bound |c_i| ≤ √(E_x,i E_ltf,i) gives
    # Σ|c_i| ≤ √(E_x E_ltf) by Cauchy–Schwarz, so the score stays in [0, 1]
    return both / np.sqrt(np.maximum(ex, 1e-20) * e_ltf)


def ltf_timing(x: np.ndarray, ltf_symbol: np.ndarray, guard: int = 0) -> tuple[int, float]:
    """Best start (index into ``x``, ≥ ``guard``) of the first of two LTF copies and its score (:func:`ltf_scores`).

    ``x`` must hold at least 2N + G samples; returns (−1, 0.0) otherwise.
    """
    score = ltf_scores(x, ltf_symbol, guard)
    if score.size == 0:
        return -1, 0.0
    m = int(np.argmax(score))
    return m + int(guard), float(score[m])


def cfo_from_repeats(x: np.ndarray, start: int, period: int, length: int) -> float:
    """CFO in cycles per sample from ``length`` samples repeated after ``period``: ∠Σ x[n+period]·x*[n] / (2π·period)."""
    a = x[start : start + length]
    b = x[start + period : start + period + length]
    return float(np.angle(np.vdot(a, b)) / (2 * np.pi * period))


_DEROTATE_BLOCK = 128


def derotate(x: np.ndarray, cfo: float, start_index: int = 0) -> np.ndarray:
    """``x`` · exp(−j2π·cfo·(n + start_index)) as complex64 (cfo in cycles per sample)."""
    x = np.asarray(x, dtype=np.complex64)
    if x.size == 0:
        return x.copy()
    # n = start + B·r + c: the phasor is an outer product of two short exp tables, which
    # costs a multiply per sample instead of an exp (error ~1e-7, far below complex64 noise)
    w = -2.0 * np.pi * float(cfo)
    rows = -(-x.size // _DEROTATE_BLOCK)
    fine = np.exp(1j * w * np.arange(_DEROTATE_BLOCK, dtype=np.float64)).astype(np.complex64)
    coarse = np.exp(1j * w * (start_index + _DEROTATE_BLOCK * np.arange(rows, dtype=np.float64))).astype(np.complex64)
    return x * np.outer(coarse, fine).ravel()[: x.size]
