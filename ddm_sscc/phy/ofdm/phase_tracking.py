"""Pilot-based phase tracking: common phase error and timing-drift phase slope.

After the preamble, each OFDM symbol is rotated by a common phase (residual CFO,
phase noise) and, when the two sampling clocks differ, by a phase slope across carriers
that grows with time (the FFT window drifts by a fraction of a sample).  Per symbol s
and pilot p, z_sp = Y_sp · conj(Ĥ_p X_sp) carries both.

* Common phase: the symbol-to-symbol drift ω = ∠Σ z_{s+1} z_s* is removed, the
  remainder averaged over ±``smooth`` symbols (complex, so no unwrapping; pilots alone
  are too few to use one symbol at a time at low SNR), and the drift put back.
* Slope: mirrored pilot pairs (+k, −k) see 2k times the slope.  A clock offset makes it
  grow linearly from zero at the time the channel was estimated (the estimate absorbed
  the timing then), b(t) = β·(t − t_ref); only β is fitted, with the whole burst as
  lever arm, and shrunk towards zero by its estimated variance, so short or noisy
  bursts without a clock offset do not get noise applied as drift.
"""

from __future__ import annotations

import numpy as np


def _moving_sum(z: np.ndarray, half: int) -> np.ndarray:
    c = np.concatenate([[0], np.cumsum(z)])
    idx = np.arange(z.size)
    lo = np.clip(idx - half, 0, z.size)
    hi = np.clip(idx + half + 1, 0, z.size)
    return c[hi] - c[lo]


def track_phase(
    z: np.ndarray,
    pilot_carriers: np.ndarray,
    times: np.ndarray | None = None,
    reference_time: float = 0.0,
    smooth: int = 6,
    fft_size: int = 64,
    max_clock_ppm: float = 50.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Per-symbol phase model from pilot products.

    Args:
        z: (S, P) complex, Y·conj(Ĥ·X) of each pilot.
        pilot_carriers: (P,) signed carrier indices of the pilots.
        times: (S,) float, each symbol's time (any unit, e.g. samples); default 0..S−1.
        reference_time: when the channel estimate was taken, same unit as ``times``.
        smooth: half-width of the averaging window, in symbols.
        fft_size: N, to turn a clock offset into a phase slope.
        max_clock_ppm: the largest clock offset believed (two ±25 ppm oscillators); the
            slope is clamped to it, and not estimated at all over spans where it could
            rotate the band edge by less than 0.15 rad (a noisy estimate would cost more).

    Returns:
        common: (S,) float64 radians; slope: (S,) float64 radians per carrier index,
        so symbol s, carrier k is rotated by common[s] + slope[s]·k.
    """
    s = z.shape[0]
    steps = np.arange(s, dtype=np.float64)
    slope = np.zeros(s)
    ks = np.asarray(pilot_carriers)
    pairs = [(int(np.flatnonzero(ks == k)[0]), int(np.flatnonzero(ks == -k)[0])) for k in ks if k > 0 and -k in ks]
    t_all = (steps if times is None else np.asarray(times, dtype=np.float64)) - reference_time
    beta_max = 2 * np.pi * max_clock_ppm * 1e-6 / fft_size  # rad per carrier per time unit (samples)
    worth_it = beta_max * float(np.max(np.abs(t_all), initial=0.0)) * float(np.max(np.abs(ks), initial=0)) >= 0.15
    if pairs and s > 2 and worth_it:
        pos = np.array([ks[a] for a, _ in pairs], dtype=np.float64)
        w = np.stack([z[:, a] * np.conj(z[:, b]) for a, b in pairs], axis=1).astype(np.complex128)  # ∠ ≈ 2k·b_s
        t = t_all
        # A clock offset makes the slope grow linearly from the channel estimate's time:
        # b(t) = β·(t − t_ref), fitted by weighted least squares on per-symbol slopes
        # (unsmoothed, so symbols are independent and the residual scatter measures the
        # noise).  Pairs are added from the innermost out: an inner pair wraps only at a
        # larger drift, and each step removes the slope found so far before the next
        # pair's angles are taken, so drifts of several samples do not alias.
        beta, var_beta = 0.0, 0.0
        order = np.argsort(pos)
        for upto in range(1, len(order) + 1):
            use = order[:upto]
            derot = w[:, use] * np.exp(-2j * beta * np.outer(t, pos[use]))
            angles = np.angle(derot) / (2 * pos[None, use])
            weight = np.abs(derot) * pos[None, use] ** 2
            wsum = weight.sum(axis=1)
            per_symbol = np.sum(angles * weight, axis=1) / np.maximum(wsum, 1e-30)
            denom = float(np.sum(wsum * t * t))
            if denom <= 0:
                break
            step = float(np.sum(wsum * t * per_symbol)) / denom
            beta += step
            resid = per_symbol - step * t
            var_beta = float(np.sum((wsum * t * resid) ** 2)) / denom**2
        # four pilots give a noisy slope at low SNR: shrink β towards 0 by its estimated
        # variance (positive-part James–Stein), so noise is not applied as drift
        beta *= max(0.0, 1.0 - 2.0 * var_beta / max(beta * beta, 1e-300))
        beta = float(np.clip(beta, -beta_max, beta_max))
        slope = beta * t
    # the common phase from the slope-free pilots: mirrored pilots rotating in opposite
    # directions would otherwise cancel in the sum and flip its phase by π
    zc = np.sum(z * np.exp(-1j * np.outer(slope, np.asarray(pilot_carriers, dtype=np.float64))), axis=1)
    drift = float(np.angle(np.vdot(zc[:-1], zc[1:]))) if s > 1 else 0.0
    common = np.angle(_moving_sum(zc * np.exp(-1j * drift * steps), smooth)) + drift * steps
    return common, slope


def phase_correction(common: np.ndarray, slope: np.ndarray, carriers: np.ndarray) -> np.ndarray:
    """(S, K) complex64 factors exp(−j(common_s + slope_s·k)) that undo the tracked phase on ``carriers``."""
    return np.exp(-1j * (common[:, None] + slope[:, None] * carriers[None, :])).astype(np.complex64)
