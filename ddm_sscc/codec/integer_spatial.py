"""The spatial net in integer arithmetic: what the codec runs once per step.

:func:`quantize_spatial` turns the float :class:`~ddm_sscc.codec.feature_network.SpatialNet`
into 8-bit weights, integer biases and a power-of-two shift per output channel; activations
are bytes (0..255).  Inference is exact on any CPU:

* each convolution is an ``unfold`` (a copy) and a float32 matrix product of integers.  Every
  product and every partial sum is an integer of magnitude below ``2^24`` (inputs ≤ 1020,
  weights ≤ 127, at most ``4·9`` terms in the first layer and ``56·9`` in the others), so
  float32 holds it exactly and no summation order, blocking, FMA or SIMD width can change a
  bit.  No Winograd or FFT algorithm is involved: the product is a plain GEMM;
* the bias is added and the result rescaled in int64 (an arithmetic shift, which floors),
  then clamped to ``0..255`` (the ReLU).

The output bytes are the features' 1/256 units (``FEATURE_SCALE``), so the integer MLP reads
them as more feature columns.  The canvas is processed in bands of cell rows with a halo
as deep as the net, which bounds the memory for large images without changing a value.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from ddm_sscc.codec.feature_network import SPATIAL_INPUT_SCALE, SpatialNet
from ddm_sscc.codec.spatial_features import PLANE_LIMIT

WEIGHT_LIMIT = 127
ACTIVATION_MAX = 255
OUTPUT_SHIFT = 8
"""The last layer's outputs are in 1/256 units, like the other features."""
MAX_WIDTH = 40
"""Widest hidden layer whose 3×3 sums stay below 2^24 (see the asserts below)."""
BAND_ROWS = 64
"""Cell rows per band (memory only: the values do not depend on it)."""
BIAS_LIMIT = 1 << 21
"""Biases (and the rounding half, ``2^(s−1)`` with ``s ≤ 21``) stay below this, so ``|sum| < 2^24``."""
_INPUT_SHIFT = 10
assert SPATIAL_INPUT_SCALE == 1 << _INPUT_SHIFT
assert PLANE_LIMIT * WEIGHT_LIMIT * 9 * 4 + 2 * BIAS_LIMIT < 1 << 24
assert ACTIVATION_MAX * WEIGHT_LIMIT * 9 * MAX_WIDTH + 2 * BIAS_LIMIT < 1 << 24


@dataclass
class IntegerConv:
    """``out = clamp(⌊(W ⋆ x + b + 2^(s−1)) · 2^−s⌋, 0, 255)`` for one layer, in float32 holding integers.

    Attributes:
        taps: float32 ``(k, k, out, in)``, integers ≤ ``WEIGHT_LIMIT``: the weight of each kernel tap.
        bias: float32 ``(out, 1)``: the bias plus the rounding half, ``|·| < 2^22``.
        scale: float32 ``(out, 1)``: ``2^−s``, each ``s ≥ 1``.
    """

    taps: torch.Tensor
    bias: torch.Tensor
    scale: torch.Tensor

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        """float32 ``(in, h, w)`` of integers → float32 ``(out, h, w)`` of bytes."""
        kernel = self.taps.shape[0]
        pad = kernel // 2
        _, height, width = x.shape
        padded = F.pad(x, (pad, pad, pad, pad)) if pad else x
        acc = self.bias.expand(-1, height * width).clone()
        # one GEMM per tap, over the shifted canvas: a plain sum of products of integers, whose
        # partial sums stay below 2^24, so float32 is exact whatever the order or kernel
        for ky in range(kernel):
            for kx in range(kernel):
                shifted = padded[:, ky : ky + height, kx : kx + width].reshape(x.shape[0], -1)
                acc.add_(self.taps[ky, kx] @ shifted)
        return torch.floor_(acc.mul_(self.scale)).clamp_(0, ACTIVATION_MAX).reshape(-1, height, width)


