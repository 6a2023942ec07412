"""``bench``, ``per``, ``sweep``: measurements of the codec, the PHY and the whole link."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

from ddm_sscc.cli.common import (
    PROG,
    calibration_option,
    emit,
    fountain_options,
    number_in,
    output_options,
    positive_int,
)
from ddm_sscc.codec.schedule import DEFAULT_STEPS_HELP
from ddm_sscc.errors import DdmError

SWEEP_CHANNELS = ("awgn", "rayleigh", "selective", "fast-rayleigh")
"""``sweep --channel`` choices (``experiments.sweep.settings.CHANNELS``, kept here so `--help` loads no numpy)."""
SNR_AXES = ("unified", "paper", "snr")
"""``sweep --snr-axis`` choices (``experiments.sweep.plots.SNR_AXES``)."""


def _add_bench(sub: argparse._SubParsersAction) -> None:
    bench = sub.add_parser("bench", help="DDM against PNG, WebP, JPEG-XL, JPEG 2000 and QOI on the same pixels")
    bench.add_argument("--dataset", required=True, help="kodak, cifar-npz, or a folder of images")
    bench.add_argument("--limit", type=positive_int, help="first N images only")
    bench.add_argument("--crop", type=positive_int, help="centre-crop images to S×S")
    bench.add_argument("--steps", type=positive_int, default=None, help=DEFAULT_STEPS_HELP)
    bench.add_argument("--model", help="model id from the zoo or a weights file (default: the default model)")
    calibration_option(bench)
    bench.add_argument("--ablation", action="store_true", help="order, schedule and calibration (off/offline/online), one at a time")
    bench.add_argument("--sweep-steps", action="store_true", help="bpsp and seconds for T in 8, 16, 32, 64")
    bench.add_argument("-o", "--out", help="directory for bench.md, bench.csv (per image) and summary.csv")
    output_options(bench)


def _add_per(sub: argparse._SubParsersAction) -> None:
    per = sub.add_parser("per", help="frame error rate vs SNR of the OFDM link against the ideal reference")
    per.add_argument("--mcs", default="qpsk-1/2", help="payload MCS, e.g. bpsk-1/2, qpsk-1/2, 16qam-3/4 (default qpsk-1/2)")
    per.add_argument("--channel", default="awgn", choices=("awgn", "rayleigh", "selective"), help="channel model")
    per.add_argument("--profile", default="EPA", help="power-delay profile of the selective channel (EPA, EVA, ETU)")
    per.add_argument("--doppler", type=number_in(0, 1e4), default=0.0, help="maximum Doppler shift in Hz (selective channel)")
    per.add_argument("--snr", default="0:6:1", help="SNR points A:B:STEP in dB (Es/N0 per sample), or inf (no noise)")
    per.add_argument("--frames", type=positive_int, default=200, help="frames per SNR point (default 200)")
    per.add_argument("--payload", type=positive_int, default=1024, help="payload bytes per frame (default 1024)")
    per.add_argument("--cfo", type=number_in(0, 200e3), default=20e3, help="CFO drawn uniformly in ±CFO Hz per frame (default 20000)")
    per.add_argument("--seed", type=int, default=1, help="seed of every random draw (default 1)")
    per.add_argument("-o", "--out", help="write per.md and per.json into this directory")
    output_options(per)


def _add_sweep(sub: argparse._SubParsersAction) -> None:
    sw = sub.add_parser("sweep", help="exact-recovery rate vs unified SNR of several systems over the same link")
    sw.add_argument("--dataset", required=True, help="kodak, cifar-npz, or a folder of images")
    sw.add_argument("--limit", type=positive_int, help="first N images only")
    sw.add_argument(
        "--channel", default="awgn", choices=SWEEP_CHANNELS,
        help="awgn; realistic: rayleigh (block fading, one gain per frame), selective (--profile, one realisation "
        "per frame); fast-rayleigh: i.i.d. Rayleigh per resource element, perfect CSI and sync: the paper's "
        "idealised setting (digital systems, named --mcs)",
    )  # fmt: skip
    sw.add_argument("--profile", default="EPA", help="power-delay profile of the selective channel (default EPA)")
    sw.add_argument("--snr", required=True, help="SNR points A:B:STEP in dB (Es/N0 per sample)")
    sw.add_argument("--trials", type=positive_int, default=1, help="transmissions per image, system and SNR")
    sw.add_argument("--systems", default="ddm,jpegxl,png,raw", help="comma list of ddm, jpegxl, png, raw, deepjscc")
    sw.add_argument("--mcs", default="qpsk-1/2", help="payload MCS, or auto (highest rate with PER < 1%% at the SNR)")
    sw.add_argument(
        "--mcs-margin", type=number_in(0, 20), default=0.0, metavar="DB",
        help="with --mcs auto: choose an MCS only this many dB above its 1%% PER threshold (default 0)",
    )  # fmt: skip
    sw.add_argument("--max-payload", type=positive_int, default=1024, help="payload bytes per frame (default 1024)")
    fountain_options(sw, carousel=False, what="; recorded in every row")
    sw.add_argument("--seed", type=int, default=1, help="seed of every random draw (default 1)")
    sw.add_argument("--model", help="DDM model id (default: the default model)")
    sw.add_argument("--steps", type=positive_int, default=None, help=DEFAULT_STEPS_HELP)
    calibration_option(sw)
    sw.add_argument("--workers", type=positive_int, default=2, help="local worker processes (default 2)")
    sw.add_argument("--cluster", metavar="ADDRESS", help="run on this Dask scheduler (e.g. tcp://127.0.0.1:8786)")
    sw.add_argument(
        "--through-gnuradio", action="store_true", help="ddm trials through the three ZeroMQ flowgraphs (slow)"
    )
    sw.add_argument(
        "--snr-axis", default="unified", choices=SNR_AXES,
        help="x axis of exact_rate.png: unified (ours, energy per sub-pixel), paper (the paper's unified SNR, "
        "n_cu over 32·H·W, with its 2 dB claim marked) or snr (default unified)",
    )  # fmt: skip
    sw.add_argument("-o", "--out", required=True, help="results directory (resumed if it has rows.csv)")
    sw.add_argument("--json", action="store_true", help="print one JSON object at the end")


def _bench(args: argparse.Namespace) -> int:
    from ddm_sscc.experiments.codec_bench import BenchSettings, run_bench, to_markdown, write_csv
    from ddm_sscc.output_file import check_output, write_atomic

    out = Path(args.out) if args.out else None
    if out is not None and out.is_dir():
        for name in ("bench.md", "bench.csv", "summary.csv"):
            check_output(out / name, args.force)  # fail before the (long) measurement
    settings = BenchSettings(args.dataset, args.limit, args.crop, args.steps, args.model, args.ablation, args.sweep_steps,
                             args.calibration)
    result = run_bench(settings, progress=lambda msg: print(f"{PROG}: bench: {msg}", file=sys.stderr))
    table = to_markdown(result)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        write_atomic(out / "bench.md", (table + "\n").encode(), args.force)
        write_csv(out / "bench.csv", result["per_image"])
        write_csv(out / "summary.csv", result["rows"])
    record = {k: v for k, v in result.items() if k != "per_image"}
    emit(args, record, table)
    return 0


def _per(args: argparse.Namespace) -> int:

    from ddm_sscc.errors import ConfigError
    from ddm_sscc.experiments.per import PerSettings, parse_snr_range, run_per, to_json, to_markdown
    from ddm_sscc.fec.framing import MAX_PAYLOAD
    from ddm_sscc.output_file import check_output, write_atomic
    from ddm_sscc.phy.mcs import mcs_by_name

    if args.payload > MAX_PAYLOAD:  # one frame of a single RaptorQ symbol
        raise ConfigError(f"--payload must be at most {MAX_PAYLOAD} bytes, got {args.payload}")
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
    emit(args, record, table)
    return 0


def _sweep(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from ddm_sscc.channel import SWEEP_ONLY_KINDS
    from ddm_sscc.experiments.per import parse_snr_range
    from ddm_sscc.experiments.sweep import SweepSettings, check_results_dir, load_images, parse_systems, run_sweep

    snrs = parse_snr_range(args.snr)
    if None in snrs:
        raise DdmError("--snr must be finite points A:B:STEP for a sweep (inf: use `ddm-sscc link --snr inf`)")
    settings = SweepSettings(
        dataset=args.dataset, snrs=tuple(snrs), channel=args.channel, limit=args.limit, profile=args.profile,
        trials=args.trials, systems=parse_systems(args.systems), mcs=args.mcs, mcs_margin_db=args.mcs_margin,
        max_payload=args.max_payload, repair=args.repair,
        seed=args.seed, model=args.model, steps=args.steps, calibration=args.calibration, workers=args.workers, snr_axis=args.snr_axis,
    )  # fmt: skip
    if args.through_gnuradio and settings.channel in SWEEP_ONLY_KINDS:
        raise DdmError(f"--through-gnuradio: {settings.channel} exists only in the core sweep, not in the flowgraphs")
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


COMMANDS = {"bench": (_add_bench, _bench), "per": (_add_per, _per), "sweep": (_add_sweep, _sweep)}
"""Subcommand name → (adds its parser, runs it)."""
