"""Frequency-selective tapped-delay-line (TDL) fading with documented power-delay profiles.

Profiles (path delays in ns, relative powers in dB), 3GPP TS 36.104 Annex B.2
(Tables B.2-2 to B.2-4; rms delay spreads from Table B.2-1):

* EPA (rms 43 ns): delays 0, 30, 70, 90, 110, 190, 410;
  powers 0.0, −1.0, −2.0, −3.0, −8.0, −17.2, −20.8.
* EVA (rms 357 ns): delays 0, 30, 150, 310, 370, 710, 1090, 1730, 2510;
  powers 0.0, −1.5, −1.4, −3.6, −0.6, −9.1, −7.0, −12.0, −16.9.
* ETU (rms 991 ns): delays 0, 50, 120, 200, 230, 500, 1600, 2300, 5000;
  powers −1.0, −1.0, −1.0, 0.0, 0.0, 0.0, −3.0, −5.0, −7.0.
* FLAT: one path, delay 0, power 0.0 (flat fading; time varying with Doppler).

``exponential_profile(rms_ns)`` gives ``n_paths`` equally spaced paths over
``0 … 8·rms`` with exponentially decaying powers whose decay constant is solved
so that the discrete profile's rms delay spread is exactly ``rms_ns``.

Model (:class:`TappedDelayLine`): path ``p`` (delay ``τ_p``, power ``P_p``
normalised so ``Σ P_p = 1``) has an independent complex Gaussian gain
``g_p(t)`` with ``E|g_p|² = P_p``.  Its fractional delay ``τ_p·fs`` samples is
realised by a Kaiser-windowed sinc interpolator ``s_p`` (16 taps, normalised
to unit energy), so the FIR on the sample grid is
``h_n[l] = Σ_p g_p(n)·s_p[l]`` with ``E Σ_l |h_n[l]|² = 1`` exactly.  With
``doppler_hz > 0`` each ``g_p`` follows Clarke/Jakes (autocorrelation
``J0(2π f_d τ)``) through the Zheng–Xiao sum-of-sinusoids model
(``n_sinusoids`` per quadrature, random phases and angle offset), evaluated
at every sample index so streams are continuous; with ``doppler_hz = 0`` the
gains are static until :meth:`TappedDelayLine.new_block`.

Group delay: the interpolators have look-ahead (taps at negative lags up to
``half_width − 1 = 7`` samples); the stage *compensates* it by holding those
samples back (see :mod:`ddm_sscc.channel.stage`), so a path at delay 0 lands
on the same sample index as its input and :meth:`frequency_response` is the
physical response (no extra linear phase).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq

from ddm_sscc.channel._checks import generator, non_negative, positive, positive_int, real
from ddm_sscc.channel.interp import SlidingWindow, fractional_delay_taps
from ddm_sscc.channel.stage import Stage
from ddm_sscc.errors import ConfigError

_CHUNK = 8192  # outputs per vectorised block: bounds memory for long streams
_GAIN_BLOCK = 1024  # samples per block of the sum-of-sinusoids rotation tables


@dataclass(frozen=True)
class PowerDelayProfile:
    """A power-delay profile: path delays (ns, ≥ 0) and relative powers (dB), one entry per path."""

    name: str
    delays_ns: tuple[float, ...]
    powers_db: tuple[float, ...]

    def __post_init__(self) -> None:
        if len(self.delays_ns) == 0 or len(self.delays_ns) != len(self.powers_db):
            raise ConfigError(f"profile {self.name!r}: delays_ns and powers_db need the same nonzero length")
        for delay in self.delays_ns:
            non_negative(f"profile {self.name!r} delay_ns", delay)
        for power in self.powers_db:
            real(f"profile {self.name!r} power_db", power)

    def powers(self) -> np.ndarray:
        """Linear path powers normalised to sum 1: float64, shape ``(n_paths,)``."""
        linear = 10.0 ** (np.asarray(self.powers_db, dtype=np.float64) / 10.0)
        return linear / linear.sum()

    def mean_delay_ns(self) -> float:
        return float(np.dot(self.powers(), self.delays_ns))

    def rms_delay_spread_ns(self) -> float:
        delays = np.asarray(self.delays_ns, dtype=np.float64)
        mean = self.mean_delay_ns()
        return float(np.sqrt(np.dot(self.powers(), (delays - mean) ** 2)))


EPA = PowerDelayProfile("EPA", (0, 30, 70, 90, 110, 190, 410), (0.0, -1.0, -2.0, -3.0, -8.0, -17.2, -20.8))
EVA = PowerDelayProfile(
    "EVA", (0, 30, 150, 310, 370, 710, 1090, 1730, 2510), (0.0, -1.5, -1.4, -3.6, -0.6, -9.1, -7.0, -12.0, -16.9)
)
ETU = PowerDelayProfile(
    "ETU", (0, 50, 120, 200, 230, 500, 1600, 2300, 5000), (-1.0, -1.0, -1.0, 0.0, 0.0, 0.0, -3.0, -5.0, -7.0)
)
FLAT = PowerDelayProfile("FLAT", (0,), (0.0,))
PROFILES: dict[str, PowerDelayProfile] = {p.name: p for p in (EPA, EVA, ETU, FLAT)}
"""The tabulated profiles by name (``exponential`` is parametric: :func:`exponential_profile`)."""


def exponential_profile(rms_delay_spread_ns: float, n_paths: int = 16) -> PowerDelayProfile:
    """``n_paths`` paths equally spaced over ``0 … 8·rms``, powers ``∝ exp(−τ/τ0)``, rms delay spread exactly ``rms``.

    ``τ0`` is solved numerically so the truncated discrete profile has the asked rms delay spread.
    """
    rms = positive("rms_delay_spread_ns", rms_delay_spread_ns)
    n = positive_int("n_paths", n_paths)
    if n < 2:
        raise ConfigError(f"n_paths must be >= 2 for an exponential profile, got {n}")
    delays = np.linspace(0.0, 8.0 * rms, n)

    def spread(decay: float) -> float:
        w = np.exp(-(delays - delays[0]) / decay)
        w /= w.sum()
        mean = np.dot(w, delays)
        return float(np.sqrt(np.dot(w, (delays - mean) ** 2))) - rms

    # The spread grows monotonically with the decay constant, from 0 to the uniform profile's (> rms).
    decay = brentq(spread, 1e-3 * rms, 1e3 * rms, xtol=1e-12 * rms)
    powers_db = -10.0 * math.log10(math.e) * delays / decay
    return PowerDelayProfile(f"exponential({rms:g} ns)", tuple(delays.tolist()), tuple(powers_db.tolist()))


def profile_by_name(name: str, rms_delay_spread_ns: float | None = None) -> PowerDelayProfile:
    """``EPA``, ``EVA``, ``ETU``, ``FLAT`` (case-insensitive) or ``exponential`` (needs ``rms_delay_spread_ns``)."""
    if not isinstance(name, str):
        raise ConfigError(f"profile must be a string, got {name!r}")
    key = name.upper()
    if key == "EXPONENTIAL":
        if rms_delay_spread_ns is None:
            raise ConfigError("profile 'exponential' needs delay_spread_ns")
        return exponential_profile(rms_delay_spread_ns)
    if key not in PROFILES:
        raise ConfigError(f"unknown profile {name!r}; known: {', '.join([*PROFILES, 'exponential'])}")
    return PROFILES[key]


class TappedDelayLine(Stage):
    """Frequency-selective fading by a tapped delay line (model and delay compensation: module docstring).

    ``profile`` is a :class:`PowerDelayProfile` or a profile name; ``rng`` a
    numpy Generator or an int seed.  ``process(x)`` returns the faded stream
    as ``complex64``; it holds back up to ``lookahead`` samples (≤ 7) per call
    for the interpolators, released by the next calls or by ``flush()``.
    """

    def __init__(
        self,
        profile: PowerDelayProfile | str,
        sample_rate: float,
        rng: np.random.Generator | int,
        doppler_hz: float = 0.0,
        n_sinusoids: int = 16,
        half_width: int = 8,
    ) -> None:
        self.profile = profile if isinstance(profile, PowerDelayProfile) else profile_by_name(profile)
        self.sample_rate = positive("sample_rate", sample_rate)
        self.doppler_hz = non_negative("doppler_hz", doppler_hz)
        if self.doppler_hz >= self.sample_rate / 2:
            raise ConfigError(f"doppler_hz must be below sample_rate/2, got {self.doppler_hz}")
        self.n_sinusoids = positive_int("n_sinusoids", n_sinusoids)
        half_width = positive_int("half_width", half_width)
        self._rng = generator(rng)
        self.path_powers = self.profile.powers()

        # Per-path interpolators on a common lag grid; columns follow SlidingWindow's order (lag = lookback − j).
        per_path = [fractional_delay_taps(d * 1e-9 * self.sample_rate, half_width) for d in self.profile.delays_ns]
        lag_min = min(int(lags[0]) for lags, _ in per_path)
        lag_max = max(int(lags[-1]) for lags, _ in per_path)
        self.lags = np.arange(min(lag_min, 0), max(lag_max, 0) + 1)
        self._window = SlidingWindow(lookback=self.lags[-1], lookahead=-self.lags[0])
        self.lookahead = self._window.lookahead
        interp = np.zeros((len(per_path), self.lags.size))
        for p, (lags, taps) in enumerate(per_path):
            interp[p, lags - self.lags[0]] = taps / np.linalg.norm(taps)  # unit energy: E Σ|h|² = Σ P_p = 1
        self.interpolators = interp  # (n_paths, n_lags), lag order self.lags
        self._columns = interp[:, ::-1].T.copy()  # (span, n_paths) in window-column order
        self.new_block()

    # ---- gains ---------------------------------------------------------------------------

    def new_block(self) -> None:
        """Draw a fresh, independent realisation (static gains, or new sum-of-sinusoids phases)."""
        n_paths = self.path_powers.size
        if self.doppler_hz == 0.0:
            pairs = self._rng.standard_normal((n_paths, 2)) / np.sqrt(2.0)
            self._static = (pairs[:, 0] + 1j * pairs[:, 1]) * np.sqrt(self.path_powers)
            return
        m = self.n_sinusoids
        theta = self._rng.uniform(-np.pi, np.pi, (n_paths, 1))
        alpha = (2.0 * np.pi * np.arange(1, m + 1) - np.pi + theta) / (4.0 * m)  # (n_paths, m)
        omega = 2.0 * np.pi * self.doppler_hz / self.sample_rate  # rad per sample
        self._w_i = omega * np.cos(alpha)
        self._w_q = omega * np.sin(alpha)
        self._phi_i = self._rng.uniform(-np.pi, np.pi, (n_paths, m))
        self._phi_q = self._rng.uniform(-np.pi, np.pi, (n_paths, m))
        self._tables: tuple[np.ndarray, np.ndarray] | None = None  # built on first streaming use

    def _stream_gains(self, first: int, count: int) -> np.ndarray:
        """``path_gains(first … first+count−1)`` by rotation tables (equal to ~1e-11 even at sample 1e8; ~5× faster)."""
        if self.doppler_hz == 0.0:
            return self.path_gains(np.arange(first, first + count))
        if self._tables is None:
            # cos(ω(n0 + k) + φ) = Re(e^{iωk}·e^{i(ωn0 + φ)}): one table of e^{iωk} serves every block.
            k = np.arange(_GAIN_BLOCK, dtype=np.float64)[:, None, None]
            self._tables = (np.exp(1j * k * self._w_i), np.exp(1j * k * self._w_q))
        table_i, table_q = self._tables
        pieces = []
        for start in range(first, first + count, _GAIN_BLOCK):
            size = min(_GAIN_BLOCK, first + count - start)
            real_part = np.einsum("kpm,pm->kp", table_i[:size], np.exp(1j * (self._w_i * start + self._phi_i)))
            imag_part = np.einsum("kpm,pm->kp", table_q[:size], np.exp(1j * (self._w_q * start + self._phi_q)))
            pieces.append(real_part.real + 1j * imag_part.real)
        return np.concatenate(pieces) * np.sqrt(self.path_powers / self.n_sinusoids)

    def path_gains(self, time_index: np.ndarray | int) -> np.ndarray:
        """Path gains ``g_p(n)`` at sample indices: complex128, shape ``(len(n), n_paths)`` (or ``(n_paths,)``)."""
        n = np.asarray(time_index, dtype=np.float64)
        scalar = n.ndim == 0
        n = np.atleast_1d(n)
        if self.doppler_hz == 0.0:
            gains = np.broadcast_to(self._static, (n.size, self._static.size)).copy()
        else:
            # Zheng–Xiao: X_c = √(2/M) Σ cos(ω n cos α_m + φ_m), X_s likewise with sin α_m; g = (X_c + jX_s)/√2.
            t = n[:, None, None]
            real_part = np.cos(t * self._w_i + self._phi_i).sum(axis=2)
            imag_part = np.cos(t * self._w_q + self._phi_q).sum(axis=2)
            gains = (real_part + 1j * imag_part) * np.sqrt(self.path_powers / self.n_sinusoids)
        return gains[0] if scalar else gains

    @property
    def sample_index(self) -> int:
        """Index of the next output sample (outputs released so far)."""
        return self._window.n_out

    def taps(self, time_index: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """``(lags int, h complex128)``: the FIR ``y[n] = Σ h[l]·x[n−l]`` at ``time_index`` (default: next output)."""
        n = self.sample_index if time_index is None else time_index
        return self.lags.copy(), self.path_gains(n) @ self.interpolators

    def frequency_response(self, fft_size: int, time_index: int | None = None) -> np.ndarray:
        """``H[k] = Σ_l h[l]·exp(−2πi·k·l/fft_size)`` in FFT bin order: complex128, shape ``(fft_size,)``.

        ``time_index`` defaults to the next output sample; pass the sample index of an OFDM symbol
        for a time-varying (Doppler) channel.
        """
        size = positive_int("fft_size", fft_size)
        lags, h = self.taps(time_index)
        k = np.arange(size)[:, None]
        return np.exp(-2j * np.pi * k * lags[None, :] / size) @ h

    # ---- streaming ---------------------------------------------------------------------------

    def _emit(self, count: int, pad: bool) -> np.ndarray:
        pieces = []
        while count > 0:
            step = min(count, _CHUNK)
            first, windows = self._window.take(step, pad=pad)
            per_path = windows @ self._columns  # (step, n_paths): each path's delayed signal
            gains = self._stream_gains(first, step)
            pieces.append((per_path * gains).sum(axis=1))
            count -= step
        return np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.complex128)

    def _process(self, x: np.ndarray) -> np.ndarray:
        self._window.push(x)
        return self._emit(self._window.ready(), pad=False)

    def flush(self) -> np.ndarray:
        remaining = self._window.n_in - self._window.n_out
        return self._emit(remaining, pad=True).astype(np.complex64)
