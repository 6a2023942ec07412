"""The float feature network used for training, and its mixture-of-logistics output.

One small MLP per *head* (a channel of a layout: greyscale, or R, G|R, B|R,G)
maps the integer features of :mod:`ddm_sscc.codec.local_features` to a
``K``-component discretised logistic mixture over the 256 values.  Training
runs this float module; coding runs its integer twin
(:mod:`ddm_sscc.codec.integer_network`), made from it by quantisation.

Output ``(n, 3K)`` per head: ``K`` mean offsets, ``K`` log-scales and ``K``
mixture logits.  The component means are ``base + MEAN_GAIN · offset`` (in
pixels), log-scales are clamped to ``[LOG_SCALE_MIN, LOG_SCALE_MAX]``.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F

from ddm_sscc.codec.local_features import VALUE_SCALE, feature_count
from ddm_sscc.codec.order import TRAINABLE_ORDERS, OrderKind
from ddm_sscc.errors import ConfigError

HEADS = ((1, 0), (3, 0), (3, 1), (3, 2))
"""(channels, channel) of every head, in the order of their parameters."""
FEATURE_SCALE = 256.0
"""Integer features are divided by this before the first layer."""
MEAN_GAIN = 8.0
LOG_SCALE_MIN = -3.0
LOG_SCALE_MAX = 6.0
LOG_SCALE_OFFSET = 1.0


@dataclass(frozen=True)
class FeatureNetworkConfig:
    """Sizes of every head's MLP."""

    hidden: int = 128
    layers: int = 2
    components: int = 2
    planes: bool = False
    """Least-squares plane features (:data:`~ddm_sscc.codec.local_features.PLANE_RADII`)."""
    lattice: bool = False
    """Raw neighbours at each position's dyadic lattice spacing (:func:`~ddm_sscc.codec.local_features.lattice_spacing`)."""
    order: str = "halton"
    """The denoising order the network is trained for (a :class:`~ddm_sscc.codec.order.OrderKind` name, lower case)."""
    compact: bool = False
    """The compact feature set (:data:`~ddm_sscc.codec.local_features.COMPACT_RADII`, a ``3 × 3`` window): a fast model's."""
    block_phase: bool = False
    """The position's phase in the JPEG 8 × 8 block grid (:data:`~ddm_sscc.codec.local_features.BLOCK_PHASE_COLUMNS`): a model for JPEG-decoded images."""
    block_window: bool = False
    """The revealed pixels of the position's own JPEG block, by place in the block (:func:`~ddm_sscc.codec.local_features.features`)."""

    def feature_groups(self) -> dict[str, bool]:
        """The optional feature groups, as :func:`~ddm_sscc.codec.local_features.summarise` takes them."""
        return {"planes": self.planes, "lattice": self.lattice, "compact": self.compact,
                "block_phase": self.block_phase, "block_window": self.block_window}

    def __post_init__(self) -> None:
        if self.order.upper() not in (kind.name for kind in TRAINABLE_ORDERS):
            names = " or ".join(kind.name.lower() for kind in TRAINABLE_ORDERS)
            raise ConfigError(f"a feature network is trained for the {names} order, not {self.order!r}")

    @property
    def order_kind(self) -> OrderKind:
        return OrderKind[self.order.upper()]

    def to_dict(self) -> dict:
        return asdict(self)


def head_index(channels: int, channel: int) -> int:
    return HEADS.index((channels, channel))


class FeatureNetwork(torch.nn.Module):
    """Float MLPs, one per head; ``forward(head, feats)`` gives ``(n, 3K)``."""

    def __init__(self, config: FeatureNetworkConfig = FeatureNetworkConfig()) -> None:
        super().__init__()
        self.config = config
        self.heads = torch.nn.ModuleList(_mlp(feature_count(c, C, **config.feature_groups()), config) for C, c in HEADS)

    def forward(self, head: int, feats: torch.Tensor) -> torch.Tensor:
        return self.heads[head](feats.to(torch.float32) / FEATURE_SCALE)


def _mlp(inputs: int, config: FeatureNetworkConfig) -> torch.nn.Sequential:
    layers: list[torch.nn.Module] = []
    width = inputs
    for _ in range(config.layers):
        layers += [torch.nn.Linear(width, config.hidden), torch.nn.ReLU()]
        width = config.hidden
    out = torch.nn.Linear(width, 3 * config.components)
    torch.nn.init.zeros_(out.weight)
    torch.nn.init.zeros_(out.bias)
    layers.append(out)
    return torch.nn.Sequential(*layers)


def mixture_parameters(raw: torch.Tensor, base: torch.Tensor, components: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Network output → (means in pixels, log-scales, log mixture weights), each ``(n, K)``."""
    offsets, log_scales, logits = raw.split(components, dim=1)
    means = base.to(raw.dtype)[:, None] / VALUE_SCALE + MEAN_GAIN * offsets
    log_scales = (log_scales + LOG_SCALE_OFFSET).clamp(LOG_SCALE_MIN, LOG_SCALE_MAX)
    return means, log_scales, torch.log_softmax(logits, dim=1)


def mixture_nll_bits(raw: torch.Tensor, base: torch.Tensor, target: torch.Tensor, components: int) -> torch.Tensor:
    """Code length in bits of ``target`` (int ``(n,)``, 0..255) under the discretised mixture: ``(n,)``."""
    means, log_scales, log_weights = mixture_parameters(raw, base, components)
    x = target.to(raw.dtype)[:, None]
    inv = torch.exp(-log_scales)
    upper = (x + 0.5 - means) * inv
    lower = (x - 0.5 - means) * inv
    log_cdf_upper = F.logsigmoid(upper)
    log_one_minus_cdf_lower = F.logsigmoid(-lower)
    # log(σ(u) − σ(l)) computed stably: σ(u) − σ(l) = σ(u)·σ(−l)·(1 − e^{l−u})
    mid = log_cdf_upper + log_one_minus_cdf_lower + torch.log1p(-torch.exp(lower - upper).clamp(max=1 - 1e-6))
    log_prob = torch.where(x <= 0, log_cdf_upper, torch.where(x >= 255, log_one_minus_cdf_lower, mid))
    total = torch.logsumexp(log_prob + log_weights, dim=1)
    return -total / math.log(2.0)
