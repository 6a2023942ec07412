"""The feature network in integer arithmetic: what the codec runs.

Quantisation (:func:`quantize`) turns the float training network
(:mod:`ddm_sscc.codec.feature_network`) into integer weights, integer biases
and one power-of-two shift per output row.  Inference is exact on any CPU:

* every layer is a matrix product of integers.  It is computed as a float64
  GEMM, which is *exact* because every product and every partial sum is an
  integer below ``2^53`` (features ≤ 2^12, activations < 2^15, weights
  ≤ 2^14, ≤ 512 inputs: sums stay below 2^42), so no summation order,
  blocking, FMA or SIMD width can change a bit;
* the rescale to the next layer's grid is a multiplication by a power of two
  (exact) and a floor (exact); ReLU and the clamp are exact.

That is the ``float64`` arithmetic of the models up to ``ddm-featmlp-lattice-v6``.  The
``float32`` arithmetic (:class:`Arithmetic`, from ``ddm-featmlp-lattice-v7``) runs the same
kind of integer layers as float32 GEMMs (3-4 times the float64 speed on CPUs without AVX-512),
just as exact: every row's weights are quantised so that ``Σ|w|`` (hidden layers, whose inputs
are ≥ 0: ``max(Σw⁺, Σw⁻)``) times the largest input, plus the bias remainder the GEMM carries,
stays ≤ 2^24, below which every float32 integer and partial sum is exact.  Hidden activations
are clamped to 12 bits; the features (13 bits with sign) enter the first layer as two 7-bit
limbs ``x = 2^7·hi + lo``, two GEMMs; the rescale is a power of two and a floor, in float32
(:class:`Float32Layer`).  From ``ddm-featmlp-lattice-v8`` the features enter in one GEMM
instead: the first layer clamps each feature to its column's limit
(:func:`~ddm_sscc.codec.local_features.feature_limits`), and a row's bound is
``Σ|w_j|·limit_j`` (:data:`FLOAT32_COLUMN_LIMITS`).  The loader checks the bound on every row,
so a file that would not be exact is refused (:mod:`ddm_sscc.codec.feature_weights`).

Outputs per component, all integers: the mean offset in 1/16 pixel, the
log-scale index (steps of 1/16 in ``ln s`` from ``LOG_SCALE_MIN``) and the
mixture logit in 1/16 nat.  :mod:`ddm_sscc.codec.mixture_tables` makes the
integer frequency tables from them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import torch

from ddm_sscc.codec.feature_network import (
    FEATURE_SCALE,
    HEADS,
    LOG_SCALE_MAX,
    LOG_SCALE_MIN,
    LOG_SCALE_OFFSET,
    MEAN_GAIN,
    FeatureNetwork,
)
from ddm_sscc.codec.local_features import FEATURE_LIMIT, VALUE_SCALE, feature_limits
from ddm_sscc.codec.threads import gemm_threads

WEIGHT_LIMIT = (1 << 14) - 1
ACTIVATION_LIMIT = (1 << 15) - 1
ACTIVATION_TARGET = 1 << 13
"""Hidden activations are scaled so the largest seen in calibration lands near here."""
MEAN_STEPS = 16
LOG_SCALE_STEPS = 16
LOGIT_STEPS = 16
SCALE_INDICES = int(round((LOG_SCALE_MAX - LOG_SCALE_MIN) * LOG_SCALE_STEPS)) + 1
_INPUT_SHIFT = 8  # features are the float network's inputs times 2^8 (FEATURE_SCALE)
assert FEATURE_SCALE == 1 << _INPUT_SHIFT
FLOAT32_EXACT = 1 << 24
"""Every integer of magnitude ≤ 2^24 is exact in float32: the bound of a float32 GEMM's partial sums."""


