"""Training DeepJSCC on the packed training crops: MSE through a noisy channel at a few SNRs.

Data: a :class:`~ddm_sscc.training.data.CropSet` or a packed crop file written
by ``ddm-sscc pack-crops`` (never Kodak or CIFAR).  The last ``holdout`` crops
are kept apart for validation; each training batch takes random ``crop×crop``
windows of the others, flipped left-right at random; greyscale crops are
replicated to three channels.  Every image of a batch goes through the
differentiable channel (:class:`TrainingChannel`) at an SNR drawn from
``snrs_db``; the loss is the pixel MSE in ``[0, 1]``; Adam with a short
warm-up and a cosine decay to 5 %.

One ``seed`` drives everything: the network's initialisation
(``torch.manual_seed``), the batches (numpy, seeded by ``(seed, step)``), the
channel (a ``torch.Generator``) and the validation noise.  With ``steps=None``
the run measures its speed over its first steps and sizes the schedule to fill
``minutes``; a run is then reproduced (on one thread) by passing the recorded
``total_steps`` as ``steps``.  Training also stops at ``minutes`` of wall time.

The weights go to ``out_path`` (with the SHA-256 sidecar, see
:mod:`.checkpoint`); a JSON-lines log goes next to them (``NAME.train.log``).
"""

from __future__ import annotations

import json
import math
import os
import platform
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from ddm_sscc.errors import ConfigError
from ddm_sscc.experiments.deepjscc.checkpoint import save_deepjscc
from ddm_sscc.experiments.deepjscc.model import DeepJscc, DeepJsccConfig
from ddm_sscc.experiments.deepjscc.torch_channel import TrainingChannel
from ddm_sscc.training.data import CropSet, load_packed

DEFAULT_SNRS_DB = (0.0, 5.0, 10.0, 15.0, 20.0)
PROBE_STEPS = (5, 25)
"""Steps between which a run with ``steps=None`` measures its speed."""
WARMUP = 100


def _rgb(pixels: np.ndarray, channels: np.ndarray) -> np.ndarray:
    """uint8 ``(N, S, S, 3)`` with greyscale crops (``channels == 1``) replicated from channel 0."""
    out = pixels.copy()
    grey = channels == 1
    out[grey] = np.repeat(pixels[grey][..., :1], 3, axis=-1)
    return out


def _to_tensor(pixels: np.ndarray) -> torch.Tensor:
    """uint8 ``(N, H, W, 3)`` → float32 ``(N, 3, H, W)`` in ``[0, 1]``."""
    return torch.from_numpy(np.ascontiguousarray(pixels.transpose(0, 3, 1, 2))).to(torch.float32) / 255.0


def _batch(pixels: np.ndarray, batch: int, crop: int, seed: int, step: int) -> torch.Tensor:
    rng = np.random.default_rng([seed, step])
    full = pixels.shape[1]
    idx = rng.integers(0, len(pixels), batch)
    ys, xs = rng.integers(0, full - crop + 1, batch), rng.integers(0, full - crop + 1, batch)
    out = np.stack([pixels[i, y : y + crop, x : x + crop] for i, y, x in zip(idx, ys, xs)])
    flip = rng.random(batch) < 0.5
    out[flip] = out[flip, :, ::-1]
    return _to_tensor(out)


def _lr(step: int, total: int, peak: float) -> float:
    if step < WARMUP:
        return peak * (step + 1) / WARMUP
    progress = min(1.0, (step - WARMUP) / max(1, total - WARMUP))
    return peak * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * progress)))


def psnr_db(reference: torch.Tensor, estimate: torch.Tensor) -> torch.Tensor:
    """Per-image PSNR (dB) of float ``(B, 3, H, W)`` images in ``[0, 1]``, rounded to 8 bits: float64 ``(B,)``."""
    ref = torch.round(reference.double() * 255.0)
    est = torch.round(estimate.double().clamp(0, 1) * 255.0)
    mse = (ref - est).square().flatten(1).mean(dim=1).clamp_min(1e-10)
    return 10.0 * torch.log10(255.0**2 / mse)


@torch.no_grad()
def validate(
    model: DeepJscc, images: torch.Tensor, snrs_db: Sequence[float], seed: int, chunk: int = 50
) -> dict[str, float]:
    """Mean per-image PSNR (dB) of ``images`` (float32 ``(N, 3, H, W)``) through AWGN per SNR: ``{"10": 27.3, …}``."""
    was_training = model.training
    model.eval()
    out: dict[str, float] = {}
    for k, snr in enumerate(snrs_db):
        gen = torch.Generator().manual_seed(seed * 1_000_003 + 7919 * k + 1)
        channel = TrainingChannel([snr], gen)
        values = [psnr_db(part, model(part, channel)) for part in images.split(chunk)]
        out[f"{float(snr):g}"] = round(float(torch.cat(values).mean()), 3)
    model.train(was_training)
    return out


def _hardware() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return f"{line.split(':', 1)[1].strip()}, {torch.get_num_threads()} torch thread(s)"
    except OSError:
        pass
    return f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} torch thread(s)"


