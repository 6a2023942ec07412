"""Code length of tiny JPEG-decoded images made from held-out *training-set* photos: the
regime of the CIFAR proxy (32×32, JPEG quality 75), measured without touching the proxy.

Each held-out photo gives ``--per-image`` tiny images (:mod:`ddm_sscc.training.tiny_images`:
a random square, area-shrunk to 32×32, then JPEG at ``--quality`` and decoded; ``--quality 0``
skips the JPEG step), drawn with a fixed seed.  Each is coded through the real encoder (bpsp
from the whole .ddm file, header included, as ``bench`` counts it), every tenth one decoded to
check it, and compared with JPEG-XL lossless effort 9 on the same pixels.

    .venv/bin/python benchmarks/tiny_jpeg_bpsp.py [--model ID|FILE] [--per-image 100]
        [--quality 75] [--calibration off|offline|online] [--steps T] [--seed 0] [FILE ...]

Default files: wikipedia/045.png, 046.png and 047.png of $DDM_DATA/train (the training
command's default hold-out).
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np

from ddm_sscc.codec import CodecSettings, load_codec
from ddm_sscc.codec.schedule import DEFAULT_STEPS
from ddm_sscc.experiments.baselines import baselines
from ddm_sscc.experiments.datasets import data_root
from ddm_sscc.image_io import load_image
from ddm_sscc.training.tiny_images import TinyImageSource
from ddm_sscc.training.training_images import DEFAULT_HOLDOUT


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*")
    parser.add_argument("--model")
    parser.add_argument("--per-image", type=int, default=100)
    parser.add_argument("--quality", type=int, default=75, help="JPEG quality (0: no JPEG step)")
    parser.add_argument("--calibration", choices=("off", "offline", "online"), default="online")
    parser.add_argument("--steps", type=int, default=DEFAULT_STEPS)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    files = args.files or [str(data_root() / "train" / name) for name in DEFAULT_HOLDOUT]
    codec = load_codec(args.model)
    settings = CodecSettings.for_calibration(args.calibration, steps=args.steps)
    jpegxl = next(b for b in baselines() if b.name == "jpegxl")
    print(f"# tiny images: {args.per_image} per photo of {len(files)}, 32x32, JPEG quality {args.quality or 'none'}, "
          f"seed {args.seed}; model {codec.model.model_id}, T={args.steps}, calibration {args.calibration}; "
          f"{platform.node()} {os.cpu_count()} cores")
    rng = np.random.default_rng([args.seed, 3232])
    ddm_bits = jxl_bits = subpixels = 0
    start = time.perf_counter()
    for path in files:
        source = TinyImageSource([load_image(path).pixels])
        images = source.draw(rng, args.per_image, jpeg_quality=args.quality or None)
        bits = jbits = 0
        for i, image in enumerate(images):
            data = codec.encode(image, settings)
            if i % 10 == 0 and not np.array_equal(codec.decode(data), image):
                raise SystemExit(f"{path} tiny image {i}: decode mismatch")
            bits += 8 * len(data)
            jbits += 8 * len(jpegxl.encode(image))
        n = sum(im.size for im in images)
        print(f"{os.path.basename(path)}: ddm {bits / n:.4f}  jpegxl {jbits / n:.4f}  ratio {bits / jbits:.4f}")
        ddm_bits, jxl_bits, subpixels = ddm_bits + bits, jxl_bits + jbits, subpixels + n
    print(f"mean: ddm {ddm_bits / subpixels:.4f}  jpegxl {jxl_bits / subpixels:.4f}  ratio {ddm_bits / jxl_bits:.4f}"
          f"  ({time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
