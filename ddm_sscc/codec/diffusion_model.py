"""The trained transformer behind the codec's :class:`DenoisingModel` interface.

One trunk pass per denoising step: the call for channel 0 runs the trunk on
the canvas as the step found it and keeps the features; the calls for
channels 1 and 2 of the same step reuse them and only run the channel heads,
which also see the just-revealed lower channels of the queried pixels.
Encoder and decoder make identical calls, so they share this caching too.
Always float32 on the CPU: the same kernels on both sides keep the logits
bit-identical (they are also identical across torch thread counts, tested).
"""

from __future__ import annotations

import os

import torch

from ddm_sscc.codec.checkpoint import load_network
from ddm_sscc.codec.model import StepInfo
from ddm_sscc.codec.network import ABSENT, DiffusionTransformer


class DiffusionModel:
    """A :class:`DiffusionTransformer` checkpoint as a codec model."""

    def __init__(self, network: DiffusionTransformer, model_id: str, weights_sha256: bytes) -> None:
        self.network = network.eval().float()
        self.model_id = model_id
        self.weights_sha256 = weights_sha256
        self._cached: tuple[int, int, torch.Tensor] | None = None

    @classmethod
    def from_file(cls, path: str | os.PathLike[str], model_id: str, expected_sha256: bytes | None = None) -> DiffusionModel:
        network, _, sha = load_network(path, expected_sha256)
        return cls(network, model_id, sha)

    def logits(self, canvas: torch.Tensor, positions: torch.Tensor, step: StepInfo) -> torch.Tensor:
        channels, height, width = canvas.shape
        key = (step.index, step.steps)
        if step.channel == 0 or self._cached is None or self._cached[:2] != key:
            full = canvas
            if channels == 1:
                full = torch.cat([canvas, torch.full((2, height, width), ABSENT, dtype=canvas.dtype)])
            ratio = torch.tensor([step.mask_ratio], dtype=torch.float32)
            feats = self.network.features(full[None], ratio)[0].reshape(height * width, -1)
            self._cached = (*key, feats)
        feats = self._cached[2][positions]
        lower = canvas.reshape(channels, -1)[: step.channel, positions].T
        return self.network.head_logits(feats, step.channel, lower)
