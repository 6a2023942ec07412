"""Replay one sweep trial burst by burst and say why each lost frame was lost.

    .venv/bin/python benchmarks/replay_lost_frames.py RESULTS_DIR IMAGE SYSTEM SNR_DB [--trial 0] [--stream] [--mcs M]
                                                      [--repair R]

Rebuilds the trial of ``ddm-sscc sweep`` (AWGN, fixed MCS; the stream from
``RESULTS_DIR/source_cache``, the settings from ``RESULTS_DIR/sweep.json``) with the same
per-frame CFO, timing, gap and noise seeds as
:func:`ddm_sscc.experiments.sweep.link_trial.run_digital_trial` (both draw them with
:func:`~ddm_sscc.experiments.sweep.link_trial.burst_draws`), and pushes each burst alone
through :class:`~ddm_sscc.phy.ofdm.receiver.OfdmReceiver`.  For every burst that does not
deliver its payload it prints the true and estimated CFO, the channel estimator's delay
windows, the decoder's iterations, and whether the same noise decodes when the receiver is
given the true CFO, or 0.1 / 0.25 dB more SNR: a loss that the true CFO rescues is the
synchroniser's, one that a little more SNR rescues is the waterfall's tail.

With ``--stream`` it first sends the whole trial as the sweep does (bursts back to back with
their gaps, in chunks, through one receiver) and names the frames lost there (by RaptorQ symbol
id: ``K`` source symbols, then the trial's repair symbols) and whether the frames delivered rebuild
the stream; a frame lost in the stream but not alone was lost to its neighbours (detection or
buffering), not to noise.
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import numpy as np

from ddm_sscc.experiments.sweep import link_trial
from ddm_sscc.experiments.datasets import iter_dataset
from ddm_sscc.experiments.sweep.source_coding import SourceStream, pixel_sha256_hex
from ddm_sscc.experiments.sweep.tasks import trial_seed
from ddm_sscc.fec.framing import Frame
from ddm_sscc.fec.reassembly import Reassembler
from ddm_sscc.phy.ofdm import channel_estimation, receiver


def load_source(results: Path, image: str, system: str) -> tuple[SourceStream, int]:
    """The cached stream of ``image``/``system`` (found by the image's pixel hash) and the image's index."""
    rows = [r for r in csv.DictReader(open(results / "rows.csv")) if r["image"] == image and r["system"] == system]
    if not rows:
        raise SystemExit(f"no rows for {image}/{system} in {results / 'rows.csv'}")
    dataset = json.loads((results / "sweep.json").read_text())["last_run"]["dataset"]
    pixels = next((p for name, p in iter_dataset(dataset) if name == image), None)
    if pixels is None:
        raise SystemExit(f"{image} is not in dataset {dataset!r}")
    sha = pixel_sha256_hex(pixels)
    for meta_path in sorted((results / "source_cache").glob(f"{sha[:24]}_{system}_*.json")):
        meta = json.loads(meta_path.read_text())
        stream = meta_path.with_suffix(".bin").read_bytes()
        source = SourceStream(system, stream, meta["pixel_sha256"], tuple(meta["shape"]), meta["settings_key"])
        return source, int(rows[0]["image_index"])
    raise SystemExit(f"no cached {system} stream of {image} in {results / 'source_cache'}")


def receive(draw: link_trial.BurstDraw, snr_db: float, true_cfo: bool = False):
    """(frames, windows) of one burst through the trial's AWGN channel and a fresh receiver."""
    samples = link_trial.through_channel(draw, "awgn", snr_db)
    rx = receiver.OfdmReceiver(link_trial.transmitter())
    windows: list[tuple[int, int]] = []
    estimate, derotate = channel_estimation.ChannelEstimator.estimate, receiver.derotate

    def recording(self, y, x):  # noqa: ANN001 - the estimator's signature
        est = estimate(self, y, x)
        windows.append(est.window)
        return est

    channel_estimation.ChannelEstimator.estimate = recording
    if true_cfo:
        fs = rx.config.sample_rate
        receiver.derotate = lambda x, cfo, start: derotate(x, draw.cfo_hz / fs, start)
    try:
        frames = rx.push(samples) + rx.push(np.zeros(4 * link_trial.TAIL, np.complex64))
    finally:
        channel_estimation.ChannelEstimator.estimate, receiver.derotate = estimate, derotate
    return frames, windows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", type=Path)
    parser.add_argument("image")
    parser.add_argument("system")
    parser.add_argument("snr_db", type=float)
    parser.add_argument("--trial", type=int, default=0)
    parser.add_argument("--stream", action="store_true", help="also send the trial as one stream")
    parser.add_argument("--mcs", help="the trial's MCS (default: that of RESULTS_DIR's last run)")
    parser.add_argument("--repair", type=float, help="the trial's repair fraction (default: that of the last run)")
    args = parser.parse_args()
    recorded = json.loads((args.results / "sweep.json").read_text())
    fixed, last_run = recorded["fixed"], recorded["last_run"]
    mcs = args.mcs or last_run.get("mcs", "qpsk-1/2")
    if mcs == "auto":
        raise SystemExit("the last run of RESULTS_DIR chose its MCS per SNR: name the MCS with --mcs")
    repair = float(last_run.get("repair", 0.0)) if args.repair is None else args.repair
    source, index = load_source(args.results, args.image, args.system)
    link = link_trial.link_bursts(source, mcs, fixed["max_payload"], repair)
    def trial_rng() -> np.random.Generator:
        return np.random.default_rng(trial_seed(fixed["seed"], index, args.system, args.snr_db, args.trial))

    if args.stream:
        rx = receiver.OfdmReceiver(link_trial.transmitter())
        reassembler = Reassembler()
        delivered: set[int] = set()
        for draw in link_trial.burst_draws(link, trial_rng(), fixed["cfo_max_hz"]):
            samples = link_trial.through_channel(draw, "awgn", args.snr_db)
            for at in range(0, samples.size, fixed["chunk"]):
                for frame in rx.push(samples[at : at + fixed["chunk"]]):
                    if frame.payload is not None:
                        delivered.add(frame.header.symbol_id)
                        reassembler.add(Frame(frame.header, frame.payload))
        missing = sorted(set(range(len(link.bursts))) - delivered)
        rebuilt = reassembler.complete(link.session_id) and reassembler.data(link.session_id) == source.stream
        print(
            f"as one stream: symbols {missing or 'none'} lost (K={link.source_symbols}, {len(link.frames)} sent); "
            f"stream {'rebuilt' if rebuilt else 'not rebuilt'}; receiver {rx.stats}"
        )
    lost = 0
    for draw in link_trial.burst_draws(link, trial_rng(), fixed["cfo_max_hz"]):
        frames, windows = receive(draw, args.snr_db)
        if len(frames) == 1 and frames[0].payload is not None:
            continue
        lost += 1
        got = ", ".join(f"CFO {f.cfo_hz:+.0f} Hz, SNR est {f.snr_db:.2f} dB, {f.iterations} iterations" for f in frames)
        kind = "repair" if draw.index >= link.source_symbols else "source"
        print(f"frame {draw.index} ({kind}): true CFO {draw.cfo_hz:+.0f} Hz, timing {draw.timing:.3f}; {got or 'no header decoded'}; windows {windows}")
        for label, kwargs in (
            ("true CFO", {"true_cfo": True}),
            ("+0.1 dB", {"snr_db": args.snr_db + 0.1}),
            ("+0.25 dB", {"snr_db": args.snr_db + 0.25}),
        ):
            snr = kwargs.pop("snr_db", args.snr_db)
            again, _ = receive(draw, snr, **kwargs)
            ok = len(again) == 1 and again[0].payload is not None
            print(f"  with {label}: {'delivered' if ok else 'lost'}")
    print(f"{args.image}/{args.system} at {args.snr_db} dB, trial {args.trial}: {lost} of {len(link.bursts)} frames lost")


if __name__ == "__main__":
    main()
