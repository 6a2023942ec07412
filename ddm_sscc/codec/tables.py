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

