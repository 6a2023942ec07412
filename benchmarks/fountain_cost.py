"""What the RaptorQ outer code costs: frames out of a stream, and the stream back out of frames.

The link's own path: :class:`~ddm_sscc.fec.transfer.TransferEncoder` makes the ``K``
source frames and ``⌈R·K⌉`` repair frames of a stream (``--stream FILE``: e.g. a Kodak
image's ``.ddm``; default: 581,855 random bytes, the largest Kodak ``.ddm`` of the default
model) with ``--symbol`` bytes per frame payload (default 1024, the link's default); a
:class:`~ddm_sscc.fec.reassembly.Reassembler` gets a random 15% of them lost and the rest
shuffled, and is timed until the stream is rebuilt.  Median of N runs each, on this machine.

    .venv/bin/python benchmarks/fountain_cost.py [--stream FILE] [--symbol S] [--repair R] [--runs N]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import time

from ddm_sscc.fec.reassembly import Reassembler
from ddm_sscc.fec.transfer import TransferEncoder

LOSS = 0.15


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stream", help="file to send (default: random bytes of --bytes)")
    parser.add_argument("--bytes", type=int, default=581_855)
    parser.add_argument("--symbol", type=int, default=1024)
    parser.add_argument("--repair", type=float, default=0.25)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    rng = random.Random(0)
    data = open(args.stream, "rb").read() if args.stream else rng.randbytes(args.bytes)
    encode_s, decode_s, needed = [], [], []
    for _ in range(args.runs):
        start = time.perf_counter()
        transfer = TransferEncoder(data, 1, 1, args.symbol)
        frames = transfer.frames(args.repair)
        encode_s.append(time.perf_counter() - start)
        arrived = [f for f in frames if rng.random() >= LOSS]
        rng.shuffle(arrived)
        start = time.perf_counter()
        rx = Reassembler()
        for frame in arrived:
            rx.add(frame)
            if rx.complete(1):
                break
        decode_s.append(time.perf_counter() - start)
        assert rx.data(1) == data
        needed.append(rx.report(1).needed - transfer.source_symbols)
    k = transfer.source_symbols
    print(f"# RaptorQ cost: {len(data)} bytes ({args.stream or 'random'}), {args.symbol}-byte symbols (K={k}), "
          f"repair {args.repair:g} ({len(frames) - k} repair frames), {LOSS:.0%} of frames lost, {args.runs} runs, "
          f"{platform.node()} {os.cpu_count()} cores")
    print(f"encode median {statistics.median(encode_s) * 1e3:.1f} ms (max {max(encode_s) * 1e3:.1f}); "
          f"decode median {statistics.median(decode_s) * 1e3:.1f} ms (max {max(decode_s) * 1e3:.1f}); "
          f"symbols beyond K needed: {dict(sorted((n, needed.count(n)) for n in set(needed)))}")


if __name__ == "__main__":
    main()
