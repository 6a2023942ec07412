"""The training loop: resumable, logged, seeded; CPU or CUDA.

A run directory holds ``model.safetensors`` (the network, loadable by the
codec), ``train_state.safetensors`` (optimizer moments and progress) and
``train.log`` (one JSON object per logged step).  Restarting with the same
directory resumes.  Batches are drawn from a generator seeded by
``(seed, step)``, so a resumed run sees the batches an unbroken one would.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file, save_file

from ddm_sscc.codec.checkpoint import load_network, save_network
from ddm_sscc.codec.network import DiffusionTransformer, NetworkConfig
from ddm_sscc.training.data import CropSet
from ddm_sscc.training.objective import MaskSampler, masked_loss, nats_to_bits


@dataclass(frozen=True)
class TrainConfig:
    """Optimisation settings (the network's live in :class:`NetworkConfig`)."""

    crop: int = 128
    batch: int = 32
    lr: float = 1e-3
    weight_decay: float = 0.05
    warmup: int = 300
    total_steps: int = 20000
    seed: int = 0
    log_every: int = 50
    save_every_s: float = 120.0


def _optimizer(model: torch.nn.Module, cfg: TrainConfig) -> torch.optim.AdamW:
    def decays(name: str, p: torch.nn.Parameter) -> bool:  # weight matrices, not embeddings, norms or biases
        return p.ndim >= 2 and "embed" not in name and "prior" not in name

    decay = [p for n, p in model.named_parameters() if decays(n, p)]
    other = [p for n, p in model.named_parameters() if not decays(n, p)]
    return torch.optim.AdamW(
        [{"params": decay, "weight_decay": cfg.weight_decay}, {"params": other, "weight_decay": 0.0}],
        lr=cfg.lr, betas=(0.9, 0.99),
    )


def _lr(step: int, cfg: TrainConfig, total: int) -> float:
    if step < cfg.warmup:
        return cfg.lr * (step + 1) / cfg.warmup
    progress = min(1.0, (step - cfg.warmup) / max(1, total - cfg.warmup))
    return cfg.lr * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * progress)))


