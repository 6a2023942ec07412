"""What the RaptorQ outer code costs: encode and decode time for Kodak-sized streams.

A stream of B bytes (default: 430,000, the size of a Kodak image's .ddm at ~2.9 bpsp) in
symbols of S bytes (default 1016: a 1024-byte frame payload minus the 4-byte payload id
and alignment) is encoded with a repair fraction R; the decoder gets a random K + 2 of the
symbols (source and repair mixed, shuffled).  Median of N runs each, on this machine.

    .venv/bin/python benchmarks/fountain_cost.py [--bytes B] [--symbol S] [--repair R] [--runs N]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import time

from ddm_sscc.fec.fountain import FountainDecoder, FountainEncoder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bytes", type=int, default=430_000)
    parser.add_argument("--symbol", type=int, default=1016)
    parser.add_argument("--repair", type=float, default=0.1)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    rng = random.Random(0)
    encode_s, decode_s, needed = [], [], []
    for _ in range(args.runs):
        data = rng.randbytes(args.bytes)
        start = time.perf_counter()
        encoder = FountainEncoder(data, args.symbol)
        packets = encoder.packets(encoder.repair_count(args.repair))
        encode_s.append(time.perf_counter() - start)
        chosen = rng.sample(packets, encoder.source_symbols + 2)
        wire = [p.to_bytes() for p in chosen]
        start = time.perf_counter()
        decoder = FountainDecoder(args.bytes, args.symbol)
        for count, packet in enumerate(wire, 1):
            if decoder.add(packet) is not None:
                break
        decode_s.append(time.perf_counter() - start)
        assert decoder.result == data
        needed.append(count - encoder.source_symbols)
    print(f"# RaptorQ cost: {args.bytes} bytes, {args.symbol}-byte symbols (K={encoder.source_symbols}), "
          f"repair {args.repair:g} ({len(packets) - encoder.source_symbols} repair symbols), {args.runs} runs, "
          f"{platform.node()} {os.cpu_count()} cores")
    print(f"encode median {statistics.median(encode_s) * 1e3:.1f} ms (max {max(encode_s) * 1e3:.1f}); "
          f"decode median {statistics.median(decode_s) * 1e3:.1f} ms (max {max(decode_s) * 1e3:.1f}); "
          f"symbols beyond K needed: {dict(sorted((n, needed.count(n)) for n in set(needed)))}")


if __name__ == "__main__":
    main()
