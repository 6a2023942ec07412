"""Training the feature network on a CPU: resumable, logged, seeded.

A run directory holds ``network.safetensors`` (float weights and config),
``train_state.safetensors`` (optimizer moments, step) and ``train.log`` (one
JSON object per logged step, with the validation code length).  Restarting
with the same directory resumes where the last save left off; batches are
drawn from a generator seeded by ``(seed, step)``, so a resumed run sees the
batches an unbroken one would.  Validation examples come from held-out photos
(never Kodak), drawn once with a fixed seed.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file

from ddm_sscc.codec.feature_network import FeatureNetwork, FeatureNetworkConfig, mixture_nll_bits
from ddm_sscc.codec.safetensors_file import save_canonical
from ddm_sscc.errors import ConfigError
from ddm_sscc.training.chroma_history import chroma_subsampled, with_chroma_history
from ddm_sscc.training.coding_steps import HeadBatch, batch_examples
from ddm_sscc.training.film_grain import grainy, with_grain
from ddm_sscc.training.tiny_images import TINY_PER_CROP, TinyImageSource
from ddm_sscc.training.warm_start import warm_start_network


@dataclass(frozen=True)
class FeatureTrainConfig:
    """Optimisation settings (the network's live in :class:`FeatureNetworkConfig`)."""

    crop: int = 128
    crops_per_batch: int = 8
    per_step: int = 1024
    lr: float = 2e-3
    final_lr_fraction: float = 0.05
    total_steps: int = 40000
    warmup: int = 200
    seed: int = 0
    log_every: int = 100
    save_every_s: float = 180.0
    validation_crops: int = 64
    tiny_crops: int = 0
    """Tiny JPEG-decoded images added to every batch (:mod:`ddm_sscc.training.tiny_images`)."""
    chroma_history: float = 0.0
    """Share of the training crops given a 4:2:0 chroma history (:mod:`ddm_sscc.training.chroma_history`)."""
    grain: float = 0.0
    """Share of the training crops given film-like grain (:mod:`ddm_sscc.training.film_grain`)."""

    def __post_init__(self) -> None:
        for name, share in (("chroma-history", self.chroma_history), ("grain", self.grain)):
            if not 0.0 <= share <= 1.0:  # NaN fails it too
                raise ConfigError(f"the {name} share must be in 0..1, got {share}")


RESUMED_SETTINGS = ("crop", "crops_per_batch", "per_step", "lr", "seed", "tiny_crops", "chroma_history", "grain")
"""Settings a resumed run keeps from its own checkpoint unless given again."""


def run_train_config(run_dir: Path, total_steps: int, **given) -> tuple[FeatureTrainConfig, dict]:
    """The settings to train ``run_dir`` with: ``given`` (None values left out), then for an
    existing run the ones its checkpoint recorded, then the defaults.  Also returns what was
    taken from the checkpoint, so a resumed run goes on with the batch shape it started with."""
    saved: dict = {}
    if (run_dir / "network.safetensors").exists():
        saved = _run_metadata(run_dir / "network.safetensors")[1].get("train", {})
    taken = {k: saved[k] for k in RESUMED_SETTINGS if given.get(k) is None and k in saved}
    chosen = {k: v for k, v in given.items() if v is not None}
    return FeatureTrainConfig(**(taken | chosen), total_steps=total_steps), taken


def lr_at(step: int, cfg: FeatureTrainConfig) -> float:
    if step < cfg.warmup:
        return cfg.lr * (step + 1) / cfg.warmup
    progress = min(1.0, (step - cfg.warmup) / max(1, cfg.total_steps - cfg.warmup))
    return cfg.lr * (cfg.final_lr_fraction + (1 - cfg.final_lr_fraction) * 0.5 * (1 + math.cos(math.pi * progress)))


class CropSource:
    """Random crops from whole images, drawn in proportion to image area."""

    def __init__(self, images: list[np.ndarray], size: int) -> None:
        self.images = [im for im in images if im.shape[0] >= size and im.shape[1] >= size]
        if not self.images:
            raise ConfigError(f"no training image is at least {size}×{size} pixels")
        areas = np.array([im.shape[0] * im.shape[1] for im in self.images], dtype=np.float64)
        self.p = areas / areas.sum()
        self.size = size

    def draw(self, rng: np.random.Generator, count: int) -> list[np.ndarray]:
        out = []
        for k in rng.choice(len(self.images), size=count, p=self.p):
            im = self.images[k]
            y = int(rng.integers(0, im.shape[0] - self.size + 1))
            x = int(rng.integers(0, im.shape[1] - self.size + 1))
            out.append(im[y : y + self.size, x : x + self.size])
        return out


def validation_batch(validation: list[np.ndarray], cfg: FeatureTrainConfig, per_step: int | None = None,
                     net_cfg: FeatureNetworkConfig = FeatureNetworkConfig()) -> dict[int, HeadBatch]:
    """The run's fixed validation examples: ``cfg.validation_crops`` crops of the held-out images,
    drawn with a seed of their own, ``per_step`` (default ``cfg.per_step``) positions each
    (the same crops and drawn steps whatever the network's features; the positions are those
    of ``net_cfg.order``)."""
    rng = np.random.default_rng([cfg.seed, 7777])
    crops = CropSource(validation, cfg.crop).draw(rng, cfg.validation_crops)
    return batch_examples(crops, rng, per_step or cfg.per_step, net_cfg)


def history_validation_batch(validation: list[np.ndarray], cfg: FeatureTrainConfig, history: str,
                             net_cfg: FeatureNetworkConfig = FeatureNetworkConfig()) -> dict[int, HeadBatch]:
    """The validation crops of :func:`validation_batch` (same crops and drawn steps), each with
    ``history``: ``"chroma"`` a 4:2:0 chroma history upsampled bilinearly, ``"grain"`` grain of
    2 levels, grain size 0.7 px, half of it shared by the channels."""
    rng = np.random.default_rng([cfg.seed, 7777])
    crops = CropSource(validation, cfg.crop).draw(rng, cfg.validation_crops)
    if history == "chroma":
        crops = [chroma_subsampled(c) for c in crops]
    elif history == "grain":
        noise_rng = np.random.default_rng([cfg.seed, 7778])
        crops = [grainy(c, noise_rng, sigma=2.0, blur=0.7, shared=0.5) for c in crops]
    else:
        raise ValueError(f"unknown history {history!r}")
    return batch_examples(crops, rng, cfg.per_step, net_cfg)


def tiny_validation_batch(validation: list[np.ndarray], cfg: FeatureTrainConfig,
                          net_cfg: FeatureNetworkConfig = FeatureNetworkConfig()) -> dict[int, HeadBatch]:
    """Fixed validation examples of the tiny regime: ``TINY_PER_CROP × cfg.validation_crops`` tiny images of
    the held-out photos at JPEG quality 75 (the CIFAR proxy's), drawn with a seed of their own."""
    rng = np.random.default_rng([cfg.seed, 7575])
    images = TinyImageSource(validation).draw(rng, TINY_PER_CROP * cfg.validation_crops, jpeg_quality=75)
    return batch_examples(images, rng, cfg.per_step, net_cfg)


def batch_bits(net: FeatureNetwork, batch: dict[int, HeadBatch]) -> tuple[torch.Tensor, int]:
    """Summed code length (bits) of every example in ``batch``, and how many there were."""
    total, count = torch.zeros(()), 0
    for head, part in batch.items():
        raw = net(head, part.feats)
        total = total + mixture_nll_bits(raw, part.base, part.target, net.config.components).sum()
        count += len(part.target)
    return total, count


def save_run(run_dir: Path, net: FeatureNetwork, optimizer: torch.optim.Optimizer, step: int, facts: dict) -> None:
    weights = {k: v.detach().to(torch.float32).contiguous() for k, v in net.state_dict().items()}
    save_canonical(weights, run_dir / "network.safetensors", {"config": json.dumps(net.config.to_dict()), "facts": json.dumps(facts)})
    state = {}
    for i, group in optimizer.state_dict()["state"].items():
        for key, value in group.items():
            state[f"{i}.{key}"] = torch.as_tensor(value, dtype=torch.float32).contiguous()
    save_canonical(state, run_dir / "train_state.safetensors", {"step": str(step)})


def load_float_network(path: Path) -> tuple[FeatureNetwork, dict]:
    config, facts = _run_metadata(path)
    net = FeatureNetwork(config)
    net.load_state_dict(load_file(str(path)))
    return net, facts


def _run_metadata(path: Path) -> tuple[FeatureNetworkConfig, dict]:
    """A run's network config and facts, from the file's metadata only (no tensors read)."""
    from safetensors import safe_open

    with safe_open(str(path), framework="pt") as handle:
        meta = handle.metadata()
    return FeatureNetworkConfig(**json.loads(meta["config"])), json.loads(meta.get("facts", "{}"))


def train_features(images: list[np.ndarray], validation: list[np.ndarray], run_dir: Path,
                   cfg: FeatureTrainConfig = FeatureTrainConfig(), net_cfg: FeatureNetworkConfig = FeatureNetworkConfig(),
                   minutes: float | None = None, log=print, stop_after: int | None = None,
                   init_from: Path | None = None) -> dict:
    """Train (or resume) until ``cfg.total_steps``, ``minutes`` of wall time or step ``stop_after``.

    A new run starts from random weights, or with ``init_from`` (a run directory) from that
    run's network widened to ``net_cfg`` (:func:`~ddm_sscc.training.warm_start.widened`); a
    resumed run ignores it.

    Returns the last log record (step, training and validation bpsp, learning rate, seconds).
    """
    run_dir.mkdir(parents=True, exist_ok=True)
    source = CropSource(images, cfg.crop)
    with torch.random.fork_rng():
        torch.manual_seed(cfg.seed)  # the initial weights follow the run's seed
        net = FeatureNetwork(net_cfg)
    optimizer = torch.optim.Adam(net.parameters(), lr=cfg.lr)
    step = 0
    if (run_dir / "network.safetensors").exists():
        net, _ = load_float_network(run_dir / "network.safetensors")
        optimizer = torch.optim.Adam(net.parameters(), lr=cfg.lr)
        step = _restore_optimizer(run_dir / "train_state.safetensors", net, optimizer)
        log(f"resumed {run_dir} at step {step}")
        if net.config != net_cfg:
            log(f"the run's own network settings are kept: {net.config.to_dict()} (those given are for a new run)")
    elif init_from is not None:
        net = warm_start_network(init_from, net_cfg)
        optimizer = torch.optim.Adam(net.parameters(), lr=cfg.lr)
        log(f"new run started from {init_from}'s network")
    val_batch = validation_batch(validation, cfg, net_cfg=net.config)
    tiny = TinyImageSource(images) if cfg.tiny_crops else None
    extra_val = {}  # validation sets of the run's other regimes, by log key
    if tiny is not None:
        extra_val["val_tiny_bpsp"] = tiny_validation_batch(validation, cfg, net.config)
    if cfg.chroma_history:
        extra_val["val_chroma_bpsp"] = history_validation_batch(validation, cfg, "chroma", net.config)
    if cfg.grain:
        extra_val["val_grain_bpsp"] = history_validation_batch(validation, cfg, "grain", net.config)
    start, last_save = time.monotonic(), time.monotonic()
    record: dict = {}
    running, running_n = 0.0, 0
    while step < cfg.total_steps:
        rng = np.random.default_rng([cfg.seed, step])
        crops = source.draw(rng, cfg.crops_per_batch)
        if cfg.chroma_history:  # drawn after the crops, so a run without it draws the same crops
            crops = with_chroma_history(crops, rng, cfg.chroma_history)
        if cfg.grain:  # likewise
            crops = with_grain(crops, rng, cfg.grain)
        if tiny is not None:  # drawn after the crops, so a run without them draws the same crops
            crops += tiny.draw(rng, cfg.tiny_crops)
        batch = batch_examples(crops, rng, cfg.per_step, net.config)
        for group in optimizer.param_groups:
            group["lr"] = lr_at(step, cfg)
        bits, count = batch_bits(net, batch)
        optimizer.zero_grad(set_to_none=True)
        (bits / count).backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 5.0)
        optimizer.step()
        running, running_n = running + float(bits.detach()), running_n + count
        step += 1
        elapsed = time.monotonic() - start
        out_of_time = (minutes is not None and elapsed > minutes * 60) or step == stop_after
        if step % cfg.log_every == 0 or out_of_time or step == cfg.total_steps:
            with torch.no_grad():
                vbits, vcount = batch_bits(net, val_batch)
            record = {"step": step, "train_bpsp": running / max(1, running_n), "val_bpsp": float(vbits) / vcount,
                      "lr": lr_at(step, cfg), "elapsed_s": round(elapsed, 1), "time": time.strftime("%Y-%m-%dT%H:%M:%S")}
            for key, batch_of_regime in extra_val.items():
                with torch.no_grad():
                    xbits, xcount = batch_bits(net, batch_of_regime)
                record[key] = float(xbits) / xcount
            running, running_n = 0.0, 0
            with open(run_dir / "train.log", "a") as handle:
                handle.write(json.dumps(record) + "\n")
            log(json.dumps(record))
        if time.monotonic() - last_save > cfg.save_every_s or out_of_time or step == cfg.total_steps:
            save_run(run_dir, net, optimizer, step, {"train": asdict(cfg), "step": step})
            last_save = time.monotonic()
        if out_of_time:
            break
    if not record:  # nothing left to train: report where the run stands
        with torch.no_grad():
            vbits, vcount = batch_bits(net, val_batch)
        record = {"step": step, "train_bpsp": None, "val_bpsp": float(vbits) / vcount, "lr": lr_at(step, cfg),
                  "elapsed_s": 0.0, "time": time.strftime("%Y-%m-%dT%H:%M:%S")}
    return record


def _restore_optimizer(path: Path, net: FeatureNetwork, optimizer: torch.optim.Optimizer) -> int:
    from safetensors import safe_open

    if not path.exists():
        return 0
    with safe_open(str(path), framework="pt") as handle:
        step = int(handle.metadata()["step"])
    tensors = load_file(str(path))
    state = {}
    for i, p in enumerate(net.parameters()):
        if f"{i}.exp_avg" in tensors:
            state[i] = {"step": tensors[f"{i}.step"], "exp_avg": tensors[f"{i}.exp_avg"], "exp_avg_sq": tensors[f"{i}.exp_avg_sq"]}
    sd = optimizer.state_dict()
    sd["state"] = state
    optimizer.load_state_dict(sd)
    return step