@dataclass(frozen=True)
class Arithmetic:
    """How a weights file's integer layers compute their products (its metadata ``arithmetic``).

    Attributes:
        gemm: ``"float64"`` (one float64 GEMM per layer; the ranges in the module docstring) or
            ``"float32"`` (float32 GEMMs whose rows keep the 2^24 bound).
        activation_limit: hidden activations are clamped to ``[0, activation_limit]``.
        input_limb_bits: ``b`` > 0 splits the features into ``2^b·hi + lo`` (float32 only).
        value_limit: > 0 (float32 without limbs): the first layer clamps every feature to its
            column's bound (:func:`~ddm_sscc.codec.local_features.feature_limits`, the values
            relative to the base prediction to ``±value_limit``), and a row's bound is
            ``Σ|w_j|·limit_j`` instead of ``Σ|w|·FEATURE_LIMIT``; 0: no column limits.
    """

    gemm: str = "float64"
    activation_limit: int = ACTIVATION_LIMIT
    input_limb_bits: int = 0
    value_limit: int = 0

    def __post_init__(self) -> None:
        if self.gemm not in ("float64", "float32"):
            raise ValueError(f"gemm must be float64 or float32, got {self.gemm!r}")
        if self.gemm == "float64" and (self.activation_limit, self.input_limb_bits) != (ACTIVATION_LIMIT, 0):
            raise ValueError("float64 arithmetic has no activation_limit or input_limb_bits of its own")
        if not (isinstance(self.activation_limit, int) and 1 <= self.activation_limit <= ACTIVATION_LIMIT):
            raise ValueError(f"activation_limit must be an integer in [1, {ACTIVATION_LIMIT}], got {self.activation_limit!r}")
        if not (isinstance(self.input_limb_bits, int) and 0 <= self.input_limb_bits <= 12):
            raise ValueError(f"input_limb_bits must be an integer in [0, 12], got {self.input_limb_bits!r}")
        if not (isinstance(self.value_limit, int) and 0 <= self.value_limit <= FEATURE_LIMIT):
            raise ValueError(f"value_limit must be an integer in [0, {FEATURE_LIMIT}], got {self.value_limit!r}")
        if self.value_limit and (self.gemm, self.input_limb_bits) != ("float32", 0):
            raise ValueError("value_limit needs the float32 arithmetic without limbs")

    def input_limits(self, channels: int, channel: int, planes: bool = False, lattice: bool = False,
                     **groups: bool) -> torch.Tensor | None:
        """int64 ``(F,)`` bound of each feature of head ``(channels, channel)`` under the feature groups
        (:meth:`~ddm_sscc.codec.feature_network.FeatureNetworkConfig.feature_groups`); None without column limits."""
        if not self.value_limit:
            return None
        return feature_limits(channel, channels, planes, lattice, self.value_limit, **groups)

    def exact_rows(self, weight: torch.Tensor, bias: torch.Tensor, shift: torch.Tensor, layer: int,
                   last: bool, input_limits: torch.Tensor | None = None) -> torch.Tensor:
        """bool ``(out,)``: rows whose float32 values provably stay ≤ 2^24 (all rows for float64).

        A partial sum of a row is bounded by its weights' mass times the largest input (hidden
        inputs are ≥ 0, so ``max(Σw⁺, Σw⁻)`` is the mass there, and ``Σ|w|`` for the features,
        or ``Σ|w_j|·limit_j`` with column limits: the first layer's ``input_limits``, from
        :meth:`input_limits`); a hidden layer's GEMMs also carry the bias remainder, and the
        first layer's second GEMM the carry from its first (:class:`Float32Layer`)."""
        if self.gemm == "float64":
            return torch.ones(weight.shape[0], dtype=torch.bool)
        w = weight.to(torch.int64)
        if layer == 0 and self.value_limit:
            if input_limits is None or input_limits.shape != (w.shape[1],):
                raise ValueError("the first layer of an arithmetic with column limits needs one limit per feature")
            mass, largest = (w.abs() * input_limits).sum(dim=1), 1
        elif layer == 0:
            mass, largest = w.abs().sum(dim=1), FEATURE_LIMIT
        else:
            mass = torch.maximum(w.clamp(min=0).sum(dim=1), (-w).clamp(min=0).sum(dim=1))
            largest = self.activation_limit
        if last:  # one GEMM, bias and rescale in float64
            return mass * largest <= FLOAT32_EXACT
        unit = torch.ones_like(shift) << shift.clamp(0, 62)
        remainder = torch.remainder(bias, unit) + (unit >> 1)
        b = self.input_limb_bits
        if layer > 0 or not b:
            return mass * largest + remainder <= FLOAT32_EXACT
        low = mass * ((1 << b) - 1) + remainder
        high = mass * -(-(FEATURE_LIMIT + 1) >> b) + (low >> b) + 1
        return (shift >= b) & (low <= FLOAT32_EXACT) & (high <= FLOAT32_EXACT)

    def to_dict(self) -> dict:
        fields = {"gemm": self.gemm, "activation_limit": self.activation_limit, "input_limb_bits": self.input_limb_bits}
        return fields | ({"value_limit": self.value_limit} if self.value_limit else {})  # v7's files have no key


