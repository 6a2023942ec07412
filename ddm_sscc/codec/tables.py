"""The one choke point from model logits to integer probability tables.

Encoder and decoder must code every symbol with *identical* tables, so float
logits are turned into integers as early as possible and everything after
that is exact integer arithmetic.  The recipe (part of the ``.ddm`` format,
version 1):

1. τ is quantised to ``τ_q = round(τ · 4096)``, clipped to ``[256, 65536]``
   (τ ∈ [1/16, 16]).
2. Logits are scaled to integer steps of 1/16 nat:
   ``q = rint(float64(logit) · 16 · 4096 / τ_q)``.  (The rounding error costs
   < 10⁻³ bit per symbol; it also absorbs the last ulp of the division.)
3. ``d = max(q) − q`` per row, and weights ``w = E[min(d, K)]`` from a fixed
   table ``E[k] = round(2^30 · exp(−k/16))`` (``E[K] = 0``): an integer softmax
   numerator.  ``E`` is frozen by a golden hash in the tests.
4. Frequencies summing to ``2^20``: ``f = 1 + ⌊w · (2^20 − 256) / Σw⌋`` (every
   value keeps at least 1, so any pixel stays codable), and the remainder
   ``2^20 − Σf`` goes to the first most probable value.

The range coder receives ``f / 2^20`` as float32, which is exact, and
quantises it with its own deterministic fixed-point rule.  Nothing here
depends on threads, batching or SIMD width: only the model's logits must be
bit-identical on both sides.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from ddm_sscc.codec.gather import gather
from ddm_sscc.codec.tokens import VOCAB_SIZE
from ddm_sscc.errors import CodecError

TABLE_BITS = 20
TABLE_TOTAL = 1 << TABLE_BITS
LOGIT_STEPS_PER_NAT = 16
TEMPERATURE_STEPS = 4096
TEMPERATURE_RANGE = (TEMPERATURE_STEPS // 16, TEMPERATURE_STEPS * 16)
_EXP_BITS = 30


def _exp_table() -> np.ndarray:
    values = []
    k = 0
    while True:
        value = round((1 << _EXP_BITS) * math.exp(-k / LOGIT_STEPS_PER_NAT))
        values.append(value)
        if value == 0:
            return np.asarray(values, dtype=np.int64)
        k += 1


EXP_TABLE = _exp_table()
"""``E[k] = round(2^30 · exp(−k/16))``, ending with its first 0."""
_EXP_LAST = len(EXP_TABLE) - 1
_EXP_TABLE_T = torch.from_numpy(EXP_TABLE)


def quantize_temperature(temperature: float) -> int:
    """τ → integer ``τ_q`` (units of 1/4096), clipped to τ ∈ [1/16, 16]."""
    if not math.isfinite(temperature) or temperature <= 0:
        raise CodecError(f"temperature must be finite and > 0, got {temperature}")
    lo, hi = TEMPERATURE_RANGE
    return min(max(round(temperature * TEMPERATURE_STEPS), lo), hi)


def frequency_tables(logits: torch.Tensor | np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """Integer tables of ``softmax(logits / τ)``.

    Args:
        logits: float ``(n, 256)``, a torch tensor (any device) or numpy array.
        temperature: τ > 0.

    Returns:
        int64 ``(n, 256)``; every entry ≥ 1 and every row sums to ``2^20``.
    """
    logits = torch.as_tensor(logits).detach().to(device="cpu")
    if logits.ndim != 2 or logits.shape[1] != VOCAB_SIZE:
        raise CodecError(f"model logits must have shape (n, {VOCAB_SIZE}), got {tuple(logits.shape)}")
    scale = LOGIT_STEPS_PER_NAT * TEMPERATURE_STEPS / quantize_temperature(temperature)
    out = torch.empty(logits.shape, dtype=torch.int64)
    # Row chunks keep the temporaries in cache; rows are independent, so chunking
    # (like torch's threading) cannot change a bit: every operation below is
    # integer or exactly rounded IEEE arithmetic.
    for lo in range(0, len(logits), _CHUNK_ROWS):
        _tables_into(logits[lo : lo + _CHUNK_ROWS], scale, out[lo : lo + _CHUNK_ROWS])
    return out.numpy()


_CHUNK_ROWS = 512


def _tables_into(logits: torch.Tensor, scale: float, out: torch.Tensor) -> None:
    q = torch.round(logits.to(torch.float64) * scale)  # round half to even, like numpy.rint
    top_q = q.max(dim=1, keepdim=True).values
    if not bool(torch.isfinite(top_q).all()):  # NaN propagates into the max; -inf logits are allowed
        raise CodecError("model produced NaN or +inf logits")
    d = (top_q - q).clamp_(max=_EXP_LAST).to(torch.int64)
    weights = _EXP_TABLE_T[d]
    total = weights.sum(dim=1, keepdim=True)
    torch.floor_divide(weights.mul_(TABLE_TOTAL - VOCAB_SIZE), total, out=out)
    out.add_(1)
    top = torch.argmin(d, dim=1, keepdim=True)  # first most probable value
    out.scatter_add_(1, top, TABLE_TOTAL - out.sum(dim=1, keepdim=True))


def table_probabilities(freqs: np.ndarray) -> np.ndarray:
    """Integer tables → the probabilities the range coder takes.

    float32 is exact here: every ``f / 2^20`` and every partial sum of them is a
    multiple of ``2^-20`` below 1, which needs at most 20 mantissa bits.
    """
    return freqs.astype(np.float32) * np.float32(1.0 / TABLE_TOTAL)



# --- Discretised logistic mixtures (the integer feature model) -------------------------------
#
# The second input the choke point accepts: a K-component logistic mixture given
# entirely in integers, so no float function (exp, sigmoid) is evaluated while
# coding.  Recipe (part of the model's weights file, whose SHA-256 is in the header):
#
# 1. Bin edges ``e = x + ½`` for x = 0..254, in 1/16 pixel: ``16x + 8``.
# 2. Per component, ``z = (e − μ) / s`` in 2^-20 units: ``(16e − μ_q) · R[j]`` with
#    ``R[j] = round(2^16 / s_j)`` from the weights file; clamped to ``[−16, 16)``.
# 3. ``CDF(z)`` by linear interpolation in the file's table ``σ`` sampled every 1/64
#    (integers, 2^28 = 1): ``C[i] + ((C[i+1] − C[i]) · frac) >> 14``.
# 4. Bin masses are differences of the CDF with 0 below the first and 2^28 above
#    the last edge; components are weighted by ``π_k = ⌊4096 · E[d_k] / Σ E[d]⌋``,
#    ``d_k = max(logit) − logit_k`` in 1/16 nat with the exponential table above.
# 5. The mixture mass becomes frequencies exactly as step 4 of the logits recipe.

CDF_ONE = 1 << 28
CDF_Z_LIMIT = 16
CDF_STEPS_PER_UNIT = 64
CDF_FRACTION_BITS = 14
_Z_ONE = 1 << 20
MIXTURE_WEIGHT_TOTAL = 4096


def logistic_cdf_table() -> np.ndarray:
    """``round(2^28 · σ(z))`` for ``z = k/64``, ``k = −1024..1024``: int64 (2049,).

    Computed once when weights are made and stored in the weights file, so coding
    never depends on this machine's ``exp``.
    """
    z = np.arange(-CDF_Z_LIMIT * CDF_STEPS_PER_UNIT, CDF_Z_LIMIT * CDF_STEPS_PER_UNIT + 1) / CDF_STEPS_PER_UNIT
    return np.asarray([round(CDF_ONE / (1.0 + math.exp(-v))) for v in z], dtype=np.int64)


MEAN_Q_RANGE = (-64 * 16, 320 * 16 - 1)
"""Component means are clamped to [−64, 320) pixels (in 1/16 pixel) before the tables."""


class LogisticMixtureTables:
    """Integer tables of discretised logistic mixtures, from a model's stored constants.

    The CDF at every bin edge depends only on the scale index ``j``, the sixteenth
    ``f = μ_q mod 16`` and the whole-pixel distance ``k = x − ⌊μ_q/16⌋``, so the recipe's
    values are computed once here for every ``(j, f, k)`` (with the recipe's exact integer
    steps) and a table row is then a contiguous slice: coding does no arithmetic per
    bin beyond the mixture sum.

    Args:
        reciprocals: int64 ``(J,)``: ``round(2^16 / s_j)``.
        cdf_table: int64 ``(2049,)``, from :func:`logistic_cdf_table` as stored.
    """

    _K_LOW, _K_HIGH = -(MEAN_Q_RANGE[1] // 16) - 1, 255 - (MEAN_Q_RANGE[0] // 16) + 1

    def __init__(self, reciprocals: torch.Tensor, cdf_table: torch.Tensor) -> None:
        self.scales = len(reciprocals)
        self.reciprocals = reciprocals
        k = torch.arange(self._K_LOW, self._K_HIGH + 1, dtype=torch.int64)
        f = torch.arange(16, dtype=torch.int64)
        u = 16 * k[None, :] - f[:, None] + 8  # edge x + ½ minus the mean, in 1/16 pixel
        z = u[None, :, :] * reciprocals[:, None, None]
        cdf = _interpolate(z, cdf_table)  # (J, 16, L)
        steps = torch.zeros_like(cdf)  # cdf[l] − cdf[l − 1]: the mass of one inner value
        steps[:, :, 1:] = cdf[:, :, 1:] - cdf[:, :, :-1]
        self._length = cdf.shape[2]
        self._cdf = cdf.reshape(-1)
        self._steps = steps.reshape(-1)
        self._mass = self._steps.to(torch.float64)  # integers < 2^29: exact
        self._mass_windows = self._mass.unfold(0, VOCAB_SIZE, 1)
        self._narrow_windows: dict[int, torch.Tensor] = {}

    def whole_pixels(self, means_q: torch.Tensor) -> torch.Tensor:
        """``⌊μ/16⌋`` of the clamped means: the whole pixel a table row is built around, int64."""
        return means_q.clamp(*MEAN_Q_RANGE) >> 4

    def narrow_reach(self, reach: int) -> torch.Tensor:
        """``⌈reach · 2^16 / recip_j⌉`` for every scale index ``j``: ``reach`` scales in whole pixels, int64 ``(J,)``."""
        return -torch.div(-reach * 65536, self.reciprocals, rounding_mode="floor")

    def _starts(self, means_q: torch.Tensor, scale_index: torch.Tensor) -> torch.Tensor:
        mean = means_q.clamp(*MEAN_Q_RANGE)
        whole, sixteenth = mean >> 4, mean & 15
        low, high = torch.aminmax(scale_index) if scale_index.numel() else (0, 0)
        if int(low) < 0 or int(high) >= self.scales:
            raise CodecError("scale index out of range")
        return (scale_index * 16 + sixteenth) * self._length + (-whole - self._K_LOW)

    def masses(self, means_q: torch.Tensor, scale_index: torch.Tensor, logits_q: torch.Tensor) -> torch.Tensor:
        """Unnormalised mixture masses of all 256 values: float64 ``(n, 256)`` holding integers < 2^42.

        Every product and sum here is an integer below 2^53, so float64 is exact.
        """
        out = torch.empty((len(means_q), VOCAB_SIZE), dtype=torch.float64)
        self._masses_into(out, *self.mixture(means_q, scale_index, logits_q))
        return out

    def mixture(self, means_q: torch.Tensor, scale_index: torch.Tensor,
                 logits_q: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """Per row: window starts int64 ``(n, K)``, weights float64 ``(n, K)`` and the masses of the two
        end values (everything below the first edge, above the last), float64 ``(n,)`` each."""
        starts = self._starts(means_q, scale_index)
        weights = mixture_weights(logits_q)
        first = (gather(self._cdf, starts) * weights).sum(dim=1)
        last = ((CDF_ONE - gather(self._cdf, starts + VOCAB_SIZE - 2)) * weights).sum(dim=1)
        return starts, weights.to(torch.float64), first.to(torch.float64), last.to(torch.float64)

    def _masses_into(self, out: torch.Tensor, starts: torch.Tensor, weights: torch.Tensor, first: torch.Tensor,
                     last: torch.Tensor) -> None:
        """The masses of :meth:`masses` for rows given by :meth:`mixture`, into float64 ``out``."""
        torch.mul(torch.index_select(self._mass_windows, 0, starts[:, 0]), weights[:, 0:1], out=out)
        for k in range(1, starts.shape[1]):
            out.addcmul_(torch.index_select(self._mass_windows, 0, starts[:, k]), weights[:, k : k + 1])
        out[:, 0] = first
        out[:, VOCAB_SIZE - 1] = last

    def masses_at(self, means_q: torch.Tensor, scale_index: torch.Tensor, logits_q: torch.Tensor,
                  values: torch.Tensor) -> torch.Tensor:
        """Unnormalised mixture mass of one value per row: int64 ``(n,)`` (the row's total is 2^28·4096-ish)."""
        return self.masses_at_scales(means_q, scale_index[:, :, None], mixture_weights(logits_q), values)[:, 0]

    def masses_at_scales(self, means_q: torch.Tensor, scale_index: torch.Tensor, weights: torch.Tensor,
                         values: torch.Tensor) -> torch.Tensor:
        """:meth:`masses_at` under ``D`` alternative scale indices at once: int64 ``(n, D)``.

        Args:
            means_q: int64 ``(n, K)``.
            scale_index: int64 ``(n, K, D)``.
            weights: int64 ``(n, K)``, from :func:`mixture_weights`.
            values: int64 ``(n,)``.
        """
        starts = self._starts(means_q[:, :, None], scale_index)
        # inner values: one gather of the CDF's steps; the two end values hold the tails
        mass = gather(self._steps, starts + values.clamp(1, VOCAB_SIZE - 2)[:, None, None])
        ends = torch.nonzero((values == 0) | (values == VOCAB_SIZE - 1))[:, 0]
        if len(ends):
            at, lowest = starts[ends], (values[ends] == 0)[:, None, None]
            mass[ends] = torch.where(lowest, gather(self._cdf, at), CDF_ONE - gather(self._cdf, at + VOCAB_SIZE - 2))
        return (mass * weights[:, :, None]).sum(dim=1)  # int64, exact

    def frequencies(self, means_q: torch.Tensor, scale_index: torch.Tensor, logits_q: torch.Tensor) -> np.ndarray:
        """Integer tables: int64 ``(n, 256)``, every entry ≥ 1, rows summing to ``2^20``."""
        return self.frequencies_of_rows(*self.mixture(means_q, scale_index, logits_q))

    def frequencies_of_rows(self, starts: torch.Tensor, weights: torch.Tensor, first: torch.Tensor,
                            last: torch.Tensor) -> np.ndarray:
        """:meth:`frequencies` of rows given by :meth:`mixture`."""
        out = torch.empty((len(starts), VOCAB_SIZE), dtype=torch.int64)
        mass = torch.empty((min(len(starts), _CHUNK_ROWS), VOCAB_SIZE), dtype=torch.float64)
        for lo in range(0, len(starts), _CHUNK_ROWS):
            sl = slice(lo, lo + _CHUNK_ROWS)
            part = mass[: len(starts[sl])]  # chunks keep the float rows in cache
            self._masses_into(part, starts[sl], weights[sl], first[sl], last[sl])
            _normalise_float_into(part, out[sl])
        return out.numpy()

    def window_masses(self, starts: torch.Tensor, weights: torch.Tensor, first: torch.Tensor, last: torch.Tensor,
                      window_start: torch.Tensor, width: int) -> torch.Tensor:
        """The masses of values ``window_start .. window_start + width − 1`` of rows given by
        :meth:`mixture`, as :meth:`masses` has them: float64 ``(n, width + 1)``, the last
        column left zero (for the caller's escape)."""
        windows = self._narrow_windows.get(width)
        if windows is None:
            windows = self._narrow_windows[width] = self._mass.unfold(0, width, 1)
        out = torch.zeros((len(starts), width + 1), dtype=torch.float64)
        body = out[:, :width]
        torch.mul(torch.index_select(windows, 0, starts[:, 0] + window_start), weights[:, 0:1], out=body)
        for k in range(1, starts.shape[1]):
            body.addcmul_(torch.index_select(windows, 0, starts[:, k] + window_start), weights[:, k : k + 1])
        at_first, at_last = window_start == 0, window_start + width == VOCAB_SIZE
        out[:, 0] = torch.where(at_first, first, out[:, 0])
        out[:, width - 1] = torch.where(at_last, last, out[:, width - 1])
        return out


def _interpolate(z: torch.Tensor, cdf_table: torch.Tensor) -> torch.Tensor:
    """Steps 2–3 of the recipe: ``z`` in 2^-20 units → CDF in 2^-28 units."""
    z = z.clamp(-CDF_Z_LIMIT * _Z_ONE, CDF_Z_LIMIT * _Z_ONE - 1)
    shift = 20 - _log2_exact(CDF_STEPS_PER_UNIT)
    index = (z >> shift) + CDF_Z_LIMIT * CDF_STEPS_PER_UNIT
    frac = z & ((1 << shift) - 1)
    low = cdf_table[index]
    return low + (((cdf_table[index + 1] - low) * frac) >> shift)


def mixture_weights(logits_q: torch.Tensor) -> torch.Tensor:
    """``π_k = ⌊4096 · E[d_k] / Σ E[d]⌋`` from logits in 1/16 nat: int64 ``(n, K)``."""
    d = (logits_q.max(dim=1, keepdim=True).values - logits_q).clamp_(max=_EXP_LAST)
    weights = gather(_EXP_TABLE_T, d)
    return torch.div(weights * MIXTURE_WEIGHT_TOTAL, weights.sum(dim=1, keepdim=True), rounding_mode="floor")


def _log2_exact(value: int) -> int:
    assert value & (value - 1) == 0
    return value.bit_length() - 1


def normalise_masses(mass: torch.Tensor) -> np.ndarray:
    """:func:`_normalise_float_into` into a new int64 array (rows of any width ``n ≤ 256``)."""
    out = torch.empty(mass.shape, dtype=torch.int64)
    _normalise_float_into(mass, out)
    return out.numpy()


def _normalise_float_into(mass: torch.Tensor, out: torch.Tensor) -> None:
    """Step 5 of the mixture recipe: ``f = 1 + ⌊m · ((2^20 − n) / Σm)⌋`` for rows of ``n``
    entries (256 for full tables), the rest to the first mode.

    ``m`` holds integers < 2^53, so ``Σm`` is exact in any order; the quotient and the
    product are single correctly rounded IEEE operations, the same on every CPU.  Their
    rounding can only lose mass (never push ``Σf`` past ``2^20``): the remainder absorbs it.
    ``mass`` is overwritten.
    """
    top = first_modes(mass)
    out.copy_(floored_masses(mass, mass.shape[1]))
    out.scatter_add_(1, top, TABLE_TOTAL - out.sum(dim=1, keepdim=True))


def first_modes(mass: torch.Tensor) -> torch.Tensor:
    """The column of each row's first largest mass: int64 ``(n, 1)``, where the recipe puts the remainder."""
    # numpy's argmax (first maximum, like torch's) is about ten times faster on these rows
    return torch.from_numpy(np.argmax(mass.numpy(), axis=1)[:, None])


def floored_masses(mass: torch.Tensor, reserve: int) -> torch.Tensor:
    """``1 + ⌊m · ((2^20 − reserve) / Σm)⌋`` per entry (float64, exact integers), in place of
    ``mass``: step 5 of the mixture recipe before the remainder. ``reserve`` is the number of
    entries of the full row whose floors of 1 the scale leaves room for."""
    factor = (TABLE_TOTAL - reserve) / mass.sum(dim=1, keepdim=True)
    return mass.mul_(factor).floor_().add_(1)
