"""Where the bits go: ideal code length per denoising step for two zoo models and their mixture.

Both models see exactly the canvases the engine builds while encoding (T steps,
Halton/cosine); the code length of every revealed sub-pixel is taken from the
integer tables the coder would use.  The mixture is the equal-weight average of
the two models' probability tables.

    .venv/bin/python benchmarks/step_bits.py [--image builtin:astronaut] [--crop 256] [--steps 16]
        [--models context-mean-v1,ddm-featmlp-int-v1]

The crop is the top-left S×S corner of the image.
"""

from __future__ import annotations

import argparse

import numpy as np
import torch

from ddm_sscc.codec import CodecSettings, DiffusionCodec, load_codec
from ddm_sscc.codec.tables import TABLE_TOTAL, frequency_tables
from ddm_sscc.image_io import load_image


def bits(logits: torch.Tensor, symbols: np.ndarray) -> float:
    freqs = frequency_tables(logits)
    return float(-np.log2(freqs[np.arange(len(symbols)), symbols] / TABLE_TOTAL).sum())


class Probe:
    """Runs both models on every call and tallies their code lengths; the engine codes with the first."""

    def __init__(self, first, second, truth: torch.Tensor) -> None:
        self.first, self.second, self.truth = first, second, truth
        self.model_id, self.weights_sha256 = first.model_id, first.weights_sha256
        self.tally: dict[int, np.ndarray] = {}

    def logits(self, canvas, positions, step):
        a = torch.log_softmax(self.first.logits(canvas, positions, step).double(), 1)
        b = torch.log_softmax(self.second.logits(canvas, positions, step).double(), 1)
        mix = torch.logaddexp(a, b) - np.log(2.0)
        symbols = self.truth[step.channel].reshape(-1)[positions].numpy()
        row = self.tally.setdefault(step.index, np.zeros(4))
        row += [bits(a, symbols), bits(b, symbols), bits(mix, symbols), len(symbols)]
        return a


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--image", default="builtin:astronaut")
    parser.add_argument("--crop", type=int, default=256)
    parser.add_argument("--steps", type=int, default=16)
    parser.add_argument("--models", default="context-mean-v1,ddm-featmlp-int-v1")
    args = parser.parse_args()
    image = np.ascontiguousarray(load_image(args.image).pixels[: args.crop, : args.crop])
    names = args.models.split(",")
    first, second = (load_codec(name).model for name in names)
    probe = Probe(first, second, torch.from_numpy(image.transpose(2, 0, 1).astype(np.int64)))
    DiffusionCodec(probe).encode(image, CodecSettings(steps=args.steps))
    print(f"# {args.image} top-left {image.shape[1]}×{image.shape[0]}, T={args.steps}, Halton/cosine, "
          "ideal code length in bits per sub-pixel")
    print(f"| step | sub-pixels | {names[0]} | {names[1]} | equal mixture |")
    print("|---|---|---|---|---|")
    for t, (x, y, m, n) in sorted(probe.tally.items()):
        print(f"| {t} | {int(n)} | {x / n:.3f} | {y / n:.3f} | {m / n:.3f} |")
    x, y, m, n = sum(probe.tally.values())
    print(f"| **all** | {int(n)} | {x / n:.4f} | {y / n:.4f} | {m / n:.4f} |")


if __name__ == "__main__":
    main()
