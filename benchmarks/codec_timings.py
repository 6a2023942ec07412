"""Timings the codec promises: the Halton order for 768×512 and a 32×32 RGB round trip (T=16).

    .venv/bin/python benchmarks/codec_timings.py [--repeat 20] [--models ID,ID,...]

Halton: best of N calls.  Round trip: median of N encode+decode pairs with the
default model (or each of ``--models``, alternating, so that they share the machine's
state), on a 32×32 crop of scikit-image's astronaut (rows 100–131, columns 180–211),
after one warm-up each.
"""

from __future__ import annotations

import argparse
import statistics
import time
import timeit

import numpy as np

from ddm_sscc.codec import CodecSettings, load_codec
from ddm_sscc.codec.order import halton_order
from ddm_sscc.image_io import load_image


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--models", default="", help="zoo ids to alternate, comma-separated (default: the default codec)")
    args = parser.parse_args()
    best = min(timeit.repeat(lambda: halton_order(512, 768), number=1, repeat=args.repeat))
    print(f"halton_order(512, 768): {best * 1e3:.1f} ms (best of {args.repeat})")

    image = np.ascontiguousarray(load_image("builtin:astronaut").pixels[100:132, 180:212])
    codecs = {name: load_codec(name or None) for name in args.models.split(",")}
    times: dict[str, list[float]] = {name: [] for name in codecs}
    sizes: dict[str, int] = {}
    for codec in codecs.values():
        codec.decode(codec.encode(image))
    for _ in range(args.repeat):
        for name, codec in codecs.items():
            start = time.perf_counter()
            data = codec.encode(image, CodecSettings(steps=16))
            assert np.array_equal(codec.decode(data), image)
            times[name].append(time.perf_counter() - start)
            sizes[name] = len(data)
    for name, size in sizes.items():
        print(f"32x32 RGB round trip, T=16, {name or 'default'}: {statistics.median(times[name]):.3f} s median of "
              f"{args.repeat}, {size} bytes, {8 * size / image.size:.3f} bpsp")


if __name__ == "__main__":
    main()
