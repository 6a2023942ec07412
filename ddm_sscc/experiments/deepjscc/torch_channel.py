"""Differentiable channels for training: AWGN, or flat Rayleigh fading with a coherent receiver.

Same SNR convention as the simulated link (:mod:`ddm_sscc.channel.snr`): the
symbols have unit mean power and the complex noise has variance
``N0 = 10**(−SNR/10)`` (``N0/2`` per quadrature).  Each image of a batch gets
its own SNR, drawn uniformly from ``snrs_db``.

Rayleigh (``fading=True``): one gain ``h ~ CN(0, 1)`` per image; the receiver
knows ``h`` and equalises, ``ŷ = conj(h)·y / |h|² = x + n/h``, which is what
:mod:`ddm_sscc.experiments.deepjscc.channel_adapter` does at evaluation.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from ddm_sscc.errors import ConfigError


class TrainingChannel(nn.Module):
    """``forward(x)``: complex64 ``(B, n)`` unit-power symbols → received, equalised symbols (same shape).

    ``generator`` (a seeded :class:`torch.Generator`) draws the SNRs, gains and noise.
    """

    def __init__(self, snrs_db: Sequence[float], generator: torch.Generator, fading: bool = False) -> None:
        super().__init__()
        values = [float(s) for s in snrs_db]
        if not values:
            raise ConfigError("training needs at least one SNR")
        self.register_buffer("snrs_db", torch.tensor(values, dtype=torch.float32), persistent=False)
        self.generator = generator
        self.fading = fading

    def _normal(self, shape: tuple[int, ...], device: torch.device) -> torch.Tensor:
        return torch.randn(shape, generator=self.generator, dtype=torch.float32).to(device)

    def forward(self, symbols: torch.Tensor) -> torch.Tensor:
        b, n = symbols.shape
        pick = torch.randint(len(self.snrs_db), (b,), generator=self.generator)
        n0 = torch.pow(10.0, -self.snrs_db[pick] / 10.0).to(symbols.device)  # (B,)
        sigma = torch.sqrt(n0 / 2.0)[:, None]
        noise = torch.complex(self._normal((b, n), symbols.device), self._normal((b, n), symbols.device)) * sigma
        if not self.fading:
            return symbols + noise
        g = self._normal((b, 2), symbols.device) / (2.0**0.5)
        h = torch.complex(g[:, 0], g[:, 1])[:, None]
        return symbols + noise / h  # = conj(h)·(h·x + n) / |h|²