FLOAT64 = Arithmetic()
"""The arithmetic of ``ddm-featmlp-int-v1`` to ``ddm-featmlp-lattice-v6`` (files without ``arithmetic``)."""
FLOAT32 = Arithmetic("float32", activation_limit=(1 << 12) - 1, input_limb_bits=7)
"""The arithmetic of new exports: 12-bit activations, 7-bit feature limbs.  Chosen on training
crops with v6's float network (``benchmarks/arithmetic_cost.py``): 0.03 % more bits than
``FLOAT64`` (11-bit activations 0.13 %, 13-bit 0.03 %; the features in one GEMM instead of
limbs 0.09 %, for about half the heads' time)."""
FLOAT32_COLUMN_LIMITS = Arithmetic("float32", activation_limit=(1 << 12) - 1, input_limb_bits=0, value_limit=1023)
"""The arithmetic of new exports since ``ddm-featmlp-lattice-v8``: the features in one float32 GEMM,
each clamped to its column's bound, the values relative to the base prediction to ±1023
(255 pixel levels).  On training crops with v6's float network (``benchmarks/arithmetic_cost.py``)
it codes as :data:`FLOAT32` does (−0.001 %; 165 of 28.5 million features clamped), and the
network stage of a Kodak encode took two thirds of FLOAT32's time (2.1–2.5 s against 3.0–3.7 s
on one thread); against FLOAT32, ``value_limit`` 511 costs +0.05 %, 2047 +0.02 %, one GEMM
without column limits +0.06 %."""


@dataclass
class IntegerLayer:
    """``out = clamp(floor((W·x + b) · 2^-shift + ½))``, with ReLU for hidden layers.

    Attributes:
        weight: float64 ``(out, in)`` holding integers ≤ ``WEIGHT_LIMIT``.
        bias: float64 ``(out,)`` integers.
        scale: float64 ``(out,)``, exact powers of two ``2^-shift``.
        relu: hidden layer (ReLU and clamp to ``ACTIVATION_LIMIT``) or output layer.
    """

    weight: torch.Tensor
    bias: torch.Tensor
    scale: torch.Tensor
    relu: bool

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        """float64 ``(n, in)`` holding integers → float64 ``(n, out)`` holding integers."""
        # one GEMM with the bias, then in place: the same exact operations, without temporaries
        y = torch.addmm(self.bias, x, self.weight.T).mul_(self.scale).add_(0.5).floor_()
        return y.clamp_(0, ACTIVATION_LIMIT) if self.relu else y


