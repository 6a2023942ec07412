"""What the integer network's arithmetic costs in bits and buys in time, on training crops.

Quantises one float training run with several :class:`~ddm_sscc.codec.integer_network.Arithmetic`
settings (float64 GEMMs as up to v6; float32 GEMMs with 11-13-bit activations, the features
in 7-bit limbs (v7) or in one GEMM, with or without column limits (v8)) and prints, for each, the integer network's code length on
training crops drawn as ``export-model`` draws them (no calibration), relative to float64, and
the seconds its heads take over those rows (the same rows for every setting, in one run); with
column limits, also how many of the measured features the heads clamp.

    .venv/bin/python benchmarks/arithmetic_cost.py [--run checkpoints/ddm-featmlp-lattice-v6] [--crops 80]
    .venv/bin/python benchmarks/arithmetic_cost.py --gemm     # float64 against float32 GEMM speed only

Kodak is never used here.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch

from ddm_sscc.codec.feature_network import HEADS
from ddm_sscc.codec.feature_weights import reciprocal_table
from ddm_sscc.codec.integer_network import FLOAT32, FLOAT32_COLUMN_LIMITS, FLOAT64, Arithmetic, build_heads, quantize
from ddm_sscc.codec.tables import LogisticMixtureTables, logistic_cdf_table
from ddm_sscc.training.feature_export import draw_examples, integer_bits
from ddm_sscc.training.feature_loop import load_float_network
from ddm_sscc.training.training_images import split_training_images

SETTINGS = {
    "float64 (v1-v6)": FLOAT64,
    "float32, 11-bit activations, 7-bit limbs": Arithmetic("float32", (1 << 11) - 1, 7),
    "float32, 12-bit activations, 7-bit limbs (v7)": FLOAT32,
    "float32, 13-bit activations, 7-bit limbs": Arithmetic("float32", (1 << 13) - 1, 7),
    "float32, 12-bit activations, features in one GEMM": Arithmetic("float32", (1 << 12) - 1, 0),
    "float32, one GEMM, column limits, values to 511": Arithmetic("float32", (1 << 12) - 1, 0, 511),
    "float32, one GEMM, column limits, values to 1023 (v8)": FLOAT32_COLUMN_LIMITS,
    "float32, one GEMM, column limits, values to 2047": Arithmetic("float32", (1 << 12) - 1, 0, 2047),
    "float32, one GEMM, column limits, values to 4095": Arithmetic("float32", (1 << 12) - 1, 0, 4095),
}


def gemm_speed(rows: int = 60_000, width: int = 128, repeats: int = 20) -> None:
    """GFLOP/s of a ``rows × width × width`` float64 and float32 GEMM of integers, one and two threads."""
    for threads in (1, 2):
        torch.set_num_threads(threads)
        for dtype in (torch.float64, torch.float32):
            x = torch.randint(0, 4000, (rows, width)).to(dtype)
            w = torch.randint(-100, 100, (width, width)).to(dtype)
            torch.mm(x, w)
            start = time.perf_counter()
            for _ in range(repeats):
                torch.mm(x, w)
            seconds = (time.perf_counter() - start) / repeats
            print(f"{rows} x {width} x {width}, {dtype}, {threads} thread(s): {2 * rows * width * width / seconds / 1e9:.1f} GFLOP/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--run", default="checkpoints/ddm-featmlp-lattice-v6", help="a `ddm-sscc train` run directory")
    parser.add_argument("--data", default="../shared/datasets/train")
    parser.add_argument("--crops", type=int, default=80, help="training crops for calibration and for measuring")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--gemm", action="store_true", help="only the GEMM speed of each dtype")
    args = parser.parse_args()
    if args.gemm:
        gemm_speed()
        return
    torch.set_num_threads(args.threads)
    net, facts = load_float_network(Path(args.run) / "network.safetensors")
    images, _, _ = split_training_images(Path(args.data), None)
    crop = int(facts.get("train", {}).get("crop", 128))
    calibration = draw_examples(images, args.crops, 4242, crop, net_cfg=net.config)
    measured = draw_examples(images, args.crops, 4243, crop, net_cfg=net.config)
    tables = LogisticMixtureTables(torch.from_numpy(reciprocal_table()), torch.from_numpy(logistic_cdf_table()))
    rows = sum(len(b.target) for b in measured.values())
    print(f"# run {args.run}, {args.crops} training crops ({rows} rows) for calibration and as many for measuring, "
          f"torch threads {args.threads}")
    reference = None
    for name, arithmetic in SETTINGS.items():
        heads = build_heads(quantize(net, {h: b.feats for h, b in calibration.items()}, arithmetic),
                            net.config.components, arithmetic, net.config.planes, net.config.lattice)
        bits, seconds, clamped = 0.0, 0.0, 0
        for head, batch in measured.items():
            limits = arithmetic.input_limits(*HEADS[head], net.config.planes, net.config.lattice)
            clamped += 0 if limits is None else int((batch.feats.abs() > limits).sum())
            feats = batch.feats.to(heads[head].input_dtype)
            start = time.perf_counter()
            mixture = heads[head].mixture(feats, batch.base)
            seconds += time.perf_counter() - start
            bits += float(integer_bits(tables, mixture, batch.target).sum())
        reference = reference or bits
        features = sum(b.feats.numel() for b in measured.values())
        clamps = f", {clamped} of {features} features beyond their column's limit" if arithmetic.value_limit else ""
        print(f"{name}: {bits / rows:.4f} bpsp ({100 * (bits / reference - 1):+.3f} %), heads {seconds:.3f} s{clamps}")


if __name__ == "__main__":
    main()
