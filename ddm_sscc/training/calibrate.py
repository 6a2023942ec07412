"""Fitting the temperature calibration with the network frozen.

Held-out training crops are coded by the real engine at several step counts;
at every (step, channel) call a random subset of the revealed sub-pixels'
logits and values is kept, weighted so each call counts as many sub-pixels
as it codes.  τ(mask ratio, step) is then fitted to minimise their code
length, and the result is checked on other held-out crops.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from ddm_sscc.codec.calibration import TemperatureCalibration
from ddm_sscc.codec.engine import CodecSettings, DiffusionCodec
from ddm_sscc.codec.model import DenoisingModel, StepInfo
from ddm_sscc.training.data import CropSet

STEP_COUNTS = (8, 16, 32)


@dataclass
class Samples:
    ratio: torch.Tensor  # float64 (n,)
    step: torch.Tensor  # float64 (n,)
    steps: torch.Tensor  # float64 (n,)
    logits: torch.Tensor  # float32 (n, 256)
    target: torch.Tensor  # int64 (n,)
    weight: torch.Tensor  # float64 (n,)


class _Recorder:
    def __init__(self, model: DenoisingModel, truth: torch.Tensor, keep: int, rng: np.random.Generator, out: list):
        self.model, self.truth, self.keep, self.rng, self.out = model, truth, keep, rng, out
        self.model_id, self.weights_sha256 = model.model_id, model.weights_sha256

    def logits(self, canvas: torch.Tensor, positions: torch.Tensor, step: StepInfo) -> torch.Tensor:
        logits = self.model.logits(canvas, positions, step)
        n = len(positions)
        pick = torch.from_numpy(self.rng.permutation(n)[: self.keep])
        values = self.truth[step.channel].reshape(-1)[positions]
        self.out.append((step.mask_ratio, step.index, step.steps, logits[pick].float(), values[pick], n / len(pick)))
        return logits


def collect(model: DenoisingModel, crops: CropSet, keep: int = 48, seed: int = 0) -> Samples:
    """Code every crop at each of :data:`STEP_COUNTS` steps and keep samples of the tables used."""
    rng = np.random.default_rng(seed)
    out: list = []
    for pixels, channels in zip(crops.pixels, crops.channels):
        image = np.ascontiguousarray(pixels[:, :, : int(channels)])
        truth = torch.from_numpy(image.transpose(2, 0, 1).astype(np.int64))
        codec = DiffusionCodec(_Recorder(model, truth, keep, rng, out))
        for steps in STEP_COUNTS:
            codec.encode(image, CodecSettings(steps=steps, calibrate=False))
    def column(index: int, dtype: torch.dtype) -> torch.Tensor:
        return torch.cat([torch.full((len(o[3]),), float(o[index]), dtype=dtype) for o in out])

    return Samples(
        ratio=column(0, torch.float64),
        step=column(1, torch.float64),
        steps=column(2, torch.float64),
        logits=torch.cat([o[3] for o in out]),
        target=torch.cat([o[4] for o in out]),
        weight=column(5, torch.float64),
    )


def code_length_bits(samples: Samples, calibration: TemperatureCalibration | None) -> float:
    """Weighted mean code length (bits per sub-pixel) of the samples under softmax(logits / τ)."""
    with torch.no_grad():
        return float(_loss(samples, calibration)) / math.log(2.0)


def _loss(samples: Samples, calibration: TemperatureCalibration | None) -> torch.Tensor:
    logits = samples.logits  # float32 is plenty for fitting; only the fitted parameters are kept
    if calibration is not None:
        inv_tau = torch.exp(-calibration.log_tau(samples.ratio, samples.step, samples.steps)).float()
        logits = logits * inv_tau[:, None]
    nll = torch.nn.functional.cross_entropy(logits, samples.target, reduction="none").double()
    return (nll * samples.weight).sum() / samples.weight.sum()


def fit(samples: Samples, iterations: int = 200, seed: int = 0) -> TemperatureCalibration:
    """Minimise the samples' code length over the calibration's parameters."""
    torch.manual_seed(seed)
    calibration = TemperatureCalibration()
    opt = torch.optim.Adam(calibration.parameters(), lr=0.02)
    for _ in range(iterations):
        opt.zero_grad()
        loss = _loss(samples, calibration)
        loss.backward()
        opt.step()
    return calibration.eval()
