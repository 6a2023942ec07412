"""What a two-model ensemble would gain: ideal code lengths of two adaptive zoo models and of their mixtures.

Both models code the same canvases the engine builds while encoding (the first model's
order and steps), each with its own online adaptation (calibration online), and the code
length of every revealed sub-pixel is read from each model's integer tables. Two mixtures of
those tables are scored: equal weights, and a per-image Bayesian weight from the two models'
code lengths so far in the image (``w = 1 / (1 + 2^(-t·(L_b − L_a)))``, tempered by ``--temper``).
No mixture is coded; this is the upper bound that would justify building one.

    .venv/bin/python benchmarks/ensemble_bits.py --models A,B [--tiny N] [--steps T] [--temper 0.05] [FILE ...]

Images: with ``--tiny N``, N held-out tiny 32×32 images per photo at JPEG quality 75 (as
``tiny_jpeg_bpsp.py`` draws them, seed 0); otherwise each photo's top-left 768×512 crop (as
``heldout_bpsp.py``). Default photos: the training command's hold-out, wikipedia/045–047.
"""

from __future__ import annotations

import argparse

import numpy as np
import torch
from tiny_jpeg_bpsp import heldout_rng, heldout_tiny_images  # beside this script

from ddm_sscc.codec import CodecSettings, DiffusionCodec, load_codec
from ddm_sscc.codec.model import trained_order
from ddm_sscc.codec.tables import TABLE_TOTAL
from ddm_sscc.experiments.datasets import data_root
from ddm_sscc.image_io import load_image
from ddm_sscc.training.training_images import DEFAULT_HOLDOUT


class PairProbe:
    """An adaptive model that codes with ``first`` and tallies both models' and the mixtures' code lengths."""

    narrow_tables = False

    def __init__(self, first, second, temper: float) -> None:
        self.first, self.second, self.temper = first, second, temper
        self.model_id, self.weights_sha256 = first.model_id, first.weights_sha256
        self.trained_order = trained_order(first)
        self.tally = np.zeros(5)  # bits of first, second, equal mixture, Bayesian mixture; sub-pixels
        self.truth = torch.zeros(0)

    def start_image(self, channels, calibration):
        return _PairSession(self, self.first.start_image(channels, calibration),
                            self.second.start_image(channels, calibration))


class _PairSession:
    def __init__(self, probe: PairProbe, first, second) -> None:
        self.probe, self.first, self.second = probe, first, second
        self.lengths = np.zeros(2)  # code lengths so far in this image

    def tables(self, canvas, positions, step, narrow=False):
        a = self.first.tables(canvas, positions, step, False)
        b = self.second.tables(canvas, positions, step, False)
        symbols = self.probe.truth[step.channel].reshape(-1)[positions].numpy()
        rows = np.arange(len(symbols))
        pa, pb = a[rows, symbols] / TABLE_TOTAL, b[rows, symbols] / TABLE_TOTAL
        wa = 1.0 / (1.0 + 2.0 ** float(np.clip(-self.probe.temper * (self.lengths[1] - self.lengths[0]), -60, 60)))
        bits = [-np.log2(pa).sum(), -np.log2(pb).sum()]
        self.probe.tally += [*bits, -np.log2((pa + pb) / 2).sum(), -np.log2(wa * pa + (1 - wa) * pb).sum(), len(symbols)]
        self.lengths += bits
        return a


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*")
    parser.add_argument("--models", required=True, help="two zoo model ids, comma-separated")
    parser.add_argument("--tiny", type=int, default=0, help="tiny q75 images per photo (0: 768×512 crops)")
    parser.add_argument("--steps", type=int, help="T (default: by the image's size)")
    parser.add_argument("--temper", type=float, default=0.05)
    args = parser.parse_args()
    names = args.models.split(",")
    if len(names) != 2:
        raise SystemExit("ensemble_bits.py: --models takes exactly two model ids")
    probe = PairProbe(*(load_codec(name).model for name in names), args.temper)
    files = args.files or [str(data_root() / "train" / name) for name in DEFAULT_HOLDOUT]
    rng = heldout_rng()
    codec = DiffusionCodec(probe)
    print(f"# {names[0]} + {names[1]}: {f'{args.tiny} tiny q75 images' if args.tiny else 'the 768x512 crop'} per photo "
          f"of {len(files)}, T={args.steps or 'by size'}, calibration online; ideal code lengths in bpsp")
    for path in files:
        photo = load_image(path).pixels
        if args.tiny:
            images = heldout_tiny_images(photo, rng, args.tiny)
        else:
            images = [np.ascontiguousarray(photo[:512, :768])]
        for image in images:
            probe.truth = torch.from_numpy(image.transpose(2, 0, 1).astype(np.int64))
            codec.encode(image, CodecSettings(steps=args.steps))
    a, b, equal, bayes, n = probe.tally
    best = min(a, b)
    print(f"{names[0]} {a / n:.4f}  {names[1]} {b / n:.4f}  equal mixture {equal / n:.4f} ({equal / best - 1:+.2%})  "
          f"Bayesian (t={args.temper}) {bayes / n:.4f} ({bayes / best - 1:+.2%})  [{int(n)} sub-pixels]")


if __name__ == "__main__":
    main()
