"""Latent tensors ↔ complex channel symbols, and the transmitter's power constraint.

The encoder's ``c`` real latent channels at ``(H/4, W/4)`` are read in C order
(channel, row, column) and paired: reals ``2k`` and ``2k+1`` of the flattened
latent become the I and Q of complex symbol ``k``.  So one image gives
``c/2 · (H/4) · (W/4)`` complex symbols.

Power constraint (:mod:`ddm_sscc.channel.snr`): the symbols of each image are
scaled so that their mean power ``mean |x|²`` is exactly 1 (per complex
symbol, both quadratures together), the convention under which the channel's
SNR is Es/N0.
"""

from __future__ import annotations

import torch

EPS = 1e-12
"""Guards the normalisation of an all-zero latent."""


def latent_to_symbols(latent: torch.Tensor) -> torch.Tensor:
    """Pair the reals of each image into complex symbols.

    Args:
        latent: float32 ``(B, c, h, w)`` with ``c·h·w`` even.

    Returns:
        complex64 ``(B, c·h·w/2)``.
    """
    b = latent.shape[0]
    pairs = latent.reshape(b, -1, 2).to(torch.float32)
    return torch.complex(pairs[..., 0], pairs[..., 1])


def symbols_to_latent(symbols: torch.Tensor, shape: tuple[int, int, int]) -> torch.Tensor:
    """Inverse of :func:`latent_to_symbols`: complex ``(B, n)`` → float32 ``(B, *shape)``, ``2n = prod(shape)``."""
    b = symbols.shape[0]
    return torch.view_as_real(symbols.to(torch.complex64).contiguous()).reshape(b, *shape)


def normalise_power(symbols: torch.Tensor) -> torch.Tensor:
    """Scale each row so that ``mean |x|² = 1``: complex ``(B, n)`` → complex ``(B, n)``."""
    power = symbols.real.square().add(symbols.imag.square()).mean(dim=1, keepdim=True)
    return symbols * torch.rsqrt(power + EPS)