class Float32Layer:
    """:class:`IntegerLayer`'s result, ``clamp(floor((W·x + b) · 2^-s + ½))``, from float32 GEMMs.

    Every float32 value below is an integer, or an integer times a power of two, of magnitude
    ≤ 2^24, so every operation is exact (:meth:`Arithmetic.exact_rows` bounds each row):

    * A hidden layer: with ``b = q·2^s + r`` (``0 ≤ r < 2^s``) and ``r' = r + 2^(s-1)``,
      ``floor((W·x + b)·2^-s + ½) = q + floor((W·x + r')·2^-s)``.  The GEMM adds ``r'``; the
      scaling by ``2^-s`` and the floor are exact; adding ``q`` is exact whenever the result is
      inside the clamp (``q`` beyond ±2^25 is clamped, which keeps the side it is on).
    * The first layer splits its features (|x| ≤ 4095) into limbs ``x = 2^L·hi + lo``
      (``0 ≤ lo < 2^L``, |hi| ≤ 2^(12-L)), with ``s ≥ L``:
      ``floor((2^L·W·hi + W·lo + r')·2^-s) = floor((W·hi + u)·2^-(s-L))``, ``u = floor((W·lo + r')·2^-L)``:
      one GEMM for ``W·lo + r'``, one for ``W·hi + u``, then as a hidden layer.
    * The output layer (6 columns) adds its bias and rescales in float64.

    Args:
        weight, bias, shift: int64 ``(out, in)``, ``(out,)``, ``(out,)`` within the bound of
            :meth:`Arithmetic.exact_rows`.
        relu: hidden layer (ReLU and clamp to ``limit``) or output layer.
        limit: the clamp of hidden activations.
        limb_bits: ``L`` > 0 for the first layer.
        input_limits: int64 ``(in,)``: the first layer clamps each input column to ``±limit_j``
            (the column limits of :class:`Arithmetic`); None: no clamp.

    Input float32 ``(n, in)`` holding integers; output float32 (hidden) or float64 (output layer).
    """

    def __init__(self, weight: torch.Tensor, bias: torch.Tensor, shift: torch.Tensor, relu: bool,
                 limit: int, limb_bits: int = 0, input_limits: torch.Tensor | None = None) -> None:
        self.weight_t = weight.to(torch.float32).T
        self.relu, self.limit, self.limb_bits = relu, limit, limb_bits
        self.input_limits = None if input_limits is None else (-input_limits.to(torch.float32), input_limits.to(torch.float32))
        if not relu:
            self.bias = bias.to(torch.float64)
            self.scale = torch.pow(2.0, -shift.to(torch.float64))
            return
        unit = torch.ones_like(shift) << shift
        quotient = torch.div(bias, unit, rounding_mode="floor")
        self.remainder = (bias - quotient * unit + (unit >> 1)).to(torch.float32)
        self.quotient = quotient.clamp(-(1 << 25), 1 << 25).to(torch.float32)
        # 2^-62 and up: normal float32 numbers
        self.scale32 = torch.pow(2.0, -(shift - limb_bits).to(torch.float64)).to(torch.float32)

    def __call__(self, x: torch.Tensor, clamped: bool = False) -> torch.Tensor:
        """``clamped``: ``x`` is already within ``input_limits`` (one pass fewer)."""
        if self.input_limits is not None and not clamped:
            x = torch.clamp(x, *self.input_limits)
        if not self.relu:
            y = torch.mm(x, self.weight_t).to(torch.float64)
            return y.add_(self.bias).mul_(self.scale).add_(0.5).floor_()
        if self.limb_bits:
            unit = float(1 << self.limb_bits)
            hi = torch.floor(x * (1.0 / unit))
            carry = torch.addmm(self.remainder, x - hi * unit, self.weight_t).mul_(1.0 / unit).floor_()
            y = torch.addmm(carry, hi, self.weight_t)
        else:
            y = torch.addmm(self.remainder, x, self.weight_t)
        return y.mul_(self.scale32).floor_().add_(self.quotient).clamp_(0, self.limit)


@contextmanager
def _ieee_float32() -> Iterator[None]:
    """Full float32 products for the duration: ``torch.set_float32_matmul_precision("medium")``
    elsewhere in the process would let oneDNN use bfloat16, which is not exact."""
    matmul = torch.backends.mkldnn.matmul
    before = matmul.fp32_precision
    if before in ("none", "ieee"):
        yield
        return
    matmul.fp32_precision = "ieee"
    try:
        yield
    finally:
        matmul.fp32_precision = before


