"""The masked discrete-diffusion transformer over pixel tokens.

Shapes use B (batch), C (image channels, 1 or 3), H×W (pixels), p (patch
side), h×w (token grid = ⌈H/p⌉×⌈W/p⌉), D (model width).

Input: the canvas ``(B, 3, H, W)`` of tokens: values 0..255, MASK (256) where
unrevealed, ABSENT (257) for the missing channels of greyscale images and for
padding.  Each pixel's three channel tokens are embedded and summed; p×p
pixels make one token.  A stack of transformer blocks with bidirectional
window attention (Swin-style: windows of W_a×W_a tokens, every other block
shifted by half a window) and a depthwise-convolution position encoding runs
over the token grid, so the receptive field grows across window borders and
any image size is coded whole; nothing is ever cut into independent tiles.
The mask ratio conditions every block through adaptive layer norm.

Output: per-pixel features ``(B, H, W, F)``.  Channel heads turn them into
256 logits, channel-conditionally: the head for channel c also embeds the
pixel's own values of channels < c (R → G|R → B|R,G), which the codec reveals
before it codes channel c.  The trunk only sees the canvas as it was at the
start of a denoising step, so one trunk pass serves all C channel heads.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn

from ddm_sscc.codec.tokens import MASK, VOCAB_SIZE

ABSENT = MASK + 1
"""Token of a channel that does not exist (greyscale) or a padding pixel."""
TOKENS_PER_CHANNEL = ABSENT + 1


@dataclass(frozen=True)
class NetworkConfig:
    """Hyper-parameters; stored with every checkpoint."""

    patch: int = 4
    dim: int = 192
    depth: int = 8
    heads: int = 6
    window: int = 8
    pixel_dim: int = 32
    feature_dim: int = 64
    head_hidden: int = 256
    local_dim: int = 48

    def to_dict(self) -> dict[str, int]:
        return asdict(self)


def mask_ratio_features(ratio: torch.Tensor, dim: int) -> torch.Tensor:
    """Sinusoidal features of the mask ratio ``(B,)`` → ``(B, dim)``."""
    half = dim // 2
    freqs = torch.exp(torch.arange(half, dtype=torch.float32, device=ratio.device) * (-math.log(1000.0) / half))
    angles = ratio.float()[:, None] * 1000.0 * freqs[None, :]
    return torch.cat([angles.sin(), angles.cos()], dim=1)


class WindowBlock(nn.Module):
    """Pre-norm transformer block: position conv, window attention, MLP; adaLN from the mask ratio."""

    def __init__(self, config: NetworkConfig, shift: bool) -> None:
        super().__init__()
        d = config.dim
        self.heads, self.window, self.shift = config.heads, config.window, shift
        self.pos = nn.Conv2d(d, d, 3, padding=1, groups=d)
        self.norm1 = nn.LayerNorm(d, elementwise_affine=False)
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)
        self.norm2 = nn.LayerNorm(d, elementwise_affine=False)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))
        self.ada = nn.Linear(d, 6 * d)
        nn.init.zeros_(self.ada.weight)
        nn.init.zeros_(self.ada.bias)

    def forward(self, x: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        """x: ``(B, h, w, D)``; cond: ``(B, D)``."""
        b, h, w, d = x.shape
        x = x + self.pos(x.permute(0, 3, 1, 2)).permute(0, 2, 3, 1)
        s1, b1, g1, s2, b2, g2 = self.ada(cond)[:, None, None, :].chunk(6, dim=-1)
        y = self.norm1(x) * (1 + s1) + b1
        x = x + g1.add(1) * self._attend(y)
        y = self.norm2(x) * (1 + s2) + b2
        return x + g2.add(1) * self.mlp(y)

    def _attend(self, x: torch.Tensor) -> torch.Tensor:
        b, h, w, d = x.shape
        ws = self.window
        off = ws // 2 if self.shift else 0
        # Pad (instead of rolling) so shifted windows never wrap around the image.
        ph, pw = -(h + off) % ws, -(w + off) % ws
        xp = F.pad(x, (0, 0, off, pw, off, ph))
        valid = F.pad(torch.ones(1, h, w, 1, device=x.device, dtype=torch.bool), (0, 0, off, pw, off, ph))
        hh, ww = (h + off + ph) // ws, (w + off + pw) // ws

        def windows(t: torch.Tensor) -> torch.Tensor:
            return t.reshape(t.shape[0], hh, ws, ww, ws, t.shape[-1]).permute(0, 1, 3, 2, 4, 5).reshape(-1, ws * ws, t.shape[-1])

        tokens = windows(xp)  # (B·nW, ws², D)
        keep = windows(valid.expand(b, -1, -1, -1))[:, None, None, :, 0]  # (B·nW, 1, 1, ws²)
        q, k, v = self.qkv(tokens).reshape(tokens.shape[0], ws * ws, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=keep)
        out = self.proj(out.transpose(1, 2).reshape(tokens.shape[0], ws * ws, d))
        out = out.reshape(b, hh, ww, ws, ws, d).permute(0, 1, 3, 2, 4, 5).reshape(b, hh * ws, ww * ws, d)
        return out[:, off : off + h, off : off + w]


class DiffusionTransformer(nn.Module):
    """Trunk and channel heads; see the module docstring."""

    def __init__(self, config: NetworkConfig = NetworkConfig()) -> None:
        super().__init__()
        self.config = config
        c = config
        self.embed = nn.Embedding(3 * TOKENS_PER_CHANNEL, c.pixel_dim)
        self.patch_in = nn.Linear(c.patch * c.patch * c.pixel_dim, c.dim)
        self.cond = nn.Sequential(nn.Linear(c.dim, c.dim), nn.GELU(), nn.Linear(c.dim, c.dim))
        self.blocks = nn.ModuleList(WindowBlock(c, shift=i % 2 == 1) for i in range(c.depth))
        self.norm_out = nn.LayerNorm(c.dim)
        self.patch_out = nn.Linear(c.dim, c.patch * c.patch * c.feature_dim)
        self.pixel_skip = nn.Linear(c.pixel_dim, c.feature_dim)
        # Full-resolution 7×7 convolutional path: exact neighbouring values for late steps,
        # which a p×p patch token only carries in compressed form.
        self.local = nn.Sequential(
            nn.Conv2d(c.pixel_dim, c.local_dim, 3, padding=1), nn.GELU(),
            nn.Conv2d(c.local_dim, c.local_dim, 3, padding=1), nn.GELU(),
            nn.Conv2d(c.local_dim, c.feature_dim, 3, padding=1),
        )
        nn.init.zeros_(self.local[-1].weight)
        nn.init.zeros_(self.local[-1].bias)
        # head c embeds the pixel's own values of channels < c: tables (c, c') for c' < c
        self.prior = nn.Embedding(3 * VOCAB_SIZE, c.feature_dim)
        self.heads = nn.ModuleList(
            nn.Sequential(nn.LayerNorm(c.feature_dim), nn.Linear(c.feature_dim, c.head_hidden), nn.GELU(),
                          nn.Linear(c.head_hidden, VOCAB_SIZE))
            for _ in range(3)
        )

    def features(self, canvas: torch.Tensor, mask_ratio: torch.Tensor) -> torch.Tensor:
        """Trunk: canvas int64 ``(B, 3, H, W)`` and mask ratio ``(B,)`` → features ``(B, H, W, F)``."""
        b, _, height, width = canvas.shape
        p = self.config.patch
        ph, pw = -height % p, -width % p
        canvas = F.pad(canvas, (0, pw, 0, ph), value=ABSENT)
        offsets = torch.arange(3, device=canvas.device)[None, :, None, None] * TOKENS_PER_CHANNEL
        pix = self.embed(canvas + offsets).sum(dim=1)  # (B, H', W', P)
        hp, wp = pix.shape[1] // p, pix.shape[2] // p
        x = pix.reshape(b, hp, p, wp, p, -1).permute(0, 1, 3, 2, 4, 5).reshape(b, hp, wp, -1)
        x = self.patch_in(x)
        cond = self.cond(mask_ratio_features(mask_ratio, self.config.dim))
        for block in self.blocks:
            x = block(x, cond)
        f = self.patch_out(self.norm_out(x)).reshape(b, hp, wp, p, p, -1).permute(0, 1, 3, 2, 4, 5)
        f = f.reshape(b, hp * p, wp * p, -1) + self.pixel_skip(pix)
        f = f + self.local(pix.permute(0, 3, 1, 2)).permute(0, 2, 3, 1)
        return f[:, :height, :width]

    def head_logits(self, features: torch.Tensor, channel: int, lower: torch.Tensor) -> torch.Tensor:
        """Logits of one channel.

        Args:
            features: ``(n, F)`` trunk features of the queried pixels.
            channel: c in 0..2.
            lower: int64 ``(n, c)``, the pixels' values of channels < c.

        Returns:
            float logits ``(n, 256)``.
        """
        h = features
        for prev in range(channel):
            h = h + self.prior(lower[:, prev] + VOCAB_SIZE * (channel * (channel - 1) // 2 + prev))
        return self.heads[channel](h)