class IntegerSpatialNet:
    """The layers of one layout's spatial net; ``maps(planes)`` gives int64 ``(h·w, S)`` bytes."""

    def __init__(self, layers: list[IntegerConv]) -> None:
        self.layers = layers
        self.depth = sum(layer.taps.shape[0] // 2 for layer in layers)

    def maps(self, planes: torch.Tensor) -> torch.Tensor:
        """Features of every cell from int64 planes ``(C+1, h, w)``: int64 ``(h·w, S)``."""
        _, height, _ = planes.shape
        x = planes.to(torch.float32)
        bands = []
        for top in range(0, height, BAND_ROWS):
            lo, hi = max(0, top - self.depth), min(height, top + BAND_ROWS + self.depth)
            y = x[:, lo:hi]
            for layer in self.layers:
                y = layer(y)
            bands.append(y[:, top - lo : top - lo + min(BAND_ROWS, height - top)])
        out = torch.cat(bands, dim=1)
        return out.reshape(out.shape[0], -1).T.to(torch.int64)


def quantize_spatial(net: SpatialNet, planes: torch.Tensor) -> dict[str, torch.Tensor]:
    """Integer tensors ``weight{i}``, ``bias{i}``, ``shift{i}`` (int64) of a float spatial net.

    Args:
        net: the trained float net.
        planes: int64 ``(B, C+1, h, w)`` calibration canvases: hidden activation ranges are
            measured on them.
    """
    convs = [m for m in net.net if isinstance(m, torch.nn.Conv2d)]
    x = planes.to(torch.float32) / SPATIAL_INPUT_SCALE
    in_shift = _INPUT_SHIFT
    tensors: dict[str, torch.Tensor] = {}
    for i, conv in enumerate(convs):
        last = i == len(convs) - 1
        w = conv.weight.detach().to(torch.float64).reshape(conv.out_channels, -1)
        b = conv.bias.detach().to(torch.float64)
        if last:
            act_shift = OUTPUT_SHIFT
        else:
            with torch.no_grad():
                x = torch.relu(conv(x))
            peak = max(float(x.max()), 1e-6)
            act_shift = int(torch.floor(torch.log2(torch.tensor(ACTIVATION_MAX / peak))))
        peak_w = w.abs().amax(dim=1).clamp(min=1e-12)
        exponent = torch.floor(torch.log2(WEIGHT_LIMIT / peak_w)).to(torch.int64)
        bias_room = torch.floor(torch.log2((BIAS_LIMIT - 1) / b.abs().clamp(min=1e-12))).to(torch.int64) - in_shift
        exponent = torch.minimum(exponent, bias_room)  # |bias| < BIAS_LIMIT, at some cost in weight precision
        exponent = torch.maximum(exponent, torch.full_like(exponent, act_shift + 1 - in_shift))  # shift ≥ 1
        tensors[f"weight{i}"] = torch.round(w * torch.pow(2.0, exponent.to(torch.float64))[:, None]).clamp(
            -WEIGHT_LIMIT, WEIGHT_LIMIT).to(torch.int64).reshape(conv.weight.shape)
        if last:
            b = b + 0.5  # SpatialNet's output offset
        tensors[f"bias{i}"] = torch.round(b * torch.pow(2.0, (exponent + in_shift).to(torch.float64))).to(torch.int64)
        tensors[f"shift{i}"] = exponent + in_shift - act_shift
        in_shift = act_shift
    return tensors


def build_spatial(tensors: dict[str, torch.Tensor]) -> IntegerSpatialNet:
    """A runnable net from :func:`quantize_spatial`'s tensors (or a weights file's)."""
    count = sum(1 for name in tensors if name.startswith("weight"))
    layers = []
    for i in range(count):
        shift = tensors[f"shift{i}"][:, None]
        layers.append(IntegerConv(taps=tensors[f"weight{i}"].permute(2, 3, 0, 1).to(torch.float32).contiguous(),
                                  bias=(tensors[f"bias{i}"][:, None] + (1 << (shift - 1))).to(torch.float32),
                                  scale=torch.pow(2.0, -shift.to(torch.float64)).to(torch.float32)))
    return IntegerSpatialNet(layers)


def check_spatial(tensors: dict[str, torch.Tensor], inputs: int, width: int, outputs: int, layers: int) -> None:
    """Raise ValueError unless the tensors have the config's shapes and the exactness bounds hold."""
    shapes = [(width, inputs, 3, 3)] + [(width, width, 3, 3)] * (layers - 1) + [(outputs, width, 1, 1)]
    if width > MAX_WIDTH:
        raise ValueError(f"spatial width {width} is above {MAX_WIDTH}: its sums would not be exact in float32")
    for i, shape in enumerate(shapes):
        weight, bias, shift = tensors[f"weight{i}"], tensors[f"bias{i}"], tensors[f"shift{i}"]
        if tuple(weight.shape) != shape or bias.shape != (shape[0],) or shift.shape != (shape[0],):
            raise ValueError(f"spatial layer {i} has shape {tuple(weight.shape)}, expected {shape}")
        if (weight.dtype != torch.int64 or int(weight.abs().max()) > WEIGHT_LIMIT or int(bias.abs().max()) >= BIAS_LIMIT
                or int(shift.min()) < 1 or int(shift.max()) > 21):
            raise ValueError(f"spatial layer {i} is outside the integer ranges")