class IntegerHead:
    """One head's layers: features ``(n, F)`` (int64, or float holding integers) → int64 outputs ``(n, 3K)``."""

    def __init__(self, layers: list[IntegerLayer] | list[Float32Layer], components: int) -> None:
        self.layers = layers
        self.components = components
        self.input_dtype = torch.float32 if isinstance(layers[0], Float32Layer) else torch.float64
        """The dtype features are best made in (both hold them exactly)."""
        limits = getattr(layers[0], "input_limits", None)
        self.input_limits = None if limits is None else limits[1].to(torch.int64)
        """int64 ``(F,)``: the bound the first layer clamps each feature to (column limits); None: no clamp."""

    def __call__(self, feats: torch.Tensor, clamped: bool = False) -> torch.Tensor:
        """``clamped``: every feature is already within :attr:`input_limits`
        (:func:`~ddm_sscc.codec.local_features.features` can clamp to them while it writes them)."""
        x = feats.to(self.input_dtype)
        with _ieee_float32(), gemm_threads():
            x = self.layers[0](x, clamped) if isinstance(self.layers[0], Float32Layer) else self.layers[0](x)
            for layer in self.layers[1:]:
                x = layer(x)
        k = self.components
        out = x.to(torch.int64)
        out[:, k : 2 * k] = (out[:, k : 2 * k] + int(round((LOG_SCALE_OFFSET - LOG_SCALE_MIN) * LOG_SCALE_STEPS))).clamp_(0, SCALE_INDICES - 1)
        return out

    def mixture(self, feats: torch.Tensor, base: torch.Tensor,
                clamped: bool = False) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """The mixture of each row: int64 ``(n, K)`` means (1/16 pixel; ``base`` is in 1/VALUE_SCALE),
        scale indices and logits (1/16 nat); ``clamped`` as in :meth:`__call__`."""
        out = self(feats, clamped)
        k = self.components
        return MEAN_STEPS // VALUE_SCALE * base[:, None] + out[:, :k], out[:, k : 2 * k], out[:, 2 * k :]


