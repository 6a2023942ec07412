"""Gray-labelled constellations (IEEE 802.11a-1999 §17.3.5.7) and soft demapping.

Labelling, as in the standard's Tables 82–85: bits ``b0 b1 … b(m-1)`` of one
symbol; for QPSK/16-QAM/64-QAM the first half select the in-phase level and
the second half the quadrature level, each half a reflected Gray code over
the PAM levels ``-(L-1), …, -3, -1, 1, 3, …, L-1`` (so ``0…0`` is the most
negative level and the first bit of a half is its sign: 1 = positive).  BPSK
maps ``0 → -1`` and ``1 → +1`` on the real axis.  Points are scaled by the
standard's K_mod (1, 1/√2, 1/√10, 1/√42) to unit average energy.

Example (16-QAM): ``0000 → (-3-3j)/√10``, ``1011 → (3+1j)/√10``.

Soft output is the log-likelihood ratio **LLR = ln P(b=0 | y) / P(b=1 | y)**
(positive means bit 0) under circularly-symmetric complex Gaussian noise of
total variance ``noise_var`` (``noise_var/2`` per real dimension) and equal
priors, i.e. ``p(y|s) ∝ exp(-|y-s|²/noise_var)``.  For BPSK this is exactly
``-4·Re(y)/noise_var``.
"""

from __future__ import annotations

import numpy as np

from ddm_sscc.errors import ConfigError

# name -> (bits per symbol, K_mod)
_SPECS = {
    "bpsk": (1, 1.0),
    "qpsk": (2, 1 / np.sqrt(2)),
    "16qam": (4, 1 / np.sqrt(10)),
    "64qam": (6, 1 / np.sqrt(42)),
}

# Floor for the noise variance so that 0 (or a negative estimate) cannot divide by zero.
NOISE_VAR_MIN = 1e-12
# |LLR| bound: keeps huge y or tiny noise_var from producing ±inf.
LLR_MAX = 1e30
# Symbols per block in the exact demapper, bounding its (block, M) work arrays.
_EXACT_BLOCK = 1 << 14


def _gray_pam_levels(bits: int) -> np.ndarray:
    """Odd-integer PAM level of each ``bits``-bit Gray label, indexed by the label: int64 (2**bits,)."""
    n = 1 << bits
    index = np.arange(n)
    levels = np.empty(n, np.int64)
    levels[index ^ (index >> 1)] = 2 * index - (n - 1)  # level i has label gray(i)
    return levels


