"""``encode``, ``decode``, ``info``, ``models``: the source codec on files."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ddm_sscc.cli.common import (
    PROG,
    emit,
    output_options,
    positive_int,
    seed_value,
    step_progress,
)
from ddm_sscc.codec.schedule import DEFAULT_STEPS_HELP

if TYPE_CHECKING:  # the codec (and torch) load lazily, so `--help` stays fast
    from ddm_sscc.codec.container import Header


def _add_encode(sub: argparse._SubParsersAction) -> None:
    enc = sub.add_parser("encode", help="compress an image into a .ddm file")
    enc.add_argument("image", help="PNG, TIFF, PPM or BMP file, or builtin:NAME (astronaut, camera, chelsea, coffee)")
    enc.add_argument("-o", "--output", required=True, help="output .ddm file")
    enc.add_argument("--steps", type=positive_int, default=None, help=DEFAULT_STEPS_HELP)
    enc.add_argument("--order", choices=("halton", "lattice", "raster", "random"),
                     help="reveal order (default: the order the model was trained for)")
    enc.add_argument("--seed", type=seed_value, default=0, help="seed of the random order (default 0)")
    enc.add_argument("--schedule", choices=("cosine", "linear"), default="cosine", help="reveal schedule (default cosine)")
    enc.add_argument("--calibration", choices=("off", "offline", "online"), default="online",
                     help="table calibration: off, the model's offline one, or online adaptation to the image "
                          "on top of it (default online; models without it code as off)")
    enc.add_argument("--no-calibration", action="store_true", help="the same as --calibration off")
    enc.add_argument("--model", help="model id from the zoo (see `ddm-sscc models`) or a weights file (.safetensors)")
    output_options(enc)


def _add_decode(sub: argparse._SubParsersAction) -> None:
    dec = sub.add_parser("decode", help="decompress a .ddm file into an image")
    dec.add_argument("input", help=".ddm file")
    dec.add_argument("-o", "--output", required=True, help="output image (.png, .tif, .ppm/.pgm or .bmp)")
    dec.add_argument("--model", help="weights file (.safetensors) for a model outside the zoo (default: the installed model "
                     "with the weights the header names)")
    dec.add_argument("--max-pixels", type=positive_int, default=1 << 26,
                     help="refuse images with more pixels (H·W) before decoding (default 2^26 = 67108864)")
    output_options(dec)


def _add_info(sub: argparse._SubParsersAction) -> None:
    info = sub.add_parser("info", help="print the header of a .ddm file")
    info.add_argument("input", help=".ddm file")
    info.add_argument("--json", action="store_true", help="print one JSON object")


def _add_models(sub: argparse._SubParsersAction) -> None:
    models = sub.add_parser("models", help="list the models this installation can code with")
    models.add_argument("--json", action="store_true", help="print one JSON object")


def _encode(args: argparse.Namespace) -> int:
    from ddm_sscc.codec import CodecSettings, OrderKind, ScheduleKind, load_codec
    from ddm_sscc.image_io import load_image
    from ddm_sscc.output_file import check_output, write_atomic

    check_output(args.output, args.force)
    loaded = load_image(args.image)
    for note in loaded.notes:
        print(f"{PROG}: note: {args.image}: {note}", file=sys.stderr)
    codec = load_codec(args.model)
    settings = CodecSettings.for_calibration(
        "off" if args.no_calibration else args.calibration,
        steps=args.steps,
        order=OrderKind[args.order.upper()] if args.order else None,
        schedule=ScheduleKind[args.schedule.upper()],
        order_seed=args.seed,
    )
    start = time.perf_counter()
    with step_progress("encode") as progress:
        data = codec.encode(loaded.pixels, settings, progress)
    seconds = time.perf_counter() - start
    write_atomic(args.output, data, args.force)

    from ddm_sscc.codec.container import read_header
    from ddm_sscc.codec.tokens import pixel_sha256
    from ddm_sscc.codec.zoo import model_name

    header, _ = read_header(data)
    record = _run_record("encode", args.image, args.output, header, len(data), seconds) | {
        "notes": loaded.notes, "sha256": pixel_sha256(loaded.pixels).hex(),
        "model": model_name(header) or codec.model.model_id,  # the default may code a small image with its other model
    }
    summary = (
        f"{args.image} ({_shape(header)}) -> {args.output}: {len(data)} bytes, {record['bpsp']:.4f} bpsp, "
        f"{header.steps} steps ({record['order']}/{record['schedule']}), model {record['model']}, {seconds:.2f} s"
    )
    emit(args, record, summary)
    return 0


def _decode(args: argparse.Namespace) -> int:
    from ddm_sscc.codec.container import read_header
    from ddm_sscc.codec.engine import check_pixel_limit
    from ddm_sscc.codec.tokens import pixel_sha256
    from ddm_sscc.codec.zoo import codec_for_header
    from ddm_sscc.image_io import output_format, save_image
    from ddm_sscc.output_file import check_output

    check_output(args.output, args.force)
    output_format(args.output)
    data = Path(args.input).read_bytes()
    header, _ = read_header(data)
    output_format(args.output, header.channels)  # before the decode, not after
    check_pixel_limit(header, args.max_pixels)
    codec = codec_for_header(header, args.model)  # refuses other weights before decoding anything
    start = time.perf_counter()
    with step_progress("decode") as progress:
        pixels = codec.decode(data, progress, args.max_pixels)
    seconds = time.perf_counter() - start
    save_image(args.output, pixels, args.force)
    record = _run_record("decode", args.input, args.output, header, len(data), seconds) | {
        "verified": True, "sha256": pixel_sha256(pixels).hex(),
    }
    summary = (
        f"{args.input} -> {args.output}: {_shape(header)}, {record['bpsp']:.4f} bpsp, {header.steps} steps, "
        f"{seconds:.2f} s, pixels verified (sha256 {record['sha256'][:16]}…)"
    )
    emit(args, record, summary)
    return 0


def _info(args: argparse.Namespace) -> int:
    from ddm_sscc.codec.container import unpack

    data = Path(args.input).read_bytes()
    header, _ = unpack(data)
    record = _header_record(header, len(data)) | {"command": "info", "input": args.input}
    summary = "\n".join(f"{key:>15}: {value}" for key, value in record.items() if key not in ("command",))
    emit(args, record, summary)
    return 0


def _models(args: argparse.Namespace) -> int:
    from ddm_sscc.codec import DEFAULT_MODEL, available_models, load_codec
    from ddm_sscc.codec.model import AdaptiveModel, trained_order
    from ddm_sscc.codec.zoo import SMALL_IMAGE_MODEL, SMALL_IMAGE_PIXELS

    rows = []
    for model_id in available_models():
        codec = load_codec(model_id)
        rows.append(
            {
                "model": model_id,
                "weights_sha256": codec.model.weights_sha256.hex(),
                "calibration": codec.calibration is not None or isinstance(codec.model, AdaptiveModel),
                "order": trained_order(codec.model).name.lower(),
                "default": model_id == DEFAULT_MODEL,
                "default_small_images": model_id == SMALL_IMAGE_MODEL,
            }
        )
    small = f" (the default also tries it on images of at most {SMALL_IMAGE_PIXELS} pixels)"
    summary = "\n".join(
        f"{r['model']}{' (default)' if r['default'] else ''}{small if r['default_small_images'] else ''}  weights {r['weights_sha256'][:16]}…  "
        f"calibration {'yes' if r['calibration'] else 'no'}  order {r['order']}"
        for r in rows
    )
    emit(args, {"command": "models", "models": rows}, summary)
    return 0


def _run_record(command: str, source: str, output: str, header: Header, size: int, seconds: float) -> dict[str, Any]:
    return {"command": command, "input": source, "output": output, "seconds": round(seconds, 4)} | _header_record(
        header, size
    )


def _header_record(header: Header, size: int) -> dict[str, Any]:
    from ddm_sscc.codec.zoo import model_name

    return {
        "height": header.height,
        "width": header.width,
        "channels": header.channels,
        "bytes": size,
        "bpsp": 8.0 * size / header.subpixels,
        "steps": header.steps,
        "order": header.order.name.lower(),
        "schedule": header.schedule.name.lower(),
        "order_seed": header.order_seed,
        "calibrated": header.calibrated,
        "adaptive": header.adaptive,
        "narrow_tables": header.narrow,
        "model": model_name(header),  # None: no installed model has the weights
        "weights_sha256": header.weights_sha256.hex(),
        "sha256": header.pixel_sha256.hex(),  # all of it in format 1, the first 8 bytes later
        "format_version": header.version,
    }


def _shape(header: Header) -> str:
    return f"{header.width}x{header.height}x{header.channels}"


COMMANDS = {"encode": (_add_encode, _encode), "decode": (_add_decode, _decode), "info": (_add_info, _info), "models": (_add_models, _models)}
"""Subcommand name → (adds its parser, runs it)."""