def _batch(crops: CropSet, cfg: TrainConfig, step: int, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    rng = np.random.default_rng([cfg.seed, step])
    idx = rng.integers(0, len(crops), cfg.batch)
    size, full = cfg.crop, crops.pixels.shape[1]
    ys, xs = rng.integers(0, full - size + 1, cfg.batch), rng.integers(0, full - size + 1, cfg.batch)
    out = np.stack([crops.pixels[i, y : y + size, x : x + size] for i, y, x in zip(idx, ys, xs)])
    flip = rng.random(cfg.batch) < 0.5
    out[flip] = out[flip, :, ::-1]
    pixels = torch.from_numpy(np.ascontiguousarray(out.transpose(0, 3, 1, 2))).to(device, torch.int64)
    return pixels, torch.from_numpy(crops.channels[idx].astype(np.int64)).to(device)


def train(
    crops: CropSet,
    run_dir: Path,
    cfg: TrainConfig = TrainConfig(),
    net: NetworkConfig = NetworkConfig(),
    device: str = "cpu",
    minutes: float | None = None,
    plan_minutes: float | None = None,
    progress: bool = True,
    init: Path | None = None,
    stop_after: int | None = None,
) -> dict:
    """Train (or resume) in ``run_dir`` until the planned steps or ``minutes`` of wall time.

    With ``plan_minutes`` a new run measures its speed over its first steps and
    sets the total (and so the learning-rate schedule) to fill that much time;
    the total is saved, so resumed runs keep the same schedule.  ``init``
    warm-starts a new run from another checkpoint's matching weights.
    ``stop_after`` ends this invocation (resumably) after that many steps.
    """
    run_dir.mkdir(parents=True, exist_ok=True)
    dev = torch.device(device)
    torch.manual_seed(cfg.seed)
    model_path, state_path, log_path = run_dir / "model.safetensors", run_dir / "train_state.safetensors", run_dir / "train.log"
    start_step, elapsed_before, total = 0, 0.0, cfg.total_steps
    if model_path.exists() and state_path.exists():
        model, _, _ = load_network(model_path)
        model.to(dev).train()
        opt = _optimizer(model, cfg)
        state = load_file(str(state_path))
        meta = json.loads(state.pop("__meta__").numpy().tobytes().decode())
        opt_state = opt.state_dict()
        for i in range(len(opt_state["param_groups"][0]["params"]) + len(opt_state["param_groups"][1]["params"])):
            if f"{i}.exp_avg" in state:
                opt_state["state"][i] = {k: state[f"{i}.{k}"].to(dev) for k in ("step", "exp_avg", "exp_avg_sq")}
        opt.load_state_dict(opt_state)
        start_step, elapsed_before, total = meta["step"], meta["elapsed_s"], meta["total_steps"]
        plan_minutes = None
    else:
        model = DiffusionTransformer(net)
        if init is not None:
            donor, _, _ = load_network(init, strict=False, config=net)
            model.load_state_dict(donor.state_dict())
        model = model.to(dev).train()
        opt = _optimizer(model, cfg)
    sampler = MaskSampler(cfg.crop, dev)
    use_amp = dev.type == "cuda"
    t0 = time.monotonic()
    last_save = t0
    window: list[float] = []
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=total, initial=start_step, unit="step", dynamic_ncols=True)

    def save(step: int, bpsp: float | None) -> None:
        elapsed = elapsed_before + time.monotonic() - t0
        facts = {"step": step, "total_steps": total, "train_bpsp": bpsp, "elapsed_s": round(elapsed, 1),
                 "device": torch.cuda.get_device_name(dev) if dev.type == "cuda" else "cpu", "train": asdict(cfg)}
        save_network(model_path, model, facts)
        tensors = {}
        for i, s in opt.state_dict()["state"].items():
            for k in ("step", "exp_avg", "exp_avg_sq"):
                tensors[f"{i}.{k}"] = torch.as_tensor(s[k]).detach().to("cpu").contiguous()
        meta = json.dumps({"step": step, "elapsed_s": elapsed, "total_steps": total}).encode()
        tensors["__meta__"] = torch.frombuffer(bytearray(meta), dtype=torch.uint8)
        save_file(tensors, str(state_path) + ".part")
        Path(str(state_path) + ".part").replace(state_path)

    step = start_step
    bpsp = None
    with open(log_path, "a") as log:
        probe = (10, 40)  # steps between which a new run measures its speed
        while step < total:
            if minutes is not None and time.monotonic() - t0 > minutes * 60:
                break
            if stop_after is not None and step - start_step >= stop_after:
                break
            if plan_minutes is not None and step == probe[0]:
                probe_t = time.monotonic()
            if plan_minutes is not None and step == probe[1]:
                rate = (probe[1] - probe[0]) / (time.monotonic() - probe_t)
                total = max(step + 1, int(rate * plan_minutes * 60))
                if bar is not None:
                    bar.total = total
            for group in opt.param_groups:
                group["lr"] = _lr(step, cfg, total)
            pixels, channels = _batch(crops, cfg, step, dev)
            gen = torch.Generator(device=dev).manual_seed(cfg.seed * 1_000_003 + step)
            mask = sampler(cfg.batch, gen)
            with torch.autocast(dev.type, dtype=torch.bfloat16, enabled=use_amp):
                loss = masked_loss(model, pixels, channels, mask)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            step += 1
            window.append(float(loss.detach()))
            if step % cfg.log_every == 0 or step == total:
                bpsp = nats_to_bits(sum(window) / len(window))
                window.clear()
                record = {"step": step, "bpsp": round(bpsp, 4), "lr": opt.param_groups[0]["lr"],
                          "elapsed_s": round(elapsed_before + time.monotonic() - t0, 1)}
                log.write(json.dumps(record) + "\n")
                log.flush()
                if bar is not None:
                    bar.set_postfix(loss=f"{bpsp * math.log(2):.4f}", bpsp=f"{bpsp:.4f}")
            if bar is not None:
                bar.update(1)
            if time.monotonic() - last_save > cfg.save_every_s:
                save(step, bpsp)
                last_save = time.monotonic()
    save(step, bpsp)
    if bar is not None:
        bar.close()
    return {"step": step, "total_steps": total, "bpsp": bpsp, "elapsed_s": elapsed_before + time.monotonic() - t0}
