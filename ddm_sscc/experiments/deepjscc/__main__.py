"""``python -m ddm_sscc.experiments.deepjscc train|eval …``: train DeepJSCC on packed crops, or measure its PSNR.

Example (the shipped model, ``weights/MODEL_CARD.md``)::

    python -m ddm_sscc.experiments.deepjscc --threads 1 train --data runs/train_crops.npz \\
        --out ddm_sscc/experiments/deepjscc/weights/deepjscc-c16.safetensors --minutes 42 \\
        --channels 16 --filters 64 --batch 32 --crop 64 --snrs 0,5,10,15,20 --seed 20261125
    python -m ddm_sscc.experiments.deepjscc eval IMG [IMG …] --snrs 0,10,20 [--channel awgn|rayleigh] [--weights F]
"""

from __future__ import annotations

import argparse
import json
import sys

import torch

from ddm_sscc.channel import ChannelConfig
from ddm_sscc.errors import DdmError
from ddm_sscc.experiments.deepjscc.model import DeepJsccConfig
from ddm_sscc.experiments.deepjscc.training import train_deepjscc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ddm_sscc.experiments.deepjscc")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    sub = parser.add_subparsers(dest="command", required=True)
    train = sub.add_parser("train", help="train DeepJSCC on a packed crop file (ddm-sscc pack-crops)")
    train.add_argument("--data", required=True, help="packed crop file (.npz)")
    train.add_argument("--out", required=True, help="weights file to write (.safetensors)")
    train.add_argument("--minutes", type=float, required=True)
    train.add_argument("--steps", type=int, default=None, help="fixed step count (default: plan from --minutes)")
    train.add_argument("--channels", type=int, default=16)
    train.add_argument("--filters", type=int, default=32)
    train.add_argument("--batch", type=int, default=16)
    train.add_argument("--crop", type=int, default=64)
    train.add_argument("--lr", type=float, default=1e-3)
    train.add_argument("--holdout", type=int, default=200)
    train.add_argument("--snrs", default="0,5,10,15,20", help="comma-separated training SNRs in dB")
    train.add_argument("--fading", action="store_true", help="train through coherent Rayleigh fading")
    train.add_argument("--seed", type=int, default=0)
    evaluate = sub.add_parser("eval", help="PSNR of images sent through DeepJSCC and a simulated channel")
    evaluate.add_argument("images", nargs="+", help="image files or builtin:NAME")
    evaluate.add_argument("--weights", default=None, help="weights file (default: the shipped model)")
    evaluate.add_argument("--snrs", default="0,5,10,15,20", help="comma-separated SNRs in dB")
    evaluate.add_argument("--channel", default="awgn", choices=("awgn", "rayleigh"))
    evaluate.add_argument("--seed", type=int, default=0, help="channel seed")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    try:
        if args.command == "eval":
            return _evaluate(args)
        facts = train_deepjscc(
            args.data, args.out, minutes=args.minutes, steps=args.steps, seed=args.seed, batch=args.batch,
            crop=args.crop, snrs_db=[float(s) for s in args.snrs.split(",")], lr=args.lr, holdout=args.holdout,
            fading=args.fading, config=DeepJsccConfig(channels=args.channels, filters=args.filters),
        )
    except (DdmError, ValueError) as exc:
        print(f"deepjscc: error: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(facts, indent=2))
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    import numpy as np

    from ddm_sscc.experiments.deepjscc.transmit import deepjscc_transmit
    from ddm_sscc.experiments.deepjscc.zoo import load_deepjscc
    from ddm_sscc.image_io import load_image

    model = load_deepjscc(args.weights)
    for source in args.images:
        pixels = load_image(source).pixels
        row: dict = {"image": source, "channel": args.channel, "psnr_db": {}, "exact": {}}
        for snr in (float(s) for s in args.snrs.split(",")):
            config = ChannelConfig(kind=args.channel, snr_db=snr, seed=args.seed)
            recon, n_cu = deepjscc_transmit(model, pixels, config)
            mse = float(np.mean((recon.astype(np.float64) - pixels) ** 2))
            row["psnr_db"][f"{snr:g}"] = round(10 * np.log10(255.0**2 / max(mse, 1e-10)), 3)
            row["exact"][f"{snr:g}"] = bool(np.array_equal(recon, pixels))
            row["n_channel_uses"] = n_cu
        print(json.dumps(row))
    return 0


if __name__ == "__main__":
    sys.exit(main())
