"""Measure the colour-coding choice: channel-conditional (R → G|R → B|R,G) versus
channels predicted independently, with the same engine, order, schedule and steps.

Both variants code every RGB image here through the real encoder (bpsp from the
.ddm size, header included) and are decoded back to check losslessness.

    .venv/bin/python benchmarks/colour_coding.py [--steps 16] [--kodak N]

Images: scikit-image's built-in RGB photographs (astronaut, chelsea, coffee) and,
with --kodak N, the first N Kodak images from $DDM_DATA (evaluation only).
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

import numpy as np
import torch

from ddm_sscc.codec import CodecSettings, DiffusionCodec
from ddm_sscc.codec.context_mean import ContextMeanModel
from ddm_sscc.experiments.datasets import data_root
from ddm_sscc.image_io import load_image


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=16)
    parser.add_argument("--kodak", type=int, default=0, help="also code the first N Kodak images")
    args = parser.parse_args()

    sources = [f"builtin:{name}" for name in ("astronaut", "chelsea", "coffee")]
    kodak = data_root() / "kodak"
    sources += [str(p) for p in sorted(kodak.glob("kodim*.png"))[: args.kodak]]
    variants = {
        "conditional": DiffusionCodec(ContextMeanModel(channel_conditional=True)),
        "independent": DiffusionCodec(ContextMeanModel(channel_conditional=False)),
    }
    settings = CodecSettings(steps=args.steps)
    print(f"# colour coding, model context-mean-v1, T={args.steps}, halton/cosine, "
          f"{platform.node()} {os.cpu_count()} cores, torch threads {torch.get_num_threads()}")
    print("| image | size | conditional bpsp | independent bpsp | ratio | conditional s | independent s |")
    print("|---|---|---|---|---|---|---|")
    totals = {name: [0, 0, 0.0] for name in variants}
    for source in sources:
        pixels = load_image(source).pixels
        row = {}
        for name, codec in variants.items():
            start = time.perf_counter()
            data = codec.encode(pixels, settings)
            seconds = time.perf_counter() - start
            assert np.array_equal(codec.decode(data), pixels)
            row[name] = (8 * len(data) / pixels.size, seconds)
            totals[name][0] += 8 * len(data)
            totals[name][1] += pixels.size
            totals[name][2] += seconds
        h, w, _ = pixels.shape
        c, i = row["conditional"], row["independent"]
        print(f"| {Path(source).name} | {w}×{h} | {c[0]:.4f} | {i[0]:.4f} | {c[0] / i[0]:.3f} | {c[1]:.2f} | {i[1]:.2f} |")
    c, i = (totals[n][0] / totals[n][1] for n in ("conditional", "independent"))
    print(f"| **all** | | {c:.4f} | {i:.4f} | {c / i:.3f} | {totals['conditional'][2]:.2f} | {totals['independent'][2]:.2f} |")


if __name__ == "__main__":
    main()
