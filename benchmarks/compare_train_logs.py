"""Compare two training runs' validation bpsp at equal steps, averaged over step bins.

    .venv/bin/python benchmarks/compare_train_logs.py RUN_A/train.log RUN_B/train.log [--bins 0,1000,...] \
        [--key val_tiny_bpsp]

Both logs must come from runs with the same seed, data stream and validation crops (same
``--batch``/``--per-step``/``--crop``), e.g. a lever run against
``checkpoints/ddm-featmlp-int-v1/train.log``. Compare only steps where both runs had the same
learning-rate schedule (v1's log: steps ≤ 5,700, planned for 20,000 steps). Single log
lines move about ±0.5 %, so the per-bin means are what to read.
"""

from __future__ import annotations

import argparse
import itertools
import json


def validation(path: str, key: str = "val_bpsp") -> dict[int, float]:
    with open(path) as f:
        return {r["step"]: r[key] for r in map(json.loads, f) if key in r}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("log_a")
    parser.add_argument("log_b")
    parser.add_argument("--bins", default="0,1000,2000,3000,4000,5000,5700")
    parser.add_argument("--key", default="val_bpsp", help="the logged value compared (val_tiny_bpsp: the tiny images')")
    args = parser.parse_args()
    a, b = validation(args.log_a, args.key), validation(args.log_b, args.key)
    edges = [int(v) for v in args.bins.split(",")]
    print(f"# {args.key} at equal steps: A = {args.log_a}, B = {args.log_b}")
    for lo, hi in itertools.pairwise(edges):
        steps = [s for s in a if lo < s <= hi and s in b]
        if steps:
            mean_a = sum(a[s] for s in steps) / len(steps)
            mean_b = sum(b[s] for s in steps) / len(steps)
            print(f"steps {lo:>6}-{hi:<6} n={len(steps):3d}  A {mean_a:.4f}  B {mean_b:.4f}  A/B-1 {100 * (mean_a / mean_b - 1):+.2f} %")


if __name__ == "__main__":
    main()
