"""The DeepJSCC autoencoder (Bourtsoulatze et al. 2019): conv encoder → unit-power complex symbols → conv decoder.

Encoder: five 5×5 convolutions with PReLU, the first two with stride 2, so the
latent has ``channels`` real maps at ``(H/4, W/4)``; decoder: the mirror image
with transposed convolutions and a sigmoid.  The network is fully
convolutional: any ``H, W`` works; sizes that are not multiples of 4 are padded
by edge replication for the encoder and cropped back after the decoder.

Bandwidth ratio ``k/n`` (complex channel symbols per source sub-pixel of an RGB
image): ``(channels/2)·(HW/16) / (3HW) = channels/96``, so 1/6 for 16 channels
(for a padded size it is computed on the padded image, see :meth:`DeepJscc.n_symbols`).

The decoder is not told the SNR: trained over a few SNRs, one network serves
all of them (graceful degradation, as in the paper).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from fractions import Fraction

import torch
import torch.nn.functional as F
from torch import nn

from ddm_sscc.errors import ConfigError
from ddm_sscc.experiments.deepjscc.symbols import latent_to_symbols, normalise_power, symbols_to_latent

DOWNSAMPLE = 4
"""Spatial reduction of the encoder (two stride-2 layers)."""


@dataclass(frozen=True)
class DeepJsccConfig:
    """Architecture: ``channels`` latent maps (even, ≥ 2), ``filters`` in the hidden layers, ``kernel`` size (odd)."""

    channels: int = 16
    filters: int = 32
    kernel: int = 5

    def __post_init__(self) -> None:
        for name in ("channels", "filters", "kernel"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(f"DeepJSCC {name} must be a positive integer, got {value!r}")
        if self.channels % 2:
            raise ConfigError(f"DeepJSCC channels must be even (reals pair into complex symbols), got {self.channels}")
        if self.kernel % 2 == 0:
            raise ConfigError(f"DeepJSCC kernel must be odd, got {self.kernel}")

    @property
    def bandwidth_ratio(self) -> Fraction:
        """Complex channel symbols per RGB sub-pixel, ``channels / 96`` (exact)."""
        return Fraction(self.channels, 2 * DOWNSAMPLE * DOWNSAMPLE * 3)

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> DeepJsccConfig:
        try:
            data = json.loads(text)
            return cls(**data)
        except (ValueError, TypeError) as exc:
            raise ConfigError(f"not a DeepJSCC config: {exc}") from None


def _conv(cin: int, cout: int, k: int, stride: int) -> nn.Conv2d:
    return nn.Conv2d(cin, cout, k, stride=stride, padding=k // 2)


def _deconv(cin: int, cout: int, k: int, stride: int) -> nn.ConvTranspose2d:
    # Exactly ×stride in size: out = (in − 1)·s − 2·(k//2) + k + (s − 1) = in·s.
    return nn.ConvTranspose2d(cin, cout, k, stride=stride, padding=k // 2, output_padding=stride - 1)


class DeepJscc(nn.Module):
    """Encoder, power normalisation and decoder; the channel sits between :meth:`encode` and :meth:`decode`."""

    def __init__(self, config: DeepJsccConfig = DeepJsccConfig()) -> None:
        super().__init__()
        self.config = config
        f, k, c = config.filters, config.kernel, config.channels
        half = max(1, f // 2)
        self.encoder = nn.Sequential(
            _conv(3, half, k, 2), nn.PReLU(half),
            _conv(half, f, k, 2), nn.PReLU(f),
            _conv(f, f, k, 1), nn.PReLU(f),
            _conv(f, f, k, 1), nn.PReLU(f),
            _conv(f, c, k, 1),
        )
        self.decoder = nn.Sequential(
            _deconv(c, f, k, 1), nn.PReLU(f),
            _deconv(f, f, k, 1), nn.PReLU(f),
            _deconv(f, f, k, 1), nn.PReLU(f),
            _deconv(f, half, k, 2), nn.PReLU(half),
            _deconv(half, 3, k, 2),
            nn.Sigmoid(),
        )

    @staticmethod
    def padded_size(height: int, width: int) -> tuple[int, int]:
        """``(H, W)`` rounded up to multiples of 4."""
        return -(-height // DOWNSAMPLE) * DOWNSAMPLE, -(-width // DOWNSAMPLE) * DOWNSAMPLE

    def n_symbols(self, height: int, width: int) -> int:
        """Complex channel symbols sent for one ``H×W`` image: ``channels/2 · ⌈H/4⌉ · ⌈W/4⌉``."""
        hp, wp = self.padded_size(height, width)
        return self.config.channels // 2 * (hp // DOWNSAMPLE) * (wp // DOWNSAMPLE)

    def encode(self, images: torch.Tensor) -> torch.Tensor:
        """Images to unit-power channel symbols.

        Args:
            images: float32 ``(B, 3, H, W)`` in ``[0, 1]``, any ``H, W ≥ 1``.

        Returns:
            complex64 ``(B, n)`` with ``n = n_symbols(H, W)`` and ``mean |x|² = 1`` per row.
        """
        if images.ndim != 4 or images.shape[1] != 3:
            raise ConfigError(f"DeepJSCC encodes (B, 3, H, W) images, got shape {tuple(images.shape)}")
        h, w = images.shape[-2:]
        hp, wp = self.padded_size(h, w)
        if (hp, wp) != (h, w):
            images = F.pad(images, (0, wp - w, 0, hp - h), mode="replicate")
        return normalise_power(latent_to_symbols(self.encoder(images)))

    def decode(self, symbols: torch.Tensor, height: int, width: int) -> torch.Tensor:
        """Received (equalised) symbols to images: complex ``(B, n)`` → float32 ``(B, 3, H, W)`` in ``[0, 1]``."""
        hp, wp = self.padded_size(height, width)
        shape = (self.config.channels, hp // DOWNSAMPLE, wp // DOWNSAMPLE)
        if symbols.ndim != 2 or 2 * symbols.shape[1] != shape[0] * shape[1] * shape[2]:
            raise ConfigError(
                f"{height}x{width} images need {self.n_symbols(height, width)} symbols each, "
                f"got shape {tuple(symbols.shape)}"
            )
        return self.decoder(symbols_to_latent(symbols, shape))[:, :, :height, :width]

    def forward(self, images: torch.Tensor, channel: nn.Module | None = None) -> torch.Tensor:
        """``decode(channel(encode(images)))``: float32 ``(B, 3, H, W)`` → same shape; no channel = noiseless."""
        symbols = self.encode(images)
        if channel is not None:
            symbols = channel(symbols)
        return self.decode(symbols, images.shape[-2], images.shape[-1])