class Constellation:
    """One of ``"bpsk"``, ``"qpsk"``, ``"16qam"``, ``"64qam"`` with the 802.11a Gray labelling.

    Attributes:
        name: the constellation name.
        bits_per_symbol: ``m``.
        scale: K_mod, the distance from 0 to the innermost PAM level.
        points: complex64 ``(2**m,)``; ``points[k]`` is the symbol of the label
            whose bits, MSB first, are ``b0 … b(m-1)``.  Unit average energy.
        labels: uint8 ``(2**m, m)``; ``labels[k]`` are the bits ``b0 … b(m-1)`` of ``k``.
    """

    def __init__(self, name: str) -> None:
        if name not in _SPECS:
            raise ConfigError(f"unknown constellation {name!r}; choose one of {', '.join(_SPECS)}")
        m, scale = _SPECS[name]
        self.name = name
        self.bits_per_symbol = m
        self.scale = float(scale)
        # Bits per real dimension (I and Q halves; BPSK has only I).
        self._dim_bits = 1 if m == 1 else m // 2
        pam = _gray_pam_levels(self._dim_bits)
        k = np.arange(1 << m)
        if m == 1:
            points = pam[k].astype(np.complex128)
        else:
            half = self._dim_bits
            points = pam[k >> half] + 1j * pam[k & ((1 << half) - 1)]
        self.points = (points * scale).astype(np.complex64)
        self.points.flags.writeable = False
        self.labels = ((k[:, None] >> np.arange(m - 1, -1, -1)) & 1).astype(np.uint8)
        self.labels.flags.writeable = False

    def __repr__(self) -> str:
        return f"Constellation({self.name!r})"

    def map(self, bits: np.ndarray) -> np.ndarray:
        """Map bits to symbols.

        Args:
            bits: integer or bool array ``(..., N·m)`` of 0/1, ``b0`` of each symbol first.

        Returns:
            complex64 ``(..., N)``.
        """
        bits = np.asarray(bits)
        m = self.bits_per_symbol
        if not (np.issubdtype(bits.dtype, np.integer) or bits.dtype == np.bool_):
            raise ConfigError(f"bits must be an integer or bool array, got dtype {bits.dtype}")
        if bits.ndim == 0 or bits.shape[-1] % m:
            raise ConfigError(f"{self.name} needs a multiple of {m} bits on the last axis, got shape {bits.shape}")
        if bits.dtype != np.bool_ and bits.size and (bits.min() < 0 or bits.max() > 1):
            raise ConfigError("bits must be 0 or 1")
        # uint8 labels (m <= 6) keep the shift-or passes cheap.
        grouped = bits.reshape(*bits.shape[:-1], bits.shape[-1] // m, m).astype(np.uint8, copy=False)
        label = grouped[..., 0].copy()
        for j in range(1, m):
            label <<= 1
            label |= grouped[..., j]
        return self.points.take(label)

    def demap(self, y: np.ndarray, noise_var: float | np.ndarray, method: str = "maxlog") -> np.ndarray:
        """Soft-demap symbols to bit LLRs, ``ln P(b=0|y)/P(b=1|y)`` (positive = bit 0).

        Args:
            y: complex ``(..., N)`` equalised symbols (real input is taken as the I part).
            noise_var: total complex noise variance per symbol after equalisation
                (e.g. ``σ²/|H_k|²``), scalar or broadcastable to ``y.shape``.
                Clipped below at :data:`NOISE_VAR_MIN`; NaN means "unknown" and gives LLR 0.
            method: ``"maxlog"`` (max-log, closed form per I/Q dimension; fast) or
                ``"exact"`` (log-sum-exp over all points; slow, for reference).

        Returns:
            float32 ``(..., N·m)``, in the bit order :meth:`map` takes.  Symbols
            with a non-finite ``y`` get LLR 0; magnitudes are capped at :data:`LLR_MAX`.
        """
        if method not in ("maxlog", "exact"):
            raise ConfigError(f"unknown demapping method {method!r}; choose 'maxlog' or 'exact'")
        y = np.asarray(y)
        if y.ndim == 0:
            raise ConfigError("y must have at least one axis of symbols")
        y = y.astype(np.complex64, copy=False)
        nv = np.asarray(noise_var, dtype=np.float32)
        try:
            fits = np.broadcast_shapes(nv.shape, y.shape) == y.shape
        except ValueError:
            fits = False
        if not fits:
            raise ConfigError(f"noise_var shape {nv.shape} does not broadcast to y shape {y.shape}")
        with np.errstate(all="ignore"):
            # NaN = unknown noise = no information; inf gives 0 on its own.
            nv = np.maximum(np.where(np.isnan(nv), np.float32(np.inf), nv), np.float32(NOISE_VAR_MIN))
            finite = np.isfinite(y)
            all_finite = bool(finite.all())
            if not all_finite:
                y = np.where(finite, y, np.complex64(0))
            if method == "maxlog":
                llr = self._maxlog(y, nv)
            else:
                llr = self._exact(y, nv)
            np.clip(llr, -LLR_MAX, LLR_MAX, out=llr)
            if not all_finite:
                llr.reshape(*y.shape, self.bits_per_symbol)[~finite] = 0
        return llr

    def _maxlog(self, y: np.ndarray, nv: np.ndarray) -> np.ndarray:
        """Max-log LLRs via the closed form per Gray-PAM dimension: float32 ``(..., N·m)``."""
        m, k = self.bits_per_symbol, self._dim_bits
        out = np.empty((*y.shape, m), np.float32)
        a = np.float32(self.scale)
        # Work on the odd-integer grid x = y/K_mod; the metric scales by K_mod²/noise_var.
        gain = (a * a / nv).astype(np.float32, copy=False)
        dims = [(y.real, 0)] if m == 1 else [(y.real, 0), (y.imag, k)]
        for comp, first in dims:
            x = comp * np.float32(1 / a)
            levels = 1 << k
            for j in range(k):
                # Bit j of a reflected Gray PAM is the sign bit of the folded
                # coordinate x_j, with x_{j+1} = L_j/2 - |x_j| and L_{j+1} = L_j/2.
                out[..., first + j] = _sign_bit_metric(x, levels)
                out[..., first + j] *= gain
                if j + 1 < k:
                    x = np.float32(levels // 2) - np.abs(x)
                    levels //= 2
        return out.reshape(*y.shape[:-1], y.shape[-1] * m)

    def _exact(self, y: np.ndarray, nv: np.ndarray) -> np.ndarray:
        """Exact LLRs by log-sum-exp over all points, in float64 blocks: float32 ``(..., N·m)``."""
        m = self.bits_per_symbol
        flat_y = y.reshape(-1).astype(np.complex128)
        flat_nv = np.broadcast_to(nv, y.shape).reshape(-1).astype(np.float64)
        points = self.points.astype(np.complex128)
        ones = self.labels.astype(bool)
        out = np.empty((flat_y.size, m), np.float32)
        for start in range(0, flat_y.size, _EXACT_BLOCK):
            stop = start + _EXACT_BLOCK
            metric = -np.abs(flat_y[start:stop, None] - points[None, :]) ** 2 / flat_nv[start:stop, None]
            for j in range(m):
                out[start:stop, j] = _logsumexp(metric[:, ~ones[:, j]]) - _logsumexp(metric[:, ones[:, j]])
        return out.reshape(*y.shape[:-1], y.shape[-1] * m)


def _sign_bit_metric(t: np.ndarray, levels: int) -> np.ndarray:
    """Max-log metric of the sign bit of ``levels``-PAM on the odd-integer grid: float32, ``t``'s shape.

    Returns ``min_{l>0} (t-l)² - min_{l<0} (t-l)²`` (``l`` odd, ``|l| < levels``):
    for ``t >= 0`` the nearest negative level is -1 and the nearest positive one
    ``l = clip(2⌊t/2⌋+1, 1, levels-1)``, giving ``-(l+1)(2t-l+1)``; odd in ``t``.
    """
    mag = np.abs(t)
    if levels == 2:
        return np.float32(-4) * t  # l is always 1
    near = np.floor(mag * np.float32(0.5))
    near *= 2
    near += 1
    np.minimum(near, np.float32(levels - 1), out=near)
    # -(l+1)(2|t|-l+1) with the sign of t.
    mag *= 2
    mag -= near
    mag += 1
    near += 1
    mag *= near
    return np.copysign(mag, -t)


def _logsumexp(a: np.ndarray) -> np.ndarray:
    """Stable ``log Σ exp(a)`` over the last axis."""
    peak = a.max(axis=-1)
    return peak + np.log(np.exp(a - peak[:, None]).sum(axis=-1))
