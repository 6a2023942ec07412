"""A tiny deterministic model: Laplace tables around local means of revealed pixels.

It has no trained weights and exists so the engine, the container and the
tests work (and are exactly lossless) without the diffusion network; it also
sets the rate any trained model has to beat.  For a queried position it
looks for revealed pixels in square windows of growing radius and centres a
discretised Laplace distribution on their mean, with a scale from their
spread.  For colour it is channel-conditional: channel ``c > 0`` is predicted
as the co-located channel ``c − 1`` (already revealed) plus the local mean of
the difference ``v_c − v_{c−1}``.

Every statistic is an integer box sum (exact in int64), and the float64 steps
after it are IEEE elementwise operations, so the logits are bit-identical on
any thread count.
"""

from __future__ import annotations

import hashlib
import json

import torch

from ddm_sscc.codec.model import StepInfo
from ddm_sscc.codec.tokens import MASK, VOCAB_SIZE

RADII = (1, 2, 3, 5, 8, 12, 18, 27, 40, 60, 90, 135, 200, 300, 450, 700, 1000, 1500, 2300, 3500, 5300, 8000)
MIN_NEIGHBOURS = 6
MIN_SCALE = 0.35
UNCONDITIONED_SCALE = 24.0


class ContextMeanModel:
    """Parameter-free local-mean Laplace model (``context-mean-v1``).

    Args:
        channel_conditional: predict channel ``c > 0`` from the co-located channel
            ``c − 1`` (the default).  False predicts every channel from its own
            neighbours only; it exists to measure what channel conditioning is worth
            (``benchmarks/colour_coding.py``) and has its own id and hash.
    """

    model_id = "context-mean-v1"

    def __init__(self, channel_conditional: bool = True) -> None:
        self.channel_conditional = channel_conditional
        constants = {"radii": RADII, "min": MIN_NEIGHBOURS, "scale": [MIN_SCALE, UNCONDITIONED_SCALE]}
        if not channel_conditional:
            self.model_id = "context-mean-v1-independent"
            constants["independent"] = True
        self.weights_sha256 = hashlib.sha256(
            json.dumps({"id": self.model_id, **constants}, sort_keys=True).encode()
        ).digest()
        self._values = torch.arange(VOCAB_SIZE, dtype=torch.float32)

    def logits(self, canvas: torch.Tensor, positions: torch.Tensor, step: StepInfo) -> torch.Tensor:
        _, height, width = canvas.shape
        channel = step.channel
        known = canvas[channel] != MASK
        target = canvas[channel]
        reference = None
        if channel > 0 and self.channel_conditional:
            # channel-conditional: code the difference to the co-located previous channel
            reference = canvas[channel - 1].reshape(-1)[positions].to(torch.float64)
            target = target - canvas[channel - 1]
        target = torch.where(known, target, torch.zeros_like(target))
        count, first, second = (_integral(t) for t in (known.to(torch.int64), target, target * target))

        ys, xs = positions // width, positions % width
        chosen_n = torch.zeros(len(positions), dtype=torch.int64)
        chosen_s1 = torch.zeros_like(chosen_n)
        chosen_s2 = torch.zeros_like(chosen_n)
        undecided = torch.ones(len(positions), dtype=torch.bool)
        for radius in RADII:
            y0, y1 = (ys - radius).clamp(min=0), (ys + radius + 1).clamp(max=height)
            x0, x1 = (xs - radius).clamp(min=0), (xs + radius + 1).clamp(max=width)
            n, s1, s2 = (_box(t, y0, y1, x0, x1) for t in (count, first, second))
            take = undecided & ((n >= MIN_NEIGHBOURS) | (radius >= max(height, width)))
            chosen_n = torch.where(take, n, chosen_n)
            chosen_s1 = torch.where(take, s1, chosen_s1)
            chosen_s2 = torch.where(take, s2, chosen_s2)
            undecided &= ~take
            if not bool(undecided.any()):
                break

        have = chosen_n > 0
        n = chosen_n.clamp(min=1).to(torch.float64)
        mean = chosen_s1.to(torch.float64) / n
        var = (chosen_s2.to(torch.float64) / n - mean * mean).clamp(min=0.0)
        scale = (torch.sqrt(var + 0.25) / 1.4142135623730951).clamp(min=MIN_SCALE)
        if reference is None:
            centre = mean
            scale = torch.where(have, scale, torch.full_like(scale, float("inf")))
        else:
            centre = reference + mean
            scale = torch.where(have, scale, torch.full_like(scale, UNCONDITIONED_SCALE))
        centre = centre.clamp(0.0, VOCAB_SIZE - 1.0).to(torch.float32)
        slope = (-1.0 / scale).to(torch.float32)  # b = inf (nothing revealed yet): uniform table
        return (self._values[None, :] - centre[:, None]).abs_().mul_(slope[:, None])


def _integral(values: torch.Tensor) -> torch.Tensor:
    """Zero-padded 2-D prefix sums ``(H+1, W+1)`` of an int64 ``(H, W)`` map."""
    out = torch.zeros((values.shape[0] + 1, values.shape[1] + 1), dtype=torch.int64)
    out[1:, 1:] = values.to(torch.int64).cumsum(0).cumsum(1)
    return out


def _box(integral: torch.Tensor, y0: torch.Tensor, y1: torch.Tensor, x0: torch.Tensor, x1: torch.Tensor) -> torch.Tensor:
    """Sums over the boxes ``[y0, y1) × [x0, x1)`` from a prefix-sum table."""
    return integral[y1, x1] - integral[y0, x1] - integral[y1, x0] + integral[y0, x0]
