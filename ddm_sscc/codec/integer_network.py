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

Outputs per component, all integers: the mean offset in 1/16 pixel, the
log-scale index (steps of 1/16 in ``ln s`` from ``LOG_SCALE_MIN``) and the
mixture logit in 1/16 nat.  :mod:`ddm_sscc.codec.mixture_tables` makes the
integer frequency tables from them.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ddm_sscc.codec.feature_network import (
    FEATURE_SCALE,
    LOG_SCALE_MAX,
    LOG_SCALE_MIN,
    LOG_SCALE_OFFSET,
    MEAN_GAIN,
    FeatureNetwork,
)
from ddm_sscc.codec.local_features import VALUE_SCALE

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
        # one GEMM with the bias, then in place: the same exact operations, without temporaries
        y = torch.addmm(self.bias, x, self.weight.T).mul_(self.scale).add_(0.5).floor_()
        return y.clamp_(0, ACTIVATION_LIMIT) if self.relu else y


class IntegerHead:
    """One head's layers: features ``(n, F)`` (int64, or float64 holding integers) → int64 outputs ``(n, 3K)``."""

    def __init__(self, layers: list[IntegerLayer], components: int) -> None:
        self.layers = layers
        self.components = components

    def __call__(self, feats: torch.Tensor) -> torch.Tensor:
        x = feats.to(torch.float64)
        for layer in self.layers:
            x = layer(x)
        k = self.components
        out = x.to(torch.int64)
        out[:, k : 2 * k] = (out[:, k : 2 * k] + int(round((LOG_SCALE_OFFSET - LOG_SCALE_MIN) * LOG_SCALE_STEPS))).clamp_(0, SCALE_INDICES - 1)
        return out

    def mixture(self, feats: torch.Tensor, base: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """The mixture of each row: int64 ``(n, K)`` means (1/16 pixel; ``base`` is in 1/VALUE_SCALE),
        scale indices and logits (1/16 nat)."""
        out = self(feats)
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


def quantize(net: FeatureNetwork, calibration: dict[int, torch.Tensor]) -> list[dict[str, torch.Tensor]]:
    """Integer tensors of every head, from the float network and calibration features per head.

    Returns a list (one per head) of dicts of int64 tensors ``weight{i}``, ``bias{i}``,
    ``shift{i}``; the output layer's rows land on the grids of :class:`IntegerHead`.
    """
    k = net.config.components
    out_steps = torch.tensor([MEAN_STEPS * MEAN_GAIN] * k + [LOG_SCALE_STEPS] * k + [LOGIT_STEPS] * k, dtype=torch.float64)
    heads = []
    for head, mlp in enumerate(net.heads):
        linears = [m for m in mlp if isinstance(m, torch.nn.Linear)]
        x = calibration[head].to(torch.float32) / FEATURE_SCALE
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
                act_exp = int(torch.floor(torch.log2(torch.tensor(ACTIVATION_TARGET / max(peak, 1e-6)))))
                steps = torch.full((w.shape[0],), 2.0**act_exp, dtype=torch.float64)
            exponent, shift = _row_shifts(w, b, in_shift, steps)
            scale = torch.pow(2.0, exponent.to(torch.float64))
            tensors[f"weight{i}"] = torch.round(w * scale[:, None]).clamp(-WEIGHT_LIMIT, WEIGHT_LIMIT).to(torch.int64)
            tensors[f"bias{i}"] = torch.round(b * torch.pow(2.0, (exponent + in_shift).to(torch.float64))).to(torch.int64)
            tensors[f"shift{i}"] = shift
            if not last:
                in_shift = int(torch.log2(steps[0]).round())
        heads.append(tensors)
    return heads


def build_heads(tensors: list[dict[str, torch.Tensor]], components: int) -> list[IntegerHead]:
    """Runnable heads from the integer tensors of :func:`quantize` (or a weights file)."""
    heads = []
    for t in tensors:
        count = sum(1 for name in t if name.startswith("weight"))
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
