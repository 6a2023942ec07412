"""Least-squares channel estimation with a delay window fitted to each burst.

Raw LS estimates Ĥ_k = Y_k / X_k on each used carrier are as noisy as the carriers
themselves.  A channel whose impulse response fits in a delay window [lo, hi] has only
``L = hi − lo + 1`` free taps, so the receiver projects the raw estimate onto that
subspace: Ĥ = F (FᴴF)⁻¹ Fᴴ Ĥ_LS with F_{k,l} = exp(−j2π k l / N) over the used carriers k
and taps l ∈ [lo, hi].  This is the exact LS fit of such a channel on carriers with guard
bands and a DC null (where plain DFT interpolation would leak), and it lowers the
estimation noise by L / n_used.

Which window?  The widest one the receiver admits, [−pre_taps, max_delay] (``pre_taps``
for paths the FFT window sees as early because of the timing backoff, ``max_delay`` the
cyclic prefix), holds every channel it can equalise but spends 23 taps on a flat channel
that needs a handful (the main path and the sinc tails of its fractional delay).  On
AWGN that costs ≈ 0.2 dB at qpsk-1/2 (``benchmarks/estimator_taps.py``).  So every
estimate chooses its window among all [lo, hi] with −pre_taps ≤ lo ≤ 0 ≤ hi ≤ max_delay by
Mallows' C_p: the window minimising RSS(lo, hi) / σ̂² + 2·L, with σ̂² from the widest
window.  C_p is an unbiased estimate of the fit's squared error (bias from taps left out
plus noise from taps kept), so multipath channels keep the taps whose energy is above
the noise they bring and flat channels drop the rest (Mallows, Technometrics 15(4), 1973).

The same fit, run over all training symbols (two LTF copies, then the decoded and
re-modulated header), also yields the noise variance from the residual, with its
degrees of freedom accounted for.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .config import OfdmConfig


@dataclass(frozen=True)
class ChannelEstimate:
    """A channel estimate on the used carriers.

    Attributes:
        h: (U,) complex64 channel on ``config.used_carriers`` (sorted signed order).
        noise_var: noise variance per carrier (σ² after the FFT scaling), float.
        error_var: mean variance of the error of ``h`` per carrier, float.
        time: when it holds (samples from the burst start, set by the receiver), float.
        window: (lo, hi) first and last tap of the delay window the fit used.
    """

    h: np.ndarray
    noise_var: float
    error_var: float
    time: float = 0.0
    window: tuple[int, int] = (0, 0)


def lo_grid(pre_taps: int, most: int = 8) -> list[int]:
    """Candidate first taps of the window: all of −pre_taps..0, or ``most`` of them spread evenly."""
    if pre_taps + 1 <= most:
        return list(range(-pre_taps, 1))
    return sorted({int(round(v)) for v in np.linspace(-pre_taps, 0, most)})


class ChannelEstimator:
    """Delay-limited LS channel estimation for one :class:`OfdmConfig`.

    Args:
        config: the OFDM numerology.
        max_delay: last tap of the widest window (default: the cyclic prefix).
        pre_taps: taps before the FFT window start the widest window admits.
        adaptive: choose each estimate's window by C_p (default); ``False`` always fits
            the widest window.

    For each candidate first tap ``lo`` the estimator keeps an orthonormal basis of the
    nested windows [lo, lo], [lo, lo+1], … [lo, max_delay] (a QR factorisation of F), so one
    product Qᴴ Ĥ_LS gives the fit of every window with that ``lo`` at once.  A tap whose
    column the earlier ones already span (wide windows on few carriers) adds no direction.
    """

    def __init__(
        self, config: OfdmConfig, max_delay: int | None = None, pre_taps: int = 4, adaptive: bool = True
    ) -> None:
        self.config = config
        self.pre_taps = int(pre_taps)
        self.max_delay = config.cp_len if max_delay is None else int(max_delay)
        self.adaptive = bool(adaptive)
        carriers = config.used_carriers.astype(np.float64)
        self.los = lo_grid(self.pre_taps) if adaptive else [-self.pre_taps]
        self.bases: list[np.ndarray] = []  # per lo: (U, T_lo) complex64, T_lo = max_delay − lo + 1
        self.dims: list[np.ndarray] = []  # per lo: (T_lo,) int, dimension of [lo, lo + i]
        for lo in self.los:
            f = np.exp(-2j * np.pi * np.outer(carriers, np.arange(lo, self.max_delay + 1)) / config.fft_size)
            q, r = np.linalg.qr(f)
            new = np.abs(np.diag(r)) > 1e-9 * np.sqrt(carriers.size)
            q[:, ~new] = 0
            self.bases.append(q.astype(np.complex64))
            self.dims.append(np.cumsum(new))
        self.n_taps = int(self.dims[0][-1])  # dimension of the widest window
        self.used_bins = config.bins(tuple(config.used_carriers))

    def estimate(self, y: np.ndarray, x: np.ndarray) -> ChannelEstimate:
        """Estimate from S training symbols: ``y`` (S, U) received and ``x`` (S, U) known values (complex)."""
        s, u = y.shape
        weight = np.sum(np.abs(x) ** 2, axis=0)
        w_mean = max(float(np.mean(weight)), 1e-12)
        raw = (np.sum(y * np.conj(x), axis=0) / np.maximum(weight, 1e-12)).astype(np.complex64)
        # RSS of a fit h = Σ_s |y_s − h x_s|² = (what no h explains) + Σ_k w_k |raw_k − h_k|²;
        # the training symbols have equal power on every carrier, so the last term is w̄ ‖raw − h‖²
        base = float(np.sum(np.abs(y - raw[None, :] * x) ** 2))
        power = float(np.sum(np.abs(raw) ** 2))
        coeffs = [q.conj().T @ raw for q in self.bases]  # per lo: (T_lo,)
        explained = [np.cumsum(np.abs(z) ** 2) for z in coeffs]
        noise_var = max((base + w_mean * (power - explained[0][-1])) / max(s * u - self.n_taps, 1), 1e-12)
        best, best_cost = (0, len(coeffs[0]) - 1), np.inf
        for i, (e, dims) in enumerate(zip(explained, self.dims)):
            cost = (base + w_mean * (power - e)) / noise_var + 2 * dims  # Mallows' C_p, up to a constant
            j = int(np.argmin(cost)) if self.adaptive else len(cost) - 1
            if cost[j] < best_cost:
                best, best_cost = (i, j), float(cost[j])
        i, j = best
        h = self.bases[i][:, : j + 1] @ coeffs[i][: j + 1]
        error_var = noise_var * int(self.dims[i][j]) / (u * w_mean)
        lo = self.los[i]
        return ChannelEstimate(h.astype(np.complex64), noise_var, error_var, window=(lo, lo + j))