def _row_shifts(weight: torch.Tensor, bias: torch.Tensor, in_shift: int,
                out_steps: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-row weight exponent (largest with |W·2^e| ≤ WEIGHT_LIMIT) and the rescale shift to ``out_steps``.

    Rows of (near) zero weights, as in a head that saw no examples, would ask for huge
    exponents: the shift is kept ≤ 62 and the integer bias below 2^39."""
    peak = weight.abs().amax(dim=1).clamp(min=1e-12)
    exponent = torch.floor(torch.log2(WEIGHT_LIMIT / peak)).to(torch.int64)
    out_exp = torch.log2(out_steps).round().to(torch.int64)
    bias_room = torch.floor(torch.log2(2.0**39 / bias.abs().clamp(min=1e-30))).to(torch.int64) - in_shift
    exponent = torch.minimum(exponent, torch.minimum(out_exp - in_shift + 62, bias_room))
    exponent = torch.maximum(exponent, out_exp - in_shift)  # the shift must be ≥ 0
    return exponent, exponent + in_shift - out_exp


def _integer_rows(w: torch.Tensor, b: torch.Tensor, exponent: torch.Tensor, shift: torch.Tensor, in_shift: int,
                  arithmetic: Arithmetic, layer: int, last: bool,
                  input_limits: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Rounded weights, biases and shifts at ``exponent``, lowered row by row until the arithmetic's
    bound holds (the weights halve with every step, and the rescale shift follows)."""
    while True:
        weight = torch.round(w * torch.pow(2.0, exponent.to(torch.float64))[:, None]).clamp(-WEIGHT_LIMIT, WEIGHT_LIMIT)
        bias = torch.round(b * torch.pow(2.0, (exponent + in_shift).to(torch.float64))).to(torch.int64)
        inexact = ~arithmetic.exact_rows(weight, bias, shift, layer, last, input_limits)
        if not inexact.any():
            return weight.to(torch.int64), bias, shift
        if int(shift[inexact].min()) == 0:
            raise ValueError(f"layer {layer}: weights too large for the {arithmetic.gemm} arithmetic's bound")
        exponent, shift = exponent - inexact.to(torch.int64), shift - inexact.to(torch.int64)


def quantize(net: FeatureNetwork, calibration: dict[int, torch.Tensor],
             arithmetic: Arithmetic = FLOAT64) -> list[dict[str, torch.Tensor]]:
    """Integer tensors of every head, from the float network and calibration features per head.

    Returns a list (one per head) of dicts of int64 tensors ``weight{i}``, ``bias{i}``,
    ``shift{i}``; the output layer's rows land on the grids of :class:`IntegerHead`, and every
    row keeps the bound of ``arithmetic``.  With column limits the calibration features are
    clamped to them first, as the heads will clamp.
    """
    # hidden activations: the largest seen in calibration lands at a quarter (float64) or half
    # (float32, whose 12 bits are dearer) of the clamp
    target = ACTIVATION_TARGET if arithmetic.gemm == "float64" else (arithmetic.activation_limit + 1) // 2
    k = net.config.components
    out_steps = torch.tensor([MEAN_STEPS * MEAN_GAIN] * k + [LOG_SCALE_STEPS] * k + [LOGIT_STEPS] * k, dtype=torch.float64)
    heads = []
    for head, mlp in enumerate(net.heads):
        linears = [m for m in mlp if isinstance(m, torch.nn.Linear)]
        limits = arithmetic.input_limits(*HEADS[head], **net.config.feature_groups())
        x = calibration[head] if limits is None else torch.clamp(calibration[head], -limits, limits)
        x = x.to(torch.float32) / FEATURE_SCALE
        in_shift = _INPUT_SHIFT
        tensors: dict[str, torch.Tensor] = {}
        for i, linear in enumerate(linears):
            w = linear.weight.detach().to(torch.float64)
            b = linear.bias.detach().to(torch.float64)
            last = i == len(linears) - 1
            if last:
                steps = out_steps
            else:
                with torch.no_grad():
                    x = torch.relu(linear(x))
                peak = float(x.max()) if len(x) else 1.0
                act_exp = int(torch.floor(torch.log2(torch.tensor(target / max(peak, 1e-6)))))
                steps = torch.full((w.shape[0],), 2.0**act_exp, dtype=torch.float64)
            exponent, shift = _row_shifts(w, b, in_shift, steps)
            weight, bias, shift = _integer_rows(w, b, exponent, shift, in_shift, arithmetic, i, last,
                                                limits if i == 0 else None)
            tensors[f"weight{i}"], tensors[f"bias{i}"], tensors[f"shift{i}"] = weight, bias, shift
            if not last:
                in_shift = int(torch.log2(steps[0]).round())
        heads.append(tensors)
    return heads


def build_heads(tensors: list[dict[str, torch.Tensor]], components: int, arithmetic: Arithmetic = FLOAT64,
                **groups: bool) -> list[IntegerHead]:
    """Runnable heads from the integer tensors of :func:`quantize` (or a weights file), one per
    ``HEADS`` entry; the network's feature groups (``FeatureNetworkConfig.feature_groups()``) give
    the column limits."""
    heads = []
    for (channels, channel), t in zip(HEADS, tensors):
        count = sum(1 for name in t if name.startswith("weight"))
        limits = arithmetic.input_limits(channels, channel, **groups)
        if arithmetic.gemm == "float32":
            layers: list = [
                Float32Layer(t[f"weight{i}"], t[f"bias{i}"], t[f"shift{i}"], relu=i < count - 1,
                             limit=arithmetic.activation_limit,
                             limb_bits=arithmetic.input_limb_bits if i == 0 < count - 1 else 0,
                             input_limits=limits if i == 0 else None)
                for i in range(count)
            ]
        else:
            layers = [
                IntegerLayer(
                    weight=t[f"weight{i}"].to(torch.float64),
                    bias=t[f"bias{i}"].to(torch.float64),
                    scale=torch.pow(2.0, -t[f"shift{i}"].to(torch.float64)),
                    relu=i < count - 1,
                )
                for i in range(count)
            ]
        heads.append(IntegerHead(layers, components))
    return heads
