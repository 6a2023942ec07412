"""Code length on held-out *training-set* photos, where design choices are made (never Kodak).

Each image (a top-left crop, 768×512 by default, as in ../shared/notes/model-levers.md) is
coded through the real encoder with every requested calibration mode of a zoo model (bpsp
from the .ddm size, header included), decoded once to check it, and compared with JPEG-XL
lossless effort 9 on the same pixels.  Prints one line per image and the pooled means.

    .venv/bin/python benchmarks/heldout_bpsp.py [--model ID|FILE] [--modes off,offline,online]
        [--crop 768x512] [--steps T] [--order halton|lattice|...] [--offset-cuts=none|-32,-8,8,32]
        [--regression on|off] [FILE ...]

``--order`` codes with another order than the model's own (default: the one it was trained for).
``--offset-cuts`` replaces the feature model's online-adaptation contexts and ``--regression``
turns its residual regression on or off (design experiments: such files decode only with the
same replacement, which this script uses).

Default files: wikipedia/045.png, 046.png and 047.png of $DDM_DATA/train (the training
command's default hold-out).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import time

import numpy as np
import torch

from ddm_sscc.codec import CodecSettings, DiffusionCodec, OrderKind, load_codec
from ddm_sscc.codec.feature_model import FeatureModel
from ddm_sscc.codec.model import trained_order
from ddm_sscc.codec.schedule import DEFAULT_STEPS
from ddm_sscc.experiments.baselines import baselines
from ddm_sscc.experiments.datasets import data_root
from ddm_sscc.image_io import load_image
from ddm_sscc.training.training_images import DEFAULT_HOLDOUT

MODES = {"off": CodecSettings(calibrate=False), "offline": CodecSettings(adapt=False), "online": CodecSettings()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*")
    parser.add_argument("--model")
    parser.add_argument("--modes", default="off,offline,online")
    parser.add_argument("--crop", default="768x512", help="WIDTHxHEIGHT of the top-left crop")
    parser.add_argument("--steps", type=int, default=DEFAULT_STEPS, help=f"denoising steps T (default {DEFAULT_STEPS})")
    parser.add_argument("--order", choices=[kind.name.lower() for kind in OrderKind],
                        help="reveal order (default: the model's own)")
    parser.add_argument("--offset-cuts", help="'none' or comma-separated mean-offset bucket edges (1/16 pixel)")
    parser.add_argument("--regression", choices=["on", "off"], help="the online residual regression (default: the model's)")
    args = parser.parse_args()
    files = args.files or [str(data_root() / "train" / name) for name in DEFAULT_HOLDOUT]
    width, height = (int(v) for v in args.crop.split("x"))
    modes = args.modes.split(",")
    codec = load_codec(args.model)
    if args.offset_cuts is not None or args.regression is not None:
        adaptation = codec.model.weights.adaptation
        if args.offset_cuts is not None:
            cuts = () if args.offset_cuts == "none" else tuple(int(v) for v in args.offset_cuts.split(","))
            adaptation = dataclasses.replace(adaptation, offset_cuts=cuts)
        if args.regression is not None:
            adaptation = dataclasses.replace(adaptation, regression=args.regression == "on")
        codec = DiffusionCodec(FeatureModel(dataclasses.replace(codec.model.weights, adaptation=adaptation)))
    order = OrderKind[args.order.upper()] if args.order else trained_order(codec.model)
    jpegxl = next(b for b in baselines() if b.name == "jpegxl")
    contexts = getattr(getattr(codec.model, "weights", None), "adaptation", None)
    print(f"# held-out bpsp, model {codec.model.model_id} (adaptation {contexts}), T={args.steps} {order.name.lower()}/cosine, crops {width}x{height}, "
          f"{platform.node()} {os.cpu_count()} cores, torch threads {torch.get_num_threads()}")
    totals = dict.fromkeys([*modes, "jpegxl"], 0)
    subpixels = 0
    for path in files:
        image = np.ascontiguousarray(load_image(path).pixels[:height, :width])
        row = {}
        for mode in modes:
            start = time.perf_counter()
            data = codec.encode(image, dataclasses.replace(MODES[mode], steps=args.steps, order=order))
            seconds = time.perf_counter() - start
            assert np.array_equal(codec.decode(data), image), f"{path} {mode} did not decode exactly"
            row[mode] = f"{8 * len(data) / image.size:.4f} ({seconds:.1f} s)"
            totals[mode] += 8 * len(data)
        totals["jpegxl"] += 8 * len(jpegxl.encode(image))
        subpixels += image.size
        print(f"{os.path.basename(path)} {image.shape[1]}x{image.shape[0]}x{image.shape[2]}: "
              + ", ".join(f"{m} {v}" for m, v in row.items()), flush=True)
    print("pooled bpsp: " + ", ".join(f"{m} {totals[m] / subpixels:.4f}" for m in totals)
          + "".join(f"; {m}/jpegxl {totals[m] / totals['jpegxl']:.4f}" for m in modes))


if __name__ == "__main__":
    main()
