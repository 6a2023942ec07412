"""What an encoder-side search over T would gain on thumbnails: the shortest file per image.

The header records T, so an encoder may code an image at several T and keep the shortest file
without costing the decoder anything (it decodes once, at the T it reads). This codes each
held-out tiny image (as ``tiny_jpeg_bpsp.py`` draws them: 100 per photo, 32×32, JPEG quality
75, seed 0) with ``--model`` at every T of ``--steps`` and prints the mean bpsp at each T, the
mean of the per-image minimum, and how often each T was the shortest.

    .venv/bin/python benchmarks/tiny_steps_search.py [--model ddm-featmlp-tiny-v5] [--steps 24,32,48]

Measured 2026-12-07: T = 24, 32, 48 alone 2.8917, 2.8805, 2.8803; the shortest of the three
2.8753 (−0.18 % against T = 32), for three encodes per image. The default codec has done this
since (``default_codec.SMALL_IMAGE_STEPS``).
"""

import argparse

import numpy as np
from tiny_jpeg_bpsp import heldout_rng, heldout_tiny_images  # beside this script

from ddm_sscc.codec import CodecSettings, load_codec
from ddm_sscc.experiments.datasets import data_root
from ddm_sscc.image_io import load_image
from ddm_sscc.training.training_images import DEFAULT_HOLDOUT


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="ddm-featmlp-tiny-v5")
    parser.add_argument("--steps", default="24,32,48", help="comma-separated T values")
    args = parser.parse_args()
    try:
        steps = [int(t) for t in args.steps.split(",")]
    except ValueError:
        raise SystemExit(f"--steps: {args.steps!r} is not a comma-separated list of integers") from None
    codec = load_codec(args.model)
    rng = heldout_rng()
    sizes = []
    for name in DEFAULT_HOLDOUT:
        photo = load_image(str(data_root() / "train" / name)).pixels
        for image in heldout_tiny_images(photo, rng, 100):
            sizes.append([len(codec.encode(image, CodecSettings(steps=t))) for t in steps])
    bpsp = np.asarray(sizes) * 8 / (32 * 32 * 3)
    print(f"# {args.model}, {len(bpsp)} held-out tiny q75 images, 32x32; bpsp from the whole .ddm file")
    print("  ".join(f"T={t} {bpsp[:, i].mean():.4f}" for i, t in enumerate(steps))
          + f"  shortest {bpsp.min(axis=1).mean():.4f}  chosen {np.bincount(bpsp.argmin(axis=1), minlength=len(steps)).tolist()}")


if __name__ == "__main__":
    main()
