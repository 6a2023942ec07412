"""Training examples drawn exactly as coding sees them.

A crop is put through the real reverse process up to a step ``t``: the order
the network is trained for (Halton or lattice) and the cosine schedule of :mod:`ddm_sscc.codec.order` and
:mod:`ddm_sscc.codec.schedule`, so the canvas holds the pixels of steps
``< t`` and, for channel ``c``, the lower channels of step ``t``'s positions.
The step is drawn in proportion to how many positions it reveals, so the
average loss is the code length of the whole image.  Features come from the
same function the codec calls (:func:`ddm_sscc.codec.local_features.features`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import torch

from ddm_sscc.codec.feature_network import FeatureNetworkConfig, head_index
from ddm_sscc.codec.local_features import features, step_quantities, summarise
from ddm_sscc.codec.order import OrderKind, make_order
from ddm_sscc.codec.schedule import cosine_schedule
from ddm_sscc.codec.tokens import MASK

GREY_FRACTION = 0.08
"""Share of colour crops turned greyscale, so the greyscale head sees enough data."""
STEP_CHOICES = (8, 16, 16, 16, 32, 64)
"""T drawn per crop: mostly the default 16, sometimes the ablation's other values."""


@dataclass
class HeadBatch:
    """Examples of one head: int64 features ``(n, F)``, base ``(n,)``, targets ``(n,)``."""

    feats: torch.Tensor
    base: torch.Tensor
    target: torch.Tensor


@lru_cache(maxsize=8)
def _plan(height: int, width: int, steps: int, kind: OrderKind) -> tuple[np.ndarray, np.ndarray]:
    order = make_order(kind, height, width)
    counts = cosine_schedule(height * width, steps)
    return order, np.concatenate([[0], np.cumsum(counts)])


def crop_examples(crop: np.ndarray, rng: np.random.Generator, per_step: int,
                  config: FeatureNetworkConfig = FeatureNetworkConfig()) -> dict[int, HeadBatch]:
    """Examples from one uint8 crop ``(H, W, C)`` at one drawn step, keyed by head index,
    with the features and order of networks of ``config``."""
    height, width, channels = crop.shape
    steps = int(rng.choice(STEP_CHOICES))
    order, edges = _plan(height, width, steps, config.order_kind)
    counts = np.diff(edges)
    t = int(rng.choice(steps, p=counts / counts.sum()))
    truth = torch.from_numpy(crop.transpose(2, 0, 1).astype(np.int64))
    canvas = torch.full_like(truth, MASK)
    before = torch.from_numpy(order[: edges[t]])
    flat = canvas.view(channels, -1)
    flat[:, before] = truth.view(channels, -1)[:, before]
    step_positions = order[edges[t] : edges[t + 1]]
    step_flat = torch.from_numpy(step_positions)
    pick = torch.from_numpy(np.sort(rng.choice(step_positions, size=min(per_step, len(step_positions)), replace=False)))
    summary = summarise(canvas, config.planes, config.lattice)
    mask_q, step_q = step_quantities(1.0 - edges[t] / (height * width), t, steps)
    out = {}
    for channel in range(channels):
        base, feats = features(canvas, summary, pick, channel, mask_q, step_q)
        target = truth[channel].view(-1)[pick]
        out[head_index(channels, channel)] = HeadBatch(feats, base, target)
        # the next channel sees this one at every position of the step, as in coding
        flat[channel, step_flat] = truth[channel].view(-1)[step_flat]
    return out


def to_grey(crop: np.ndarray) -> np.ndarray:
    """BT.601 luma of an RGB crop, rounded: ``(H, W, 1)`` uint8."""
    luma = crop.astype(np.int32) @ np.array([299, 587, 114], dtype=np.int32)
    return ((luma + 500) // 1000).astype(np.uint8)[:, :, None]


def augment(crop: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Random flips and quarter turns, and some colour crops made greyscale (BT.601 luma)."""
    crop = np.rot90(crop, int(rng.integers(4)))
    if crop.shape[2] == 3 and rng.random() < GREY_FRACTION:
        crop = to_grey(crop)
    if rng.random() < 0.5:
        crop = crop[:, ::-1]
    return np.ascontiguousarray(crop)


def batch_examples(crops: list[np.ndarray], rng: np.random.Generator, per_step: int,
                   config: FeatureNetworkConfig = FeatureNetworkConfig()) -> dict[int, HeadBatch]:
    """Examples of several crops, concatenated per head."""
    parts: dict[int, list[HeadBatch]] = {}
    for crop in crops:
        for head, part in crop_examples(augment(crop, rng), rng, per_step, config).items():
            parts.setdefault(head, []).append(part)
    return {
        head: HeadBatch(*(torch.cat([getattr(p, f) for p in ps]) for f in ("feats", "base", "target")))
        for head, ps in parts.items()
    }
