"""The masked-diffusion objective.

For a crop x, draw a mask ratio r ~ U(0, 1], mask that fraction of pixel
positions (all channels of a pixel together, as the codec reveals them), and
score the network's tables on the masked sub-pixels, channel-conditionally
(channel c's head sees the true channels < c of the same pixel, as in coding).

Weighting: the loss of a crop is the *mean* cross-entropy over its masked
sub-pixels, i.e. the masked-diffusion ELBO sum weighted by 1/r.  This is
exactly the expected code length per sub-pixel of the codec: whatever the
schedule, a pixel's place in the order is uniform, so the mask ratio at
which it is coded is uniform over (0, 1], and mean-over-masked estimates the
cost of the positions revealed at that ratio.  Reported in bits/sub-pixel.

Half of the crops are masked at random, half by a suffix of the Halton
order (with a random flip), the pattern the codec actually uses.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from ddm_sscc.codec.network import ABSENT, DiffusionTransformer
from ddm_sscc.codec.order import halton_order
from ddm_sscc.codec.tokens import MASK


class MaskSampler:
    """Draws masks for ``size × size`` crops on ``device``."""

    def __init__(self, size: int, device: torch.device) -> None:
        order = torch.from_numpy(halton_order(size, size))
        rank = torch.empty(size * size, dtype=torch.int64)
        rank[order] = torch.arange(size * size)
        self.rank = rank.reshape(size, size).to(device)
        self.size = size

    def __call__(self, batch: int, generator: torch.Generator) -> torch.Tensor:
        """Bool mask ``(B, S, S)``; every crop has at least one masked pixel."""
        device = self.rank.device
        n = self.size * self.size
        ratio = 1.0 - torch.rand(batch, generator=generator, device=device)  # (0, 1]
        random_mask = torch.rand(batch, self.size, self.size, generator=generator, device=device) < ratio[:, None, None]
        keep = torch.round((1.0 - ratio) * n).clamp(max=n - 1)
        rank = self.rank.expand(batch, -1, -1)
        flip = torch.rand(batch, generator=generator, device=device) < 0.5
        rank = torch.where(flip[:, None, None], rank.flip(-1), rank)
        halton_mask = rank >= keep[:, None, None]
        use_halton = torch.rand(batch, generator=generator, device=device) < 0.5
        mask = torch.where(use_halton[:, None, None], halton_mask, random_mask)
        mask.view(batch, -1)[:, 0] |= ~mask.view(batch, -1).any(dim=1)
        return mask


def masked_loss(
    model: DiffusionTransformer, pixels: torch.Tensor, channels: torch.Tensor, mask: torch.Tensor
) -> torch.Tensor:
    """Mean over crops of the mean cross-entropy (nats) of their masked sub-pixels.

    Args:
        pixels: int64 ``(B, 3, S, S)``; greyscale crops hold their values in channel 0.
        channels: int64 ``(B,)``, 1 or 3.
        mask: bool ``(B, S, S)``.
    """
    b = pixels.shape[0]
    canvas = torch.where(mask[:, None], torch.full_like(pixels, MASK), pixels)
    grey = channels == 1
    canvas[:, 1:] = torch.where(grey[:, None, None, None], torch.full_like(canvas[:, 1:], ABSENT), canvas[:, 1:])
    counts = mask.flatten(1).sum(dim=1)
    ratio = counts.float() / mask[0].numel()
    feats = model.features(canvas, ratio)
    where = mask.nonzero(as_tuple=True)
    f = feats[where]
    values = pixels.permute(0, 2, 3, 1)[where]  # (M, 3)
    owner = where[0]
    per_crop = torch.zeros(b, device=pixels.device, dtype=torch.float32)
    for c in range(3):
        nll = F.cross_entropy(model.head_logits(f, c, values[:, :c]).float(), values[:, c], reduction="none")
        nll = nll * (channels[owner] > c)
        per_crop = per_crop.index_add(0, owner, nll)
    return (per_crop / (counts * channels).float()).mean()


def nats_to_bits(value: float) -> float:
    return value / math.log(2.0)
