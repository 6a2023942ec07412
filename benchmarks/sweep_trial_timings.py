"""Time of one sweep trial per system on one Kodak image, at a few SNRs (one process, one thread).

    .venv/bin/python benchmarks/sweep_trial_timings.py [--image kodim01.png] [--snrs=-2,1,8] [--mcs qpsk-1/2]
                                                       [--channel awgn] [--images 24] [--points 10] [--workers 2]

Source coding (encode + verifying decode) is timed once per system, then the bursts are built
(cached afterwards, as in a sweep worker), then one trial per (system, SNR).  Times are CPU
seconds of this process (``time.process_time``; one thread, so they do not grow when other
jobs share the machine) with wall seconds in parentheses.  Prints a table and the estimate
for a full sweep of ``--images`` images × ``--points`` SNR points × the systems on
``--workers`` processes, assuming the SNR points given are representative of the sweep's
mix of clean, waterfall and hopeless points.
"""

from __future__ import annotations

import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import argparse
import time

from ddm_sscc.experiments.datasets import data_root
from ddm_sscc.experiments.sweep.link_trial import link_bursts, run_digital_trial
from ddm_sscc.experiments.sweep.settings import SweepSettings
from ddm_sscc.experiments.sweep.source_coding import make_source
from ddm_sscc.experiments.sweep.tasks import TrialTask
from ddm_sscc.image_io import load_image


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--image", default="kodim01.png")
    parser.add_argument("--snrs", default="-2,1,8")
    parser.add_argument("--systems", default="ddm,jpegxl,png,raw")
    parser.add_argument("--mcs", default="qpsk-1/2")
    parser.add_argument("--channel", default="awgn")
    parser.add_argument("--images", type=int, default=24, help="images of the sweep to estimate")
    parser.add_argument("--points", type=int, default=10, help="SNR points of the sweep to estimate")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    import torch

    torch.set_num_threads(1)
    pixels = load_image(data_root() / "kodak" / args.image).pixels
    snrs = [float(s) for s in args.snrs.split(",")]
    systems = args.systems.split(",")
    settings = SweepSettings(
        dataset="kodak", snrs=tuple(snrs), channel=args.channel, systems=tuple(systems), mcs=args.mcs
    )
    print(f"{args.image} {pixels.shape}, {args.channel}, {args.mcs}, one thread")
    print("| system | bpsp | frames | source coding s | bursts s | " + " | ".join(f"trial s @ {s:g} dB" for s in snrs)
          + " | exact |")
    print("|---|---|---|---|---|" + "---|" * len(snrs) + "---|")
    per_point = 0.0
    source_total = 0.0
    for system in systems:
        t0, w0 = time.process_time(), time.perf_counter()
        source = make_source(pixels, system, settings)
        t1, w1 = time.process_time(), time.perf_counter()
        link = link_bursts(source, args.mcs, settings.max_payload)
        t2, w2 = time.process_time(), time.perf_counter()
        times, walls, exact = [], [], []
        for snr in snrs:
            hw = pixels.shape[0] * pixels.shape[1]
            task = TrialTask(args.image, 0, system, args.channel, snr, 0, args.mcs, args.mcs, hw)
            c = time.process_time()
            row = run_digital_trial(task, source, settings)
            times.append(time.process_time() - c)
            walls.append(row.seconds)
            exact.append("y" if row.exact else "n")
        per_point += sum(times) / len(times)
        source_total += t1 - t0
        print(f"| {system} | {source.bpsp:.4f} | {len(link.frames)} | {t1 - t0:.2f} ({w1 - w0:.2f}) | "
              f"{t2 - t1:.2f} ({w2 - w1:.2f}) | " + " | ".join(f"{t:.2f} ({w:.2f})" for t, w in zip(times, walls))
              + f" | {''.join(exact)} |")
    total = (args.images * (args.points * per_point + source_total)) / args.workers
    print(f"mean CPU time per SNR point, all systems: {per_point:.1f} s; estimate for {args.images} images × "
          f"{args.points} SNR points × 1 trial on {args.workers} workers: {total / 60:.1f} min "
          f"(source coding {args.images * source_total / args.workers / 60:.1f} min of it)")


if __name__ == "__main__":
    main()
