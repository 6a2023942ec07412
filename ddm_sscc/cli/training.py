"""``pack-crops``, ``train``, ``export-model``: making the feature model's weights."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from ddm_sscc.cli.common import (
    PROG,
    emit,
    output_options,
    positive_float,
    positive_int,
    seed_value,
)


def _add_pack_crops(sub: argparse._SubParsersAction) -> None:
    pack = sub.add_parser("pack-crops", help="sample training crops from image folders into one compact file")
    pack.add_argument("--data", required=True, help="folder of training images (searched recursively)")
    pack.add_argument("-o", "--output", required=True, help="output .npz")
    pack.add_argument("--count", type=positive_int, default=2000, help="number of crops (default 2000)")
    pack.add_argument("--crop", type=positive_int, default=128, help="crop side in pixels (default 128)")
    pack.add_argument("--seed", type=seed_value, default=0)
    output_options(pack)


def _add_train(sub: argparse._SubParsersAction) -> None:
    tr = sub.add_parser("train", help="train the integer feature model on this CPU (resumes an existing run)")
    tr.add_argument("--data", required=True, help="folder of training images (searched recursively), or a file from `pack-crops`")
    tr.add_argument("--out", required=True, help="run directory: network.safetensors, train_state.safetensors, train.log")
    tr.add_argument("--steps", type=positive_int, default=20000, help="total optimisation steps (default 20000)")
    tr.add_argument("--minutes", type=positive_float, help="stop (resumably) after this much wall time")
    tr.add_argument("--crop", type=positive_int, help="crop side (default 128; a resumed run: its own)")
    tr.add_argument("--batch", type=positive_int, help="crops per step (default 8; a resumed run: its own)")
    tr.add_argument("--per-step", type=positive_int, help="positions drawn per crop (default 1024; a resumed run: its own)")
    tr.add_argument("--lr", type=positive_float, help="peak learning rate (default 2e-3; a resumed run: its own)")
    tr.add_argument("--tiny-crops", type=positive_int,
                    help="tiny JPEG-decoded 32x32 images added to each step, the CIFAR proxy's regime (default none; a resumed run: its own)")
    tr.add_argument("--chroma-history", type=float, metavar="SHARE",
                    help="share (0..1) of the training crops given a 4:2:0 chroma history, the colour structure of "
                         "JPEG-decoded images (default 0; a resumed run: its own)")
    tr.add_argument("--grain", type=float, metavar="SHARE",
                    help="share (0..1) of the training crops given film-like grain (default 0; a resumed run: its own)")
    tr.add_argument("--hidden", type=positive_int, default=128, help="hidden width of a new run (default 128)")
    tr.add_argument("--layers", type=positive_int, default=2, help="hidden layers of a new run (default 2)")
    tr.add_argument("--components", type=positive_int, default=2, help="logistic components of a new run (default 2)")
    tr.add_argument("--planes", action="store_true", help="least-squares plane features in a new run")
    tr.add_argument("--lattice-neighbours", action="store_true",
                    help="raw neighbours at each position's dyadic lattice spacing, in a new run")
    tr.add_argument("--compact", action="store_true",
                    help="the compact feature set in a new run (5 boxes, a 3x3 window: a fast model's)")
    tr.add_argument("--block-phase", action="store_true",
                    help="the position's phase in the JPEG 8x8 block grid as features, in a new run")
    tr.add_argument("--block-window", action="store_true",
                    help="the revealed pixels of the position's own JPEG 8x8 block as features, in a new run")
    tr.add_argument("--init-from", metavar="RUN",
                    help="start a new run from this run's network and its settings (--hidden, --layers ... are "
                         "ignored); --block-phase and --block-window may be added, their inputs starting at zero weight")
    # order.TRAINABLE_ORDERS, spelled out: importing ddm_sscc.codec here would load torch for every command
    tr.add_argument("--order", choices=("halton", "lattice"), default="halton",
                    help="denoising order a new run is trained for (default halton)")
    tr.add_argument("--holdout", help="comma-separated images (relative to --data) kept out for validation "
                                      "(default: wikipedia/045-047.png where present, else the last image)")
    tr.add_argument("--seed", type=seed_value, help="seed of the data stream and weights (default 0; a resumed run: its own)")
    tr.add_argument("--json", action="store_true", help="print one JSON object at the end")


def _add_export_model(sub: argparse._SubParsersAction) -> None:
    ex = sub.add_parser("export-model", help="quantise a training run into an integer weights file the codec loads")
    ex.add_argument("--run", required=True, help="run directory of `ddm-sscc train`")
    ex.add_argument("--data", required=True, help="training images (activation ranges and the offline calibration)")
    ex.add_argument("-o", "--output", required=True, help="weights file to write (.safetensors)")
    ex.add_argument("--model-id", default="ddm-featmlp-int-custom", help="id recorded in every .ddm it codes")
    ex.add_argument("--crops", type=positive_int, default=160, help="training crops measured (default 160)")
    output_options(ex)


def _crops(data: str, count: int, crop: int, seed: int):
    from ddm_sscc.training.data import gather_images, load_packed, sample_crops

    path = Path(data)
    if path.is_file():
        return load_packed(path)
    return sample_crops(gather_images(path), crop, count, seed)


def _pack_crops(args: argparse.Namespace) -> int:
    from ddm_sscc.output_file import check_output
    from ddm_sscc.training.data import save_packed

    check_output(args.output, args.force)
    start = time.perf_counter()
    crops = _crops(args.data, args.count, args.crop, args.seed)
    save_packed(Path(args.output), crops)
    size = Path(args.output).stat().st_size
    record = {"command": "pack-crops", "output": args.output, "crops": len(crops), "crop": args.crop,
              "bytes": size, "seconds": round(time.perf_counter() - start, 2)}
    emit(args, record, f"{len(crops)} crops of {args.crop}x{args.crop} -> {args.output} ({size / 2**20:.1f} MiB)")
    return 0


def _train(args: argparse.Namespace) -> int:
    from ddm_sscc.codec.feature_network import FeatureNetworkConfig
    from ddm_sscc.training.feature_loop import run_train_config, train_features
    from ddm_sscc.training.training_images import split_training_images
    from ddm_sscc.training.warm_start import warm_start_config

    images, validation, held = split_training_images(Path(args.data), args.holdout)
    cfg, taken = run_train_config(Path(args.out), args.steps, crop=args.crop, crops_per_batch=args.batch,
                                  per_step=args.per_step, lr=args.lr, seed=args.seed,
                                  tiny_crops=args.tiny_crops, chroma_history=args.chroma_history,
                                  grain=args.grain)
    init_from = Path(args.init_from) if args.init_from else None
    if init_from is not None:  # the network's shape is the source run's
        net = warm_start_config(init_from, block_phase=args.block_phase, block_window=args.block_window)
    else:
        net = FeatureNetworkConfig(hidden=args.hidden, layers=args.layers, components=args.components,
                                   planes=args.planes, lattice=args.lattice_neighbours, order=args.order,
                                   compact=args.compact, block_phase=args.block_phase,
                                   block_window=args.block_window)
    log = (lambda line: None) if args.json else (lambda line: print(f"{PROG}: train: {line}", file=sys.stderr))
    if taken:
        log(f"settings kept from the run's checkpoint: {taken}")
    result = train_features(images, validation, Path(args.out), cfg, net, minutes=args.minutes, log=log,
                            init_from=init_from)
    record = {"command": "train", "out": args.out, "images": len(images), "validation": held} | result
    emit(args, record, f"trained to step {result['step']}/{args.steps}: validation {result['val_bpsp']:.4f} bpsp "
          f"(held out: {', '.join(held)}), {result['elapsed_s']:.0f} s this session -> {args.out}")
    return 0


def _export_model(args: argparse.Namespace) -> int:
    from ddm_sscc.errors import ConfigError
    from ddm_sscc.output_file import check_output
    from ddm_sscc.training.feature_export import export
    from ddm_sscc.training.training_images import split_training_images

    check_output(args.output, args.force)
    run = Path(args.run) / "network.safetensors"
    if not run.is_file():
        raise ConfigError(f"{args.run}: no network.safetensors (not a `ddm-sscc train` run directory)")
    images, _, _ = split_training_images(Path(args.data), None)
    start = time.perf_counter()
    report = export(run, Path(args.output), args.model_id, images, {"run": str(args.run)}, crops=args.crops)
    record = {"command": "export-model", "output": args.output, "model_id": args.model_id,
              "seconds": round(time.perf_counter() - start, 1)} | report
    emit(args, record, f"{args.model_id} -> {args.output} (sha256 {report['sha256'][:16]}…): on training crops "
          f"float {report['float_bpsp']:.4f}, integer {report['integer_bpsp']:.4f}, "
          f"offline-calibrated {report['calibrated_bpsp']:.4f} bpsp")
    return 0


COMMANDS = {"pack-crops": (_add_pack_crops, _pack_crops), "train": (_add_train, _train), "export-model": (_add_export_model, _export_model)}
"""Subcommand name → (adds its parser, runs it)."""
