"""The ``ddm-sscc`` command line.

Every subcommand prints a short human summary, or one JSON object with
``--json``.  Errors the user can cause print ``ddm-sscc: error: <message>``
on one line and exit with status 1 (2 for usage errors).
"""

from __future__ import annotations

import argparse
import dataclasses
import contextlib
import json
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ddm_sscc import __version__
from ddm_sscc.errors import DdmError

if TYPE_CHECKING:  # the codec (and torch) load lazily, so `--help` stays fast
    from ddm_sscc.codec.container import Header

PROG = "ddm-sscc"


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be ≥ 1, got {value}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not (value > 0 and value < float("inf")):
        raise argparse.ArgumentTypeError(f"must be finite and > 0, got {text!r}")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text, 0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if not 0 <= value < 1 << 64:
        raise argparse.ArgumentTypeError("must be in 0..2^64-1")
    return value


def _snr_db(text: str) -> float | None:
    """An SNR in dB; ``inf`` means no noise (None)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of dB or inf, got {text!r}") from None
    if value == float("inf"):
        return None
    if value != value or value == float("-inf"):
        raise argparse.ArgumentTypeError(f"expected a finite SNR or inf, got {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    parser = argparse.ArgumentParser(prog=PROG, description="Lossless image transmission with a discrete-diffusion codec.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--threads", type=_positive_int, help="torch intra-op threads (does not change the output)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    enc = sub.add_parser("encode", help="compress an image into a .ddm file")
    enc.add_argument("image", help="PNG, TIFF, PPM or BMP file, or builtin:NAME (astronaut, camera, chelsea, coffee)")
    enc.add_argument("-o", "--output", required=True, help="output .ddm file")
    enc.add_argument("--steps", type=_positive_int, default=16, help="denoising steps T (default 16)")
    enc.add_argument("--order", choices=("halton", "raster", "random"), default="halton", help="reveal order (default halton)")
    enc.add_argument("--seed", type=_seed, default=0, help="seed of the random order (default 0)")
    enc.add_argument("--schedule", choices=("cosine", "linear"), default="cosine", help="reveal schedule (default cosine)")
    enc.add_argument("--calibration", choices=("off", "offline", "online"), default="online",
                     help="table calibration: off, the model's offline one, or online adaptation to the image "
                          "on top of it (default online; models without it code as off)")
    enc.add_argument("--no-calibration", action="store_true", help="the same as --calibration off")
    enc.add_argument("--model", help="model id from the zoo (see `ddm-sscc models`) or a weights file (.safetensors)")
    _common(enc)

    dec = sub.add_parser("decode", help="decompress a .ddm file into an image")
    dec.add_argument("input", help=".ddm file")
    dec.add_argument("-o", "--output", required=True, help="output image (.png, .tif, .ppm/.pgm or .bmp)")
    dec.add_argument("--model", help="weights file (.safetensors) for a model outside the zoo (default: the header's id)")
    dec.add_argument("--max-pixels", type=_positive_int, default=1 << 26,
                     help="refuse images with more pixels (H·W) before decoding (default 2^26 = 67108864)")
    _common(dec)

    info = sub.add_parser("info", help="print the header of a .ddm file")
    info.add_argument("input", help=".ddm file")
    info.add_argument("--json", action="store_true", help="print one JSON object")

    pack = sub.add_parser("pack-crops", help="sample training crops from image folders into one compact file")
    pack.add_argument("--data", required=True, help="folder of training images (searched recursively)")
    pack.add_argument("-o", "--output", required=True, help="output .npz")
    pack.add_argument("--count", type=_positive_int, default=2000, help="number of crops (default 2000)")
    pack.add_argument("--crop", type=_positive_int, default=128, help="crop side in pixels (default 128)")
    pack.add_argument("--seed", type=_seed, default=0)
    _common(pack)

    tr = sub.add_parser("train", help="train the integer feature model on this CPU (resumes an existing run)")
    tr.add_argument("--data", required=True, help="folder of training images (searched recursively), or a file from `pack-crops`")
    tr.add_argument("--out", required=True, help="run directory: network.safetensors, train_state.safetensors, train.log")
    tr.add_argument("--steps", type=_positive_int, default=20000, help="total optimisation steps (default 20000)")
    tr.add_argument("--minutes", type=_positive_float, help="stop (resumably) after this much wall time")
    tr.add_argument("--crop", type=_positive_int, default=128, help="crop side (default 128)")
    tr.add_argument("--batch", type=_positive_int, default=8, help="crops per step (default 8)")
    tr.add_argument("--per-step", type=_positive_int, default=1024, help="positions drawn per crop (default 1024)")
    tr.add_argument("--lr", type=_positive_float, default=2e-3, help="peak learning rate (default 2e-3)")
    tr.add_argument("--hidden", type=_positive_int, default=128, help="hidden width of a new run (default 128)")
    tr.add_argument("--layers", type=_positive_int, default=2, help="hidden layers of a new run (default 2)")
    tr.add_argument("--components", type=_positive_int, default=2, help="logistic components of a new run (default 2)")
    tr.add_argument("--holdout", help="comma-separated images (relative to --data) kept out for validation "
                                      "(default: wikipedia/045-047.png where present, else the last image)")
    tr.add_argument("--seed", type=_seed, default=0)
    tr.add_argument("--json", action="store_true", help="print one JSON object at the end")

    ex = sub.add_parser("export-model", help="quantise a training run into an integer weights file the codec loads")
    ex.add_argument("--run", required=True, help="run directory of `ddm-sscc train`")
    ex.add_argument("--data", required=True, help="training images (activation ranges and the offline calibration)")
    ex.add_argument("-o", "--output", required=True, help="weights file to write (.safetensors)")
    ex.add_argument("--model-id", default="ddm-featmlp-int-custom", help="id recorded in every .ddm it codes")
    ex.add_argument("--crops", type=_positive_int, default=160, help="training crops measured (default 160)")
    _common(ex)

    bench = sub.add_parser("bench", help="DDM against PNG, WebP, JPEG-XL, JPEG 2000 and QOI on the same pixels")
    bench.add_argument("--dataset", required=True, help="kodak, cifar-npz, or a folder of images")
    bench.add_argument("--limit", type=_positive_int, help="first N images only")
    bench.add_argument("--crop", type=_positive_int, help="centre-crop images to S×S")
    bench.add_argument("--steps", type=_positive_int, default=16, help="DDM steps T (default 16)")
    bench.add_argument("--model", help="model id from the zoo (default: the default model)")
    bench.add_argument("--ablation", action="store_true", help="order, schedule and calibration (off/offline/online), one at a time")
    bench.add_argument("--sweep-steps", action="store_true", help="bpsp and seconds for T in 8, 16, 32, 64")
    bench.add_argument("-o", "--out", help="directory for bench.md, bench.csv (per image) and summary.csv")
    _common(bench)

    per = sub.add_parser("per", help="frame error rate vs SNR of the OFDM link against the ideal reference")
    per.add_argument("--mcs", default="qpsk-1/2", help="payload MCS, e.g. bpsk-1/2, qpsk-1/2, 16qam-3/4 (default qpsk-1/2)")
    per.add_argument("--channel", default="awgn", choices=("awgn", "rayleigh", "selective"), help="channel model")
    per.add_argument("--profile", default="EPA", help="power-delay profile of the selective channel (EPA, EVA, ETU)")
    per.add_argument("--doppler", type=float, default=0.0, help="maximum Doppler shift in Hz (selective channel)")
    per.add_argument("--snr", default="0:6:1", help="SNR points A:B:STEP in dB (Es/N0 per sample), or inf (no noise)")
    per.add_argument("--frames", type=_positive_int, default=200, help="frames per SNR point (default 200)")
    per.add_argument("--payload", type=_positive_int, default=1024, help="payload bytes per frame (default 1024)")
    per.add_argument("--cfo", type=float, default=20e3, help="CFO drawn uniformly in ±CFO Hz per frame (default 20000)")
    per.add_argument("--seed", type=int, default=1, help="seed of every random draw (default 1)")
    per.add_argument("-o", "--out", help="write per.md and per.json into this directory")
    _common(per)

    link = sub.add_parser(
        "link", help="send an image over TX, channel and RX flowgraphs running as three processes (ZeroMQ)"
    )
    link.add_argument("image", help="image file or builtin:NAME")
    link.add_argument("-o", "--output", required=True, help="received image, written only if bit-exact")
    link.add_argument("--channel", default="awgn", choices=("awgn", "rayleigh", "selective"), help="channel model")
    link.add_argument("--snr", type=_snr_db, default=20.0, help="SNR in dB (Es/N0 per sample), or inf (default 20)")
    link.add_argument("--mcs", default="qpsk-1/2", help="payload MCS (default qpsk-1/2)")
    link.add_argument("--cfo-hz", type=float, default=0.0, help="carrier frequency offset in Hz (default 0)")
    link.add_argument("--profile", default="EPA", help="power-delay profile of the selective channel (default EPA)")
    link.add_argument("--doppler", type=float, default=0.0, help="maximum Doppler shift in Hz (selective)")
    link.add_argument("--seed", type=int, default=0, help="seed of the channel's random draws (default 0)")
    link.add_argument("--model", default="", help="codec model id (default: the default model)")
    link.add_argument("--steps", type=_positive_int, default=16, help="denoising steps T (default 16)")
    link.add_argument("--max-payload", type=_positive_int, default=1024, help="payload bytes per frame (default 1024)")
    link.add_argument("--timeout", type=float, default=300.0, help="give up after this many seconds (default 300)")
    link.add_argument(
        "--idle-timeout", type=float, default=8.0, help="end when no frame arrived for this many seconds (default 8)"
    )
    _common(link)

    radios = sub.add_parser("radios", help="list the IIO contexts (Plutos over USB or the network) libiio can reach")
    radios.add_argument("--json", action="store_true", help="print one JSON object")

    tx = sub.add_parser("tx", help="transmit an image with an ADALM-PLUTO (flowgraphs/tx_pluto.grc)")
    tx.add_argument("image", help="image file or builtin:NAME")
    _radio_options(tx)
    tx.add_argument("--repeat", type=_positive_int, default=1, help="transmissions of the image (default 1)")
    tx.add_argument("--loop", type=float, metavar="INTERVAL", help="repeat forever, INTERVAL s apart (Ctrl-C stops)")
    tx.add_argument("--seconds", type=float, help="with --loop: stop after this many seconds")
    tx.add_argument("--model", default="", help="codec model id (default: the default model)")
    tx.add_argument("--steps", type=_positive_int, default=16, help="denoising steps T (default 16)")
    tx.add_argument("--json", action="store_true", help="print one JSON object")

    rx = sub.add_parser("rx", help="receive an image with an ADALM-PLUTO (flowgraphs/rx_pluto.grc)")
    _radio_options(rx)
    rx.add_argument("-o", "--output", required=True, help="received image, written only if bit-exact")
    rx.add_argument("--timeout", type=float, default=120.0, help="give up after this many seconds (default 120)")
    _common(rx)

    loop = sub.add_parser("loopback", help="one Pluto, TX cabled to RX through an attenuator (pyadi-iio)")
    loop.add_argument("image", help="image file or builtin:NAME")
    _radio_options(loop)
    loop.add_argument("-o", "--output", required=True, help="received image, written only if bit-exact")
    loop.add_argument("--model", default="", help="codec model id (default: the default model)")
    loop.add_argument("--steps", type=_positive_int, default=16, help="denoising steps T (default 16)")
    _common(loop)

    cap = sub.add_parser("capture", help="record IQ from a Pluto, a ZeroMQ stream or the simulator as SigMF")
    cap.add_argument("--radio", required=True, choices=("pluto", "zmq", "sim"), help="where the samples come from")
    cap.add_argument("--seconds", type=float, default=2.0, help="seconds to record (pluto, zmq; default 2)")
    cap.add_argument("-o", "--output", required=True, help="recording base name, e.g. capture/NAME")
    cap.add_argument("--config", help="Pluto settings (pluto; default: the shipped pluto_2g4.yaml)")
    cap.add_argument("--address", default="tcp://127.0.0.1:5602", help="ZMQ PUSH address to pull from (zmq)")
    cap.add_argument("--sample-rate", type=float, default=2e6, help="sample rate of the ZMQ stream (default 2e6)")
    cap.add_argument("--image", help="image to send (sim), e.g. builtin:astronaut")
    cap.add_argument("--channels", help="channel profiles (sim; default: the shipped channels.yaml)")
    cap.add_argument("--profile", default="pluto-like", help="channel profile name (sim; default pluto-like)")
    cap.add_argument("--seed", type=int, default=0, help="seed of the simulation (sim)")
    cap.add_argument("--datatype", default="ci16_le", choices=("ci16_le", "cf32_le"), help="sample format (default ci16_le)")
    _common(cap)

    rep = sub.add_parser("replay", help="run the receiver on a SigMF recording and recover the image")
    rep.add_argument("recording", help="NAME.sigmf-meta (or NAME)")
    rep.add_argument("-o", "--output", required=True, help="received image, written only if bit-exact")
    rep.add_argument("--max-pixels", type=_positive_int, default=1 << 26,
                     help="refuse images with more pixels (H·W) before decoding (default 2^26 = 67108864)")
    _common(rep)

    sw = sub.add_parser("sweep", help="exact-recovery rate vs unified SNR of several systems over the same link")
    sw.add_argument("--dataset", required=True, help="kodak, cifar-npz, or a folder of images")
    sw.add_argument("--limit", type=_positive_int, help="first N images only")
    sw.add_argument("--channel", default="awgn", choices=("awgn", "rayleigh", "selective"), help="channel model")
    sw.add_argument("--profile", default="EPA", help="power-delay profile of the selective channel (default EPA)")
    sw.add_argument("--snr", required=True, help="SNR points A:B:STEP in dB (Es/N0 per sample)")
    sw.add_argument("--trials", type=_positive_int, default=1, help="transmissions per image, system and SNR")
    sw.add_argument("--systems", default="ddm,jpegxl,png,raw", help="comma list of ddm, jpegxl, png, raw, deepjscc")
    sw.add_argument("--mcs", default="qpsk-1/2", help="payload MCS, or auto (highest rate with PER < 1%% at the SNR)")
    sw.add_argument(
        "--mcs-margin", type=float, default=0.0, metavar="DB",
        help="with --mcs auto: choose an MCS only this many dB above its 1%% PER threshold (default 0)",
    )  # fmt: skip
    sw.add_argument("--max-payload", type=_positive_int, default=1024, help="payload bytes per frame (default 1024)")
    sw.add_argument("--seed", type=int, default=1, help="seed of every random draw (default 1)")
    sw.add_argument("--model", help="DDM model id (default: the default model)")
    sw.add_argument("--steps", type=_positive_int, default=16, help="DDM steps T (default 16)")
    sw.add_argument("--workers", type=_positive_int, default=2, help="local worker processes (default 2)")
    sw.add_argument("--cluster", metavar="ADDRESS", help="run on this Dask scheduler (e.g. tcp://127.0.0.1:8786)")
    sw.add_argument(
        "--through-gnuradio", action="store_true", help="ddm trials through the three ZeroMQ flowgraphs (slow)"
    )
    sw.add_argument("-o", "--out", required=True, help="results directory (resumed if it has rows.csv)")
    sw.add_argument("--json", action="store_true", help="print one JSON object at the end")

    models = sub.add_parser("models", help="list the models this installation can code with")
    models.add_argument("--json", action="store_true", help="print one JSON object")
    return parser


def _radio_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--radio", default="pluto", choices=("pluto",), help="radio kind (default pluto)")
    parser.add_argument("--config", help="Pluto settings (YAML; default: the shipped pluto_2g4.yaml)")
    parser.add_argument("--modem", help="modem settings (YAML; default: the shipped ofdm_default.yaml)")


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-f", "--force", action="store_true", help="overwrite an existing output file")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the summary")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        if args.threads:
            import torch

            torch.set_num_threads(args.threads)
        return _COMMANDS[args.command](args)
    except DdmError as exc:
        return _fail(str(exc))
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        return _fail(f"{where}{exc.strerror or exc}")
    except MemoryError:
        return _fail("out of memory")
    except RuntimeError as exc:  # torch's allocator reports exhaustion as a RuntimeError
        if "allocate" in str(exc) and "memory" in str(exc):
            return _fail("out of memory")
        raise
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130


def _fail(message: str) -> int:
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return 1


@contextlib.contextmanager
def _step_progress(label: str) -> Iterator[Callable[[int, int], None]]:
    """A progress bar over denoising steps on stderr, shown only on a terminal."""
    from tqdm import tqdm

    with tqdm(desc=label, unit="step", leave=False, disable=not sys.stderr.isatty()) as bar:

        def update(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        yield update


def _emit(args: argparse.Namespace, record: dict[str, Any], summary: str) -> None:
    print(json.dumps(record) if args.json else summary)


def _encode(args: argparse.Namespace) -> int:
    from ddm_sscc.codec import CodecSettings, OrderKind, ScheduleKind, load_codec
    from ddm_sscc.image_io import load_image
    from ddm_sscc.output_file import check_output, write_atomic

    check_output(args.output, args.force)
    loaded = load_image(args.image)
    for note in loaded.notes:
        print(f"{PROG}: note: {args.image}: {note}", file=sys.stderr)
    codec = load_codec(args.model)
    settings = CodecSettings(
        steps=args.steps,
        order=OrderKind[args.order.upper()],
        schedule=ScheduleKind[args.schedule.upper()],
        order_seed=args.seed,
        calibrate=not args.no_calibration and args.calibration != "off",
        adapt=args.calibration == "online",
    )
    start = time.perf_counter()
    with _step_progress("encode") as progress:
        data = codec.encode(loaded.pixels, settings, progress)
    seconds = time.perf_counter() - start
    write_atomic(args.output, data, args.force)

    from ddm_sscc.codec.container import read_header

    header, _ = read_header(data)
    record = _run_record("encode", args.image, args.output, header, len(data), seconds) | {"notes": loaded.notes}
    summary = (
        f"{args.image} ({_shape(header)}) -> {args.output}: {len(data)} bytes, {record['bpsp']:.4f} bpsp, "
        f"{header.steps} steps ({record['order']}/{record['schedule']}), model {header.model_id}, {seconds:.2f} s"
    )
    _emit(args, record, summary)
    return 0


def _decode(args: argparse.Namespace) -> int:
    from ddm_sscc.codec import load_codec
    from ddm_sscc.codec.container import read_header
    from ddm_sscc.codec.engine import check_pixel_limit
    from ddm_sscc.image_io import output_format, save_image
    from ddm_sscc.output_file import check_output

    check_output(args.output, args.force)
    output_format(args.output)
    data = Path(args.input).read_bytes()
    header, _ = read_header(data)
    output_format(args.output, header.channels)  # before the decode, not after
    check_pixel_limit(header, args.max_pixels)
    codec = load_codec(args.model or header.model_id)
    codec.check_model(header)  # refuse other weights before decoding anything
    start = time.perf_counter()
    with _step_progress("decode") as progress:
        pixels = codec.decode(data, progress, args.max_pixels)
    seconds = time.perf_counter() - start
    save_image(args.output, pixels, args.force)
    record = _run_record("decode", args.input, args.output, header, len(data), seconds) | {"verified": True}
    summary = (
        f"{args.input} -> {args.output}: {_shape(header)}, {record['bpsp']:.4f} bpsp, {header.steps} steps, "
        f"{seconds:.2f} s, pixels verified (sha256 {record['sha256'][:16]}…)"
    )
    _emit(args, record, summary)
    return 0


def _info(args: argparse.Namespace) -> int:
    from ddm_sscc.codec.container import unpack

    data = Path(args.input).read_bytes()
    header, _ = unpack(data)
    record = _header_record(header, len(data)) | {"command": "info", "input": args.input}
    summary = "\n".join(f"{key:>15}: {value}" for key, value in record.items() if key not in ("command",))
    _emit(args, record, summary)
    return 0


def _models(args: argparse.Namespace) -> int:
    from ddm_sscc.codec import DEFAULT_MODEL, available_models, load_codec
    from ddm_sscc.codec.model import AdaptiveModel

    rows = []
    for model_id in available_models():
        codec = load_codec(model_id)
        rows.append(
            {
                "model": model_id,
                "weights_sha256": codec.model.weights_sha256.hex(),
                "calibration": codec.calibration is not None or isinstance(codec.model, AdaptiveModel),
                "default": model_id == DEFAULT_MODEL,
            }
        )
    summary = "\n".join(
        f"{r['model']}{' (default)' if r['default'] else ''}  weights {r['weights_sha256'][:16]}…  "
        f"calibration {'yes' if r['calibration'] else 'no'}"
        for r in rows
    )
    _emit(args, {"command": "models", "models": rows}, summary)
    return 0


def _run_record(command: str, source: str, output: str, header: Header, size: int, seconds: float) -> dict[str, Any]:
    return {"command": command, "input": source, "output": output, "seconds": round(seconds, 4)} | _header_record(
        header, size
    )


def _header_record(header: Header, size: int) -> dict[str, Any]:
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
        "model": header.model_id,
        "weights_sha256": header.weights_sha256.hex(),
        "sha256": header.pixel_sha256.hex(),
    }


def _shape(header: Header) -> str:
    return f"{header.width}x{header.height}x{header.channels}"


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
    _emit(args, record, f"{len(crops)} crops of {args.crop}x{args.crop} -> {args.output} ({size / 2**20:.1f} MiB)")
    return 0


def _train(args: argparse.Namespace) -> int:
    from ddm_sscc.codec.feature_network import FeatureNetworkConfig
    from ddm_sscc.training.feature_loop import FeatureTrainConfig, train_features
    from ddm_sscc.training.training_images import split_training_images

    images, validation, held = split_training_images(Path(args.data), args.holdout)
    cfg = FeatureTrainConfig(crop=args.crop, crops_per_batch=args.batch, per_step=args.per_step, lr=args.lr,
                             total_steps=args.steps, seed=args.seed)
    net = FeatureNetworkConfig(hidden=args.hidden, layers=args.layers, components=args.components)
    log = (lambda line: None) if args.json else (lambda line: print(f"{PROG}: train: {line}", file=sys.stderr))
    result = train_features(images, validation, Path(args.out), cfg, net, minutes=args.minutes, log=log)
    record = {"command": "train", "out": args.out, "images": len(images), "validation": held} | result
    _emit(args, record, f"trained to step {result['step']}/{args.steps}: validation {result['val_bpsp']:.4f} bpsp "
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
    _emit(args, record, f"{args.model_id} -> {args.output} (sha256 {report['sha256'][:16]}…): on training crops "
          f"float {report['float_bpsp']:.4f}, integer {report['integer_bpsp']:.4f}, "
          f"offline-calibrated {report['calibrated_bpsp']:.4f} bpsp")
    return 0


def _bench(args: argparse.Namespace) -> int:
    from ddm_sscc.experiments.codec_bench import BenchSettings, run_bench, to_markdown, write_csv
    from ddm_sscc.output_file import check_output, write_atomic

    out = Path(args.out) if args.out else None
    if out is not None and out.is_dir():
        for name in ("bench.md", "bench.csv", "summary.csv"):
            check_output(out / name, args.force)  # fail before the (long) measurement
    settings = BenchSettings(args.dataset, args.limit, args.crop, args.steps, args.model, args.ablation, args.sweep_steps)
    result = run_bench(settings, progress=lambda msg: print(f"{PROG}: bench: {msg}", file=sys.stderr))
    table = to_markdown(result)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        write_atomic(out / "bench.md", (table + "\n").encode(), args.force)
        write_csv(out / "bench.csv", result["per_image"])
        write_csv(out / "summary.csv", result["rows"])
    record = {k: v for k, v in result.items() if k != "per_image"}
    _emit(args, record, table)
    return 0


def _per(args: argparse.Namespace) -> int:
    import math

    from ddm_sscc.errors import ConfigError
    from ddm_sscc.experiments.per import PerSettings, parse_snr_range, run_per, to_json, to_markdown
    from ddm_sscc.output_file import check_output, write_atomic
    from ddm_sscc.phy.mcs import mcs_by_name

    if args.payload > 65535:
        raise ConfigError(f"--payload must be at most 65535 bytes, got {args.payload}")
    if not (math.isfinite(args.cfo) and 0 <= args.cfo <= 200e3):
        raise ConfigError(f"--cfo must be in 0..200000 Hz, got {args.cfo}")
    out = Path(args.out) if args.out else None
    if out is not None and out.is_dir():
        for name in ("per.md", "per.json"):
            check_output(out / name, args.force)
    settings = PerSettings(
        mcs=mcs_by_name(args.mcs), channel=args.channel, payload_len=args.payload, profile=args.profile,
        doppler_hz=args.doppler, cfo_max_hz=args.cfo, seed=args.seed,
    )
    snrs = parse_snr_range(args.snr)
    from tqdm import tqdm

    with tqdm(total=len(snrs) * args.frames, unit="frame", leave=False, disable=not sys.stderr.isatty()) as bar:
        points = run_per(settings, snrs, args.frames, progress=bar.update)
    table = to_markdown(settings, points)
    record = to_json(settings, points)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        write_atomic(out / "per.md", (table + "\n").encode(), args.force)
        write_atomic(out / "per.json", (json.dumps(record, indent=1) + "\n").encode(), args.force)
    _emit(args, record, table)
    return 0


def _link_status(state: dict) -> None:
    """One overwritten status line on a terminal while the link runs."""
    tx, rx = state.get("tx"), state.get("rx") or {}
    if tx is None:
        text = "coding the image …"
    else:
        text = f"{rx.get('frames_received', 0)}/{tx['frames']} frames received, {rx.get('frames_lost', 0)} lost"
    print(f"\r{PROG} link: {text} ({state['seconds']:.0f} s)\033[K", end="", file=sys.stderr, flush=True)


def _link(args: argparse.Namespace) -> int:
    from ddm_sscc.link.zmq_link import LinkSettings, run_zmq_link

    settings = LinkSettings(
        image=args.image,
        output=args.output,
        channel=args.channel,
        snr_db=args.snr,
        mcs=args.mcs,
        cfo_hz=args.cfo_hz,
        seed=args.seed,
        profile=args.profile,
        doppler_hz=args.doppler,
        model=args.model,
        steps=args.steps,
        max_payload=args.max_payload,
        timeout=args.timeout,
        idle_timeout=args.idle_timeout,
        force=args.force,
    )
    summary = run_zmq_link(settings, _link_status if sys.stderr.isatty() else None)
    if sys.stderr.isatty():
        print("\r\033[K", end="", file=sys.stderr)
    if args.json:
        print(summary.to_json())
    else:
        print("\n".join(summary.lines()))
    return 0 if summary.exact else 1


def _radio_configs(args: argparse.Namespace):
    from ddm_sscc.radio.config import DEFAULT_MODEM_CONFIG, DEFAULT_PLUTO_CONFIG, load_modem_config, load_pluto_config

    args.config = args.config or str(DEFAULT_PLUTO_CONFIG)
    config = load_pluto_config(args.config)
    modem = load_modem_config(args.modem or DEFAULT_MODEM_CONFIG)
    for warning in config.warnings():
        print(f"{PROG}: warning: {args.config}: {warning}", file=sys.stderr)
    return config, modem


def _radios(args: argparse.Namespace) -> int:
    from ddm_sscc.radio.pluto import list_radios

    found = list_radios()
    if args.json:
        print(json.dumps({"radios": [{"uri": uri, "description": desc} for uri, desc in found]}))
    elif found:
        for uri, desc in found:
            print(f"{uri}\t{desc}")
    else:
        print("no IIO contexts found (is the Pluto plugged in? `iio_info -s` scans the same way)")
    return 0


def _tx(args: argparse.Namespace) -> int:
    from ddm_sscc.radio.pluto_flowgraphs import run_pluto_tx

    config, modem = _radio_configs(args)
    if args.seconds is not None and args.loop is None:
        raise DdmError("--seconds goes with --loop")
    status = None if args.json else (lambda text: print(f"{PROG} tx: {text}", file=sys.stderr))
    record = run_pluto_tx(
        config, modem, args.image, repeat=args.repeat, loop_interval=args.loop, seconds=args.seconds,
        model=args.model, steps=args.steps, status=status,
    )  # fmt: skip
    summary = (
        f"{args.image}: {record['frames']} frames ({record['mcs']}), {record['bytes']} bytes, {record['bpsp']:.4f} bpsp, "
        f"session 0x{record['session_id']:08x}, {record['airtime_s']:.2f} s on air per transmission, "
        f"{config.center_frequency / 1e6:g} MHz via {config.uri}"
    )
    _emit(args, record, summary)
    return 0


def _summary_out(args: argparse.Namespace, summary) -> int:
    if args.json:
        print(summary.to_json())
    else:
        print("\n".join(summary.lines()))
        ppm = summary.extra.get("cfo_ppm")
        if ppm is not None:
            cfo = summary.extra.get("rx_cfo_estimate_hz")
            line = f"measured CFO {cfo:+.0f} Hz = {ppm:+.2f} ppm"
            xo = summary.extra.get("xo_correction_suggested")
            print(line + (f"; xo_correction {xo} on this receiver would remove it" if xo else ""))
    return 0 if summary.exact else 1


def _rx(args: argparse.Namespace) -> int:
    from ddm_sscc.radio.pluto_flowgraphs import run_pluto_rx

    config, _ = _radio_configs(args)
    summary = run_pluto_rx(config, args.output, force=args.force, timeout=args.timeout)
    return _summary_out(args, summary)


def _loopback(args: argparse.Namespace) -> int:
    from ddm_sscc.radio.image_loopback import run_image_loopback

    config, modem = _radio_configs(args)
    summary = run_image_loopback(config, modem, args.image, args.output, force=args.force, model=args.model, steps=args.steps)
    return _summary_out(args, summary)


def _capture(args: argparse.Namespace) -> int:
    from ddm_sscc.output_file import check_output
    from ddm_sscc.recording.capture import record_capture
    from ddm_sscc.recording.sigmf_recording import recording_paths

    for path in recording_paths(args.output):  # refuse before recording seconds of IQ
        check_output(path, args.force)
    if args.seconds <= 0:
        raise DdmError(f"--seconds must be positive, got {args.seconds:g}")
    extra: dict[str, Any] = {}
    sha = None
    if args.radio == "pluto":
        from ddm_sscc.radio.config import DEFAULT_PLUTO_CONFIG, load_pluto_config
        from ddm_sscc.radio.pluto import PlutoRadio

        config = load_pluto_config(args.config or DEFAULT_PLUTO_CONFIG)
        rate, frequency, hw = config.sample_rate, config.center_frequency, f"ADALM-PLUTO at {config.uri}"
        extra["ddm_sscc:radio_config"] = config.model_dump()
        with PlutoRadio(config) as radio:
            samples = radio.receive(int(round(args.seconds * rate)), flush=True)
    elif args.radio == "zmq":
        from ddm_sscc.radio.zmq_source import capture_zmq

        rate, frequency, hw = args.sample_rate, None, f"ZeroMQ stream {args.address}"
        samples = capture_zmq(args.address, int(round(args.seconds * rate)))
    else:
        from ddm_sscc.radio.config import DEFAULT_CHANNEL_PROFILES, load_channel_profiles
        from ddm_sscc.recording.simulated_capture import simulate_capture

        if not args.image:
            raise DdmError("--radio sim needs --image")
        args.channels = args.channels or str(DEFAULT_CHANNEL_PROFILES)
        profiles = load_channel_profiles(args.channels)
        if args.profile not in profiles:
            raise DdmError(f"{args.channels}: no profile {args.profile!r} (known: {', '.join(profiles)})")
        channel = profiles[args.profile]
        samples, info = simulate_capture(args.image, channel, seed=args.seed)
        rate, frequency, hw = 2e6, None, "ddm-sscc simulated channel"
        sha = str(info["image_sha256"])
        extra["ddm_sscc:settings"] = info["settings"]
    result = record_capture(
        samples, rate, args.output, frequency=frequency, hw=hw, datatype=args.datatype, extra_global=extra,
        description=f"ddm-sscc capture --radio {args.radio}", image_sha256=sha, force=args.force,
    )  # fmt: skip
    record = result.record()
    summary = (
        f"{record['meta']}: {record['samples']} samples ({record['seconds']:.2f} s at {rate / 1e6:g} MS/s), "
        f"{record['bursts']} bursts ({record['bursts_ok']} intact)"
        + (f", image sha256 {sha[:16]}…" if (sha := record["image_sha256"]) else "")
    )
    _emit(args, record, summary)
    return 0


def _replay(args: argparse.Namespace) -> int:
    from ddm_sscc.recording.replay import replay_recording

    return _summary_out(args, replay_recording(args.recording, args.output, force=args.force, max_pixels=args.max_pixels))


def _sweep(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from ddm_sscc.experiments.per import parse_snr_range
    from ddm_sscc.experiments.sweep import SweepSettings, check_results_dir, load_images, parse_systems, run_sweep

    snrs = parse_snr_range(args.snr)
    if None in snrs:
        raise DdmError("--snr must be finite points A:B:STEP for a sweep (inf: use `ddm-sscc link --snr inf`)")
    settings = SweepSettings(
        dataset=args.dataset, snrs=tuple(snrs), channel=args.channel, limit=args.limit, profile=args.profile,
        trials=args.trials, systems=parse_systems(args.systems), mcs=args.mcs, mcs_margin_db=args.mcs_margin,
        max_payload=args.max_payload,
        seed=args.seed, model=args.model, steps=args.steps, workers=args.workers,
    )  # fmt: skip
    out = check_results_dir(args.out)
    images = load_images(settings)
    if args.through_gnuradio:
        from ddm_sscc.experiments.gnuradio_sweep import run_gnuradio_sweep

        rows, report = run_gnuradio_sweep(settings, images, out)
        record = {"results_dir": str(out), "images": len(images), "rows": len(rows), "report": str(report)}
        print(json.dumps(record) if args.json else report.read_text())
        return 0
    client = executor = None
    if args.cluster:
        try:
            from distributed import Client
        except ImportError:
            raise DdmError("--cluster needs dask.distributed (pip install 'dask[distributed]')") from None
        try:
            client = Client(args.cluster, timeout=10)
        except (OSError, TimeoutError) as exc:
            raise DdmError(f"no Dask scheduler at {args.cluster}: {exc}") from None
        executor = client.get_executor()
    try:
        with tqdm(desc="sweep", unit="job", disable=args.json or not sys.stderr.isatty()) as bar:

            def progress(done: int, total: int) -> None:
                bar.total = total
                bar.update(done - bar.n)

            result = run_sweep(settings, images, args.out, executor=executor, progress=progress)
    finally:
        if client is not None:
            client.close()
    record = {
        "results_dir": str(result.results_dir),
        "images": len(images),
        "rows": len(result.rows),
        "new_rows": result.new_rows,
        "files": {name: str(path) for name, path in result.files.items()},
        "thresholds": [dataclasses.asdict(t) for t in result.thresholds],
    }
    summary = f"{len(images)} images, {result.new_rows} new rows ({len(result.rows)} in all) -> {result.results_dir}\n"
    summary += result.files["report"].read_text()
    print(json.dumps(record, default=str) if args.json else summary)
    return 0


_COMMANDS = {"sweep": _sweep, "capture": _capture, "replay": _replay, "radios": _radios, "tx": _tx, "rx": _rx, "loopback": _loopback, "link": _link, "per": _per, "encode": _encode, "decode": _decode, "info": _info, "models": _models, "pack-crops": _pack_crops,
             "train": _train, "export-model": _export_model, "bench": _bench}
