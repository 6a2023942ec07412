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


@dataclass
class _DrawnStep:
    """One crop at its drawn step: the truth ``(C, H, W)``, the canvas before the step, the step's
    positions, the queried ones and the step conditioning."""

    truth: torch.Tensor
    canvas: torch.Tensor
    step_positions: torch.Tensor
    pick: torch.Tensor
    mask_q: int
    step_q: int


def _draw_step(crop: np.ndarray, rng: np.random.Generator, per_step: int, kind: OrderKind) -> _DrawnStep:
    height, width, channels = crop.shape
    steps = int(rng.choice(STEP_CHOICES))
    order, edges = _plan(height, width, steps, kind)
    counts = np.diff(edges)
    t = int(rng.choice(steps, p=counts / counts.sum()))
    truth = torch.from_numpy(crop.transpose(2, 0, 1).astype(np.int64))
    canvas = torch.full_like(truth, MASK)
    before = torch.from_numpy(order[: edges[t]])
    canvas.view(channels, -1)[:, before] = truth.view(channels, -1)[:, before]
    step_positions = order[edges[t] : edges[t + 1]]
    pick = np.sort(rng.choice(step_positions, size=min(per_step, len(step_positions)), replace=False))
    mask_q, step_q = step_quantities(1.0 - edges[t] / (height * width), t, steps)
    return _DrawnStep(truth, canvas, torch.from_numpy(step_positions), torch.from_numpy(pick), mask_q, step_q)


def _tile_examples(drawn: list[_DrawnStep], config: FeatureNetworkConfig) -> list[dict[int, HeadBatch]]:
    """Examples of crops of one shape, computed together on one canvas of the crops stacked
    vertically (one call per channel instead of one per crop and channel); each crop's
    features are those it has alone (``summarise(..., tile_height=H)``)."""
    channels, height, width = drawn[0].truth.shape
    area = height * width
    offsets = [i * area for i in range(len(drawn))]
    truth = torch.cat([d.truth for d in drawn], dim=1).view(channels, -1)
    canvas = torch.cat([d.canvas for d in drawn], dim=1)
    flat = canvas.view(channels, -1)
    step_flat = torch.cat([d.step_positions + o for d, o in zip(drawn, offsets)])
    pick = torch.cat([d.pick + o for d, o in zip(drawn, offsets)])
    sizes = [len(d.pick) for d in drawn]
    mask_q = torch.tensor([d.mask_q for d in drawn]).repeat_interleave(torch.tensor(sizes))
    step_q = torch.tensor([d.step_q for d in drawn]).repeat_interleave(torch.tensor(sizes))
    summary = summarise(canvas, tile_height=height, **config.feature_groups())
    out: list[dict[int, HeadBatch]] = [{} for _ in drawn]
    for channel in range(channels):
        base, feats = features(canvas, summary, pick, channel, mask_q, step_q)
        head = head_index(channels, channel)
        parts = zip(feats.split(sizes), base.split(sizes), truth[channel][pick].split(sizes))
        for examples, (f, b, t) in zip(out, parts):
            examples[head] = HeadBatch(f, b, t)
        # the next channel sees this one at every position of the step, as in coding
        flat[channel, step_flat] = truth[channel][step_flat]
    return out


def crop_examples(crop: np.ndarray, rng: np.random.Generator, per_step: int,
                  config: FeatureNetworkConfig = FeatureNetworkConfig()) -> dict[int, HeadBatch]:
    """Examples from one uint8 crop ``(H, W, C)`` at one drawn step, keyed by head index,
    with the features and order of networks of ``config``."""
    return _tile_examples([_draw_step(crop, rng, per_step, config.order_kind)], config)[0]


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
    """Examples of several crops, concatenated per head in crop order.

    The random draws are made crop by crop (augmentation, then the step and positions), as
    :func:`crop_examples` makes them; the features of crops of one shape are computed together.
    """
    drawn = [_draw_step(augment(crop, rng), rng, per_step, config.order_kind) for crop in crops]
    examples: list[dict[int, HeadBatch]] = [{} for _ in crops]
    for shape in dict.fromkeys(tuple(d.truth.shape) for d in drawn):
        members = [i for i, d in enumerate(drawn) if tuple(d.truth.shape) == shape]
        for i, part in zip(members, _tile_examples([drawn[i] for i in members], config)):
            examples[i] = part
    heads = list(dict.fromkeys(head for part in examples for head in part))
    return {
        head: HeadBatch(*(torch.cat([getattr(p[head], f) for p in examples if head in p]) for f in ("feats", "base", "target")))
        for head in heads
    }
