"""Frame error rate of the layered min-sum LDPC decoder settings, side by side on the same noise.

    .venv/bin/python benchmarks/ldpc_fer.py [--n 1944] [--rate 1/2] [--ebn0 1.5,1.75,2.0] [--codewords 32768]
                                            [--configs oms:0.5,oms:0.4,nms:0.8,nms:0.75] [--max-iter 20] [--seed 0]

BPSK over AWGN with exact LLRs 2y/σ² (the all-zero codeword: min-sum is symmetric, so the
codeword does not change its error rate), one IEEE 802.11n code.  Every setting decodes the
very same LLRs, so their differences are the decoders', not the noise's.  A codeword counts as
an error when its syndrome is not zero or its bits are wrong.  This is the measurement behind the
decoder's default (``LdpcDecoder``: layered offset min-sum, β = 0.5).
"""

from __future__ import annotations

import argparse
import time
from fractions import Fraction

import numpy as np

from ddm_sscc.fec.ldpc import LdpcCode, LdpcDecoder


def decoder_for(code: LdpcCode, config: str, max_iter: int) -> LdpcDecoder:
    """``oms:β`` or ``nms:scale`` → the decoder."""
    kind, _, value = config.partition(":")
    if kind == "oms":
        return LdpcDecoder(code, max_iter=max_iter, algorithm="layered-oms", offset=float(value))
    if kind == "nms":
        return LdpcDecoder(code, max_iter=max_iter, algorithm="layered-nms", scale=float(value))
    raise SystemExit(f"error: unknown decoder setting {config!r} (use oms:β or nms:scale)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1944)
    parser.add_argument("--rate", default="1/2")
    parser.add_argument("--ebn0", default="1.5,1.75,2.0", help="comma-separated Eb/N0 points, dB")
    parser.add_argument("--codewords", type=int, default=32768, help="codewords per point")
    parser.add_argument("--configs", default="oms:0.5,oms:0.4,nms:0.8,nms:0.75")
    parser.add_argument("--max-iter", type=int, default=20)
    parser.add_argument("--batch", type=int, default=2048)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    code = LdpcCode.ieee80211n(args.n, args.rate)
    rate = float(Fraction(args.rate))
    configs = args.configs.split(",")
    decoders = {c: decoder_for(code, c, args.max_iter) for c in configs}
    print(
        f"{code.name}: BPSK, AWGN, exact LLRs, {args.codewords} codewords per point, "
        f"max_iter {args.max_iter}, seed {args.seed}, 1 thread"
    )
    print(f"{'Eb/N0':>6} {'setting':>9} {'errors':>8} {'FER':>9} {'mean it':>8} {'cw/s':>7}")
    for point, ebn0 in enumerate(float(x) for x in args.ebn0.split(",")):
        rng = np.random.default_rng([args.seed, point])
        sigma2 = 1.0 / (2.0 * rate * 10 ** (ebn0 / 10))
        errors = dict.fromkeys(configs, 0)
        iters = dict.fromkeys(configs, 0)
        spent = dict.fromkeys(configs, 0.0)
        done = 0
        while done < args.codewords:
            b = min(args.batch, args.codewords - done)
            llr = (2.0 * (1.0 + rng.normal(0.0, np.sqrt(sigma2), (b, code.n))) / sigma2).astype(np.float32)
            for c, dec in decoders.items():
                t0 = time.perf_counter()
                res = dec(llr)
                spent[c] += time.perf_counter() - t0
                errors[c] += int(np.count_nonzero(~res.ok | res.bits.any(axis=1)))
                iters[c] += int(res.iterations.sum())
            done += b
        for c in configs:
            print(
                f"{ebn0:6.2f} {c:>9} {errors[c]:8d} {errors[c] / done:9.2e} {iters[c] / done:8.2f} "
                f"{done / spent[c]:7.0f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
