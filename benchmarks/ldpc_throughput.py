"""Single-core throughput of the numpy layered min-sum LDPC decoder (IEEE 802.11n codes).

    .venv/bin/python benchmarks/ldpc_throughput.py [--batch 256] [--frames 2048] [--max-iter 20] [--repeat 3]

For each code (1944 r1/2, 1944 r3/4, 648 r1/2) and Eb/N0 (6 dB: high SNR;
1.5 dB: near threshold), BPSK over real AWGN, channel LLR = ln P(0)/P(1) =
2y/σ².  Decodes ``--frames`` codewords in calls of ``--batch`` codewords and
prints information Mbit/s and codewords/s (best of ``--repeat`` passes over the
same LLRs, after one warm-up), mean iterations and frame error rate.  The
encoder throughput is printed too.  BLAS/OpenMP are pinned to one thread.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"  # one core; must precede the numpy import

import argparse  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from ddm_sscc.fec.ldpc import LdpcCode, LdpcDecoder, LdpcEncoder  # noqa: E402

CODES = ((1944, "1/2"), (1944, "3/4"), (648, "1/2"))
EBN0_DB = (6.0, 1.5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=256, help="codewords per decoder call")
    parser.add_argument("--frames", type=int, default=2048, help="codewords per measurement")
    parser.add_argument("--max-iter", type=int, default=20)
    parser.add_argument("--algorithm", default="layered-oms", help="layered-oms (default) or layered-nms")
    parser.add_argument("--scale", type=float, default=0.8, help="normalised min-sum factor (nms)")
    parser.add_argument("--offset", type=float, default=0.5, help="offset min-sum β (oms)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(
        f"{args.algorithm}, scale {args.scale} (nms), offset {args.offset} (oms), max_iter {args.max_iter}, early stop, batch {args.batch}, "
        f"{args.frames} frames, best of {args.repeat}, 1 thread, numpy {np.__version__}"
    )
    print(f"{'code':<18}{'Eb/N0':>7}{'Mbit/s':>9}{'cw/s':>9}{'mean it':>9}{'FER':>9}")
    rng = np.random.default_rng(args.seed)
    for n, rate in CODES:
        code = LdpcCode.ieee80211n(n, rate)
        enc = LdpcEncoder(code)
        dec = LdpcDecoder(
            enc, max_iter=args.max_iter, algorithm=args.algorithm, scale=args.scale, offset=args.offset
        )
        bits = rng.integers(0, 2, (args.frames, code.k), dtype=np.uint8)
        t0 = time.perf_counter()
        cw = enc(bits)
        t_enc = time.perf_counter() - t0
        for ebn0 in EBN0_DB:
            sigma = np.sqrt(1.0 / (2.0 * float(code.rate) * 10 ** (ebn0 / 10)))
            llr = (2.0 * (1.0 - 2.0 * cw + sigma * rng.standard_normal(cw.shape)) / sigma**2).astype(np.float32)
            batches = [llr[i : i + args.batch] for i in range(0, args.frames, args.batch)]
            dec(batches[0])  # warm-up
            best = float("inf")
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                results = [dec(b) for b in batches]
                best = min(best, time.perf_counter() - t0)
            out = np.concatenate([r.bits for r in results])
            iters = np.concatenate([r.iterations for r in results])
            fer = float(np.mean(np.any(out != bits, axis=1)))
            print(
                f"{code.name:<18}{ebn0:>6.1f} {args.frames * code.k / best / 1e6:>9.2f}"
                f"{args.frames / best:>9.0f}{iters.mean():>9.2f}{fer:>9.4f}"
            )
        print(f"{code.name:<18} encoder {args.frames * code.k / t_enc / 1e6:.0f} Mbit/s")


if __name__ == "__main__":
    main()