def train_deepjscc(
    crops: CropSet | str | os.PathLike[str],
    out_path: str | os.PathLike[str],
    *,
    minutes: float,
    snrs_db: Sequence[float] = DEFAULT_SNRS_DB,
    seed: int = 0,
    batch: int = 16,
    crop: int = 64,
    steps: int | None = None,
    config: DeepJsccConfig = DeepJsccConfig(),
    lr: float = 1e-3,
    holdout: int = 200,
    fading: bool = False,
    val_every_s: float = 300.0,
    val_subset: int = 32,
    log_path: str | os.PathLike[str] | None = None,
) -> dict:
    """Train a DeepJSCC network and save it to ``out_path`` (safetensors + SHA-256 sidecar).

    Args:
        crops: training crops, or the path of a packed crop file.
        out_path: the ``.safetensors`` file to write (overwritten).
        minutes: wall-time limit; with ``steps=None`` also the planned length.
        snrs_db: SNRs (Es/N0, dB) drawn per training image and validated at.
        seed: the one seed of the run.
        batch, crop: images per step and their size (``crop`` ≤ the crop file's size).
        steps: fixed number of steps (reproducible schedule); None plans it from ``minutes``.
        config: the architecture.
        lr: peak Adam learning rate.
        holdout: last crops kept for validation (not trained on).
        fading: train through coherent Rayleigh fading instead of AWGN.
        val_every_s: seconds between validations on ``val_subset`` holdout crops.
        log_path: JSON-lines log; default ``NAME.train.log`` beside ``out_path``.

    Returns:
        The facts stored with the weights: steps, wall time, ``val_psnr_db`` per SNR on
        all holdout crops, ``sha256`` of the written file, and the settings.
    """
    if not isinstance(crops, CropSet):
        crops = load_packed(Path(crops))
    if minutes <= 0:
        raise ConfigError(f"minutes must be positive, got {minutes}")
    if not 0 < holdout < len(crops):
        raise ConfigError(f"holdout must lie in 1..{len(crops) - 1}, got {holdout}")
    if not 4 <= crop <= crops.pixels.shape[1]:
        raise ConfigError(f"crop must lie in 4..{crops.pixels.shape[1]}, got {crop}")
    if batch < 1 or (steps is not None and steps < 1):
        raise ConfigError("batch and steps must be positive")
    out_path = Path(out_path)
    log_path = Path(log_path) if log_path is not None else out_path.with_name(out_path.stem + ".train.log")
    train_set, held = crops.split(holdout)
    train_pixels = _rgb(train_set.pixels, train_set.channels)
    held_images = _to_tensor(_rgb(held.pixels, held.channels))

    torch.manual_seed(seed)
    model = DeepJscc(config).train()
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    channel = TrainingChannel(snrs_db, torch.Generator().manual_seed(seed), fading=fading)
    total = steps if steps is not None else 10**9
    settings = {"snrs_db": [float(s) for s in snrs_db], "seed": seed, "batch": batch, "crop": crop, "lr": lr,
                "holdout": holdout, "fading": fading, "n_train_crops": len(train_set), "n_holdout_crops": len(held),
                "crop_file_size": int(crops.pixels.shape[1])}
    t0 = time.monotonic()
    last_val = t0
    step, window = 0, []
    stopped_by = "steps"
    with open(log_path, "w") as log:
        log.write(json.dumps({"event": "start", "config": json.loads(config.to_json()), **settings,
                              "parameters": sum(p.numel() for p in model.parameters()),
                              "hardware": _hardware()}) + "\n")
        while step < total:
            if time.monotonic() - t0 > minutes * 60:
                stopped_by = "minutes"
                break
            if steps is None and step == PROBE_STEPS[0]:
                probe_t = time.monotonic()
            if steps is None and step == PROBE_STEPS[1]:
                rate = (PROBE_STEPS[1] - PROBE_STEPS[0]) / (time.monotonic() - probe_t)
                # Leave room for the validations and the final one on all holdout crops.
                total = max(step + 1, int(rate * (minutes * 60 * 0.93 - (time.monotonic() - t0))))
                log.write(json.dumps({"event": "plan", "total_steps": total, "steps_per_s": round(rate, 3)}) + "\n")
            for group in opt.param_groups:
                group["lr"] = _lr(step, total, lr)
            images = _batch(train_pixels, batch, crop, seed, step)
            loss = torch.nn.functional.mse_loss(model(images, channel), images)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            step += 1
            window.append(loss.item())
            if step % 50 == 0:
                mse = sum(window) / len(window)
                window.clear()
                record = {"step": step, "mse": round(mse, 6), "psnr_db": round(10 * math.log10(1 / mse), 3),
                          "lr": opt.param_groups[0]["lr"], "elapsed_s": round(time.monotonic() - t0, 1)}
                log.write(json.dumps(record) + "\n")
                log.flush()
            if time.monotonic() - last_val > val_every_s:
                val = validate(model, held_images[:val_subset], snrs_db, seed)
                record = {"step": step, "val_subset_psnr_db": val, "elapsed_s": round(time.monotonic() - t0, 1)}
                log.write(json.dumps(record) + "\n")
                log.flush()
                last_val = time.monotonic()
        train_s = time.monotonic() - t0
        val = validate(model, held_images, snrs_db, seed)
        facts = {**settings, "steps": step, "total_steps": total, "stopped_by": stopped_by,
                 "train_seconds": round(train_s, 1), "val_psnr_db": val,
                 "bandwidth_ratio": str(config.bandwidth_ratio),
                 "parameters": sum(p.numel() for p in model.parameters()),
                 "hardware": _hardware(), "torch": torch.__version__}
        sha = save_deepjscc(out_path, model, facts)
        facts["sha256"] = sha
        facts["elapsed_s"] = round(time.monotonic() - t0, 1)
        log.write(json.dumps({"event": "end", **facts}) + "\n")
    return facts
