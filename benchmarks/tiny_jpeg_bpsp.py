"""Code length of tiny JPEG-decoded images made from held-out *training-set* photos: the
regime of the CIFAR proxy (32×32, JPEG quality 75), measured without touching the proxy.

Each held-out photo gives ``--per-image`` tiny images (:mod:`ddm_sscc.training.tiny_images`:
a random square, area-shrunk to 32×32, then JPEG at ``--quality`` and decoded; ``--quality 0``
skips the JPEG step), drawn with a fixed seed.  Each is coded through the real encoder (bpsp
from the whole .ddm file, header included, as ``bench`` counts it), every tenth one decoded to
check it, and compared with JPEG-XL lossless effort 9 on the same pixels.

    .venv/bin/python benchmarks/tiny_jpeg_bpsp.py [--model ID|FILE[,ID|FILE…]] [--per-image 100]
        [--size 32] [--quality 75] [--crops] [--calibration off|offline|online] [--steps T] [--seed 0] [FILE ...]

``--crops`` takes plain ``--size`` crops of the full-resolution photos instead of shrunk
squares (then JPEG at ``--quality`` unless 0): small images that are not thumbnails.

Several comma-separated models are coded on the same images in one run (``default`` names
the default codec).

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
from ddm_sscc.codec.schedule import steps_label
from ddm_sscc.experiments.baselines import baselines
from ddm_sscc.experiments.datasets import data_root
from ddm_sscc.image_io import load_image
from ddm_sscc.training.tiny_images import TinyImageRecipe, TinyImageSource, jpeg_round_trip
from ddm_sscc.training.training_images import DEFAULT_HOLDOUT


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*")
    parser.add_argument("--model")
    parser.add_argument("--per-image", type=int, default=100)
    parser.add_argument("--size", type=int, default=32, help="side of the tiny images (default 32)")
    parser.add_argument("--quality", type=int, default=75, help="JPEG quality (0: no JPEG step)")
    parser.add_argument("--crops", action="store_true", help="full-resolution crops, not shrunk squares")
    parser.add_argument("--calibration", choices=("off", "offline", "online"), default="online")
    parser.add_argument("--steps", type=int, help="T (default: the codec's rule by size, 32 below 128x128; "
                        "the default codec then also tries its small-image model at other T)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    files = args.files or [str(data_root() / "train" / name) for name in DEFAULT_HOLDOUT]
    names = (args.model or "default").split(",")
    codecs = [load_codec(None if name == "default" else name) for name in names]
    settings = CodecSettings.for_calibration(args.calibration, steps=args.steps)
    jpegxl = next(b for b in baselines() if b.name == "jpegxl")
    print(f"# tiny images ({'full-resolution crops' if args.crops else 'shrunk squares'}): {args.per_image} per photo "
          f"of {len(files)}, {args.size}x{args.size}, JPEG quality "
          f"{args.quality or 'none'}, seed {args.seed}; models {', '.join(names)}, T={steps_label(args.steps)}, calibration "
          f"{args.calibration}; {platform.node()} {os.cpu_count()} cores")
    rng = heldout_rng(args.seed)
    totals, jxl_bits, subpixels = [0] * len(codecs), 0, 0
    start = time.perf_counter()
    for path in files:
        photo = load_image(path).pixels
        if args.crops:
            images = [_crop(photo, rng, args.size, args.quality) for _ in range(args.per_image)]
        else:
            images = heldout_tiny_images(photo, rng, args.per_image, args.size, args.quality)
        bits, jbits = [0] * len(codecs), 0
        for i, image in enumerate(images):
            for k, codec in enumerate(codecs):
                data = codec.encode(image, settings)
                if i % 10 == 0 and not np.array_equal(codec.decode(data), image):
                    raise SystemExit(f"{path} tiny image {i}: {names[k]} decode mismatch")
                bits[k] += 8 * len(data)
            jbits += 8 * len(jpegxl.encode(image))
        n = sum(im.size for im in images)
        print(f"{os.path.basename(path)}: " + "  ".join(f"{name} {b / n:.4f} ({b / jbits:.4f}x)" for name, b in zip(names, bits))
              + f"  jpegxl {jbits / n:.4f}")
        totals = [t + b for t, b in zip(totals, bits)]
        jxl_bits, subpixels = jxl_bits + jbits, subpixels + n
    print("mean: " + "  ".join(f"{name} {t / subpixels:.4f} ({t / jxl_bits:.4f}x)" for name, t in zip(names, totals))
          + f"  jpegxl {jxl_bits / subpixels:.4f}  ({time.perf_counter() - start:.0f} s)")


def heldout_rng(seed: int = 0) -> np.random.Generator:
    """The generator the held-out tiny images are drawn with (one for all photos, in order)."""
    return np.random.default_rng([seed, 3232])


def heldout_tiny_images(photo: np.ndarray, rng: np.random.Generator, count: int, size: int = 32,
                        quality: int = 75) -> list[np.ndarray]:
    """``count`` tiny images of ``photo``: random squares shrunk to ``size``, then JPEG at ``quality``
    (0: none) and decoded. The other thumbnail benchmarks draw theirs here, so all see the same images."""
    source = TinyImageSource([photo], TinyImageRecipe(size=size, min_side=max(48, size)))
    return source.draw(rng, count, jpeg_quality=quality or None)


def _crop(photo: np.ndarray, rng: np.random.Generator, size: int, quality: int) -> np.ndarray:
    y = int(rng.integers(0, photo.shape[0] - size + 1))
    x = int(rng.integers(0, photo.shape[1] - size + 1))
    crop = np.ascontiguousarray(photo[y : y + size, x : x + size])
    return jpeg_round_trip(crop, quality) if quality else crop


if __name__ == "__main__":
    main()
