"""Validation code length of training runs on one common batch, so runs with other settings compare.

A run's ``train.log`` validates on crops drawn with its own ``--per-step``, so two runs with
different batch shapes log different validation sets.  This evaluates each run's float network
(``RUN/network.safetensors``) on the same held-out batch: the training command's default
hold-out photos, 64 crops of 128×128, ``--per-step`` positions each (1024: the default runs'
set), drawn by the training loop's own ``validation_batch``.

    .venv/bin/python benchmarks/validation_bpsp.py RUN [RUN ...] [--per-step 1024] [--data DIR]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

from ddm_sscc.experiments.datasets import data_root
from ddm_sscc.training.feature_loop import FeatureTrainConfig, batch_bits, load_float_network, validation_batch
from ddm_sscc.training.training_images import split_training_images


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+")
    parser.add_argument("--per-step", type=int, default=1024)
    parser.add_argument("--data", default=str(data_root() / "train"))
    args = parser.parse_args()
    torch.set_num_threads(1)
    cfg = FeatureTrainConfig()
    _, validation, held = split_training_images(Path(args.data), None)
    batches: dict[tuple, dict] = {}  # one batch per feature set and order the runs use, drawn when first needed
    print(f"# validation bpsp: {', '.join(held)}, {cfg.validation_crops} crops of {cfg.crop}x{cfg.crop}, "
          f"{args.per_step} positions each, one drawn step per crop")
    for run in args.runs:
        net, facts = load_float_network(Path(run) / "network.safetensors")
        layout = (net.config.planes, net.config.order)
        if layout not in batches:
            batches[layout] = validation_batch(validation, cfg, args.per_step, net.config)
        with torch.no_grad():
            bits, count = batch_bits(net, batches[layout])
        print(f"{run} (step {facts.get('step')}): {float(bits) / count:.4f} bpsp over {count} sub-pixels", flush=True)


if __name__ == "__main__":
    main()
