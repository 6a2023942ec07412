"""Where the model loses to JPEG-XL: held-out photos with chroma-subsampling history or film-like grain.

The model is 5 % shorter than JPEG-XL on the clean held-out photos but about even on Kodak,
which are film scans that went through PhotoCD. This asks which history of an image costs the
model more than it costs JPEG-XL, on held-out training-set photos (never Kodak): each image
(a top-left 768×512 crop) is coded clean and after each transform below, by the model (real
encoder, default calibration) and by JPEG-XL lossless effort 9, and the ratio is printed.

- ``chroma``: YCbCr (JFIF, as PIL converts) with Cb and Cr averaged over 2×2 blocks and
  bilinearly upsampled again, the 4:2:0 history of JPEG and PhotoCD images
  (:func:`ddm_sscc.training.chroma_history.chroma_subsampled`); ``chroma-nearest`` the same
  with the chroma replicated;
- ``grain``: film-like grain (:func:`ddm_sscc.training.film_grain.grainy`: white noise blurred
  with σ = 0.7 px, 2 levels at mid-tones and 1 at the extremes, half of its variance shared by
  the three channels);
- ``chroma+grain``: both, grain after chroma;
- ``jpeg95``: saved as JPEG at quality 95 (Pillow, 4:2:0) and decoded.

    .venv/bin/python benchmarks/heldout_degradations.py [--model ID] [--alternate ID] [--steps T] [--variants clean,chroma,...]

Measured 2026-12-07 with ddm-featmlp-lattice-v9 at T = 64 (model, JPEG-XL, ratio): clean 3.0141,
3.1699, 0.9509; chroma 2.3950, 2.1163, 1.1317; grain 3.4147, 3.4998, 0.9757; chroma+grain 3.0551,
3.0920, 0.9881; chroma-nearest 2.5710, 1.7197, 1.4950; jpeg95 2.1123, 1.8831, 1.1217. Grain costs
the model a little against JPEG-XL; chroma history costs it much more.
"""

from __future__ import annotations

import argparse

import numpy as np
from PIL import Image

from ddm_sscc.codec import CodecSettings, load_codec
from ddm_sscc.codec.container import read_header
from ddm_sscc.codec.zoo import model_name
from ddm_sscc.experiments.baselines import baselines
from ddm_sscc.experiments.datasets import data_root
from ddm_sscc.image_io import load_image
from ddm_sscc.training.chroma_history import UPSAMPLING, chroma_subsampled
from ddm_sscc.training.film_grain import grainy
from ddm_sscc.training.tiny_images import jpeg_round_trip
from ddm_sscc.training.training_images import DEFAULT_HOLDOUT


def grain(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``image`` with the grain of the training runs' grain validation set (2 levels at mid-tones)."""
    return grainy(image, rng, sigma=2.0, blur=0.7, shared=0.5)


def chroma_residual(image: np.ndarray) -> float:
    """How far ``image``'s chroma is from having a 4:2:0 history: the mean absolute change of its
    Cb and Cr (8-bit levels) when it is given one, with the closer of the two upsampling filters.
    About 0.3-0.4 for an image that has one (the roundings), 0.8-1.3 for the clean held-out photos."""
    ycc = np.asarray(Image.fromarray(image).convert("YCbCr"), dtype=np.float64)[..., 1:]
    return min(float(np.abs(np.asarray(Image.fromarray(chroma_subsampled(image, f)).convert("YCbCr"))[..., 1:] - ycc).mean())
               for f in UPSAMPLING)


VARIANTS = {
    "clean": lambda im, rng: im,
    "chroma": lambda im, rng: chroma_subsampled(im),
    "grain": lambda im, rng: grain(im, rng),
    "chroma+grain": lambda im, rng: grain(chroma_subsampled(im), rng),
    "chroma-nearest": lambda im, rng: chroma_subsampled(im, Image.Resampling.NEAREST),
    "jpeg95": lambda im, rng: jpeg_round_trip(im, 95),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="ddm-featmlp-lattice-v9")
    parser.add_argument("--steps", type=int, default=64)
    parser.add_argument("--alternate", help="a second model (id or file): each image is coded by both and the shorter "
                        "file kept (what an encoder that chose between them perfectly would send)")
    parser.add_argument("--variants", default=",".join(VARIANTS), help="comma-separated, of " + ", ".join(VARIANTS))
    parser.add_argument("--kodak-residuals", action="store_true",
                        help="only print chroma_residual of each Kodak image (a statistic of the evaluation set, nothing tuned on it)")
    args = parser.parse_args()
    if args.kodak_residuals:
        paths = sorted((data_root() / "kodak").glob("kodim*.png"))
        print("kodak chroma residuals: " + " ".join(f"{chroma_residual(load_image(str(p)).pixels):.2f}" for p in paths))
        return
    variants = args.variants.split(",")
    if unknown := set(variants) - set(VARIANTS):
        raise SystemExit(f"--variants: unknown {sorted(unknown)}; known {list(VARIANTS)}")
    codecs = [load_codec(args.model)] + ([load_codec(args.alternate)] if args.alternate else [])
    jpegxl = next(b for b in baselines() if b.name == "jpegxl")
    print(f"# {args.model}{' or ' + args.alternate if args.alternate else ''} T={args.steps} online against JPEG-XL e9; held-out 768x512 crops {', '.join(DEFAULT_HOLDOUT)}")
    for variant in variants:
        ours = theirs = subpixels = 0
        chosen, residuals = [], []
        rng = np.random.default_rng(20261207)
        for name in DEFAULT_HOLDOUT:
            image = VARIANTS[variant](np.ascontiguousarray(load_image(str(data_root() / "train" / name)).pixels[:512, :768]), rng)
            data = min((codec.encode(image, CodecSettings(steps=args.steps)) for codec in codecs), key=len)
            chosen.append(model_name(read_header(data)[0]) or read_header(data)[0].weights_sha256.hex()[:8])
            ours += 8 * len(data)
            theirs += 8 * len(jpegxl.encode(image))
            residuals.append(chroma_residual(image))
            subpixels += image.size
        print(f"{variant:14s} model {ours / subpixels:.4f}  jpegxl {theirs / subpixels:.4f}  ratio {ours / theirs:.4f}  chroma residual {np.mean(residuals):.2f}"
              + (f"  chosen {chosen}" if args.alternate else ""), flush=True)


if __name__ == "__main__":
    main()
