"""Code length of small images against the number of steps T, on the held-out training photos.

The held-out photos (``wikipedia/045``–``047`` of ``$DDM_DATA/train``, top-left 768×512) are
downsampled ``--factor`` times by area mean (rounded; default 8) and cut into six
``--size``-square tiles each (default 32): small images that are not CIFAR, so that a choice
of T for small images is not made on an evaluation set. Prints JPEG-XL's bpsp on the same
tiles, then the model's for each T.

    .venv/bin/python benchmarks/small_image_steps.py [--steps 16,32,64,128,256] [--model ID]
        [--size 32 --factor 8]
"""

from __future__ import annotations

import argparse

import ddm_sscc  # noqa: F401  (first: its OpenMP wait policy must be set before torch loads)

# isort: split
import numpy as np
import torch

from ddm_sscc.codec import CodecSettings, load_codec
from ddm_sscc.experiments.baselines import baselines
from ddm_sscc.experiments.datasets import data_root
from ddm_sscc.image_io import load_image
from ddm_sscc.training.training_images import DEFAULT_HOLDOUT


def tiles(size: int = 32, factor: int = 8) -> list[np.ndarray]:
    """Six ``size``-square tiles of each held-out photo, downsampled ``factor`` times by area mean."""
    height, width = 512 // factor, 768 // factor
    if 2 * size > height or 3 * size > width:
        raise SystemExit(f"six {size}x{size} tiles do not fit a {width}x{height} downsampled photo")
    out = []
    for name in DEFAULT_HOLDOUT:
        image = load_image(data_root() / "train" / name).pixels[:512, :768].astype(np.float64)
        small = np.floor(image.reshape(height, factor, width, factor, 3).mean(axis=(1, 3)) + 0.5).astype(np.uint8)
        out += [np.ascontiguousarray(small[y : y + size, x : x + size]) for y in (0, size) for x in (0, size, 2 * size)]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", default="16,32,64,128,256")
    parser.add_argument("--model")
    parser.add_argument("--size", type=int, default=32, help="tile side in pixels (default 32)")
    parser.add_argument("--factor", type=int, default=8, help="downsampling factor before tiling (default 8)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    images = tiles(args.size, args.factor)
    subpixels = sum(t.size for t in images)
    codec = load_codec(args.model)
    jpegxl = next(b for b in baselines() if b.name == "jpegxl")
    print(f"# {len(images)} tiles {args.size}x{args.size} of the held-out photos downsampled {args.factor}x, "
          f"model {codec.model.model_id}")
    print(f"jpegxl: {sum(8 * len(jpegxl.encode(t)) for t in images) / subpixels:.4f} bpsp")
    for steps in (int(v) for v in args.steps.split(",")):
        bits = sum(8 * len(codec.encode(t, CodecSettings(steps=steps))) for t in images)
        print(f"T = {steps}: {bits / subpixels:.4f} bpsp", flush=True)


if __name__ == "__main__":
    main()
