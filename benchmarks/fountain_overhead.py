"""How many symbols beyond ``K`` the RaptorQ decoder needed, over a sweep's exact trials with repair frames.

    .venv/bin/python benchmarks/fountain_overhead.py RESULTS_DIR [RESULTS_DIR ...]

Reads each ``rows.csv`` (``frames_needed``, ``frames_sent`` and ``repair`` of every row) and
prints, per system, how many exact trials needed ``K``, ``K + 1``, … intact frames.
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

from ddm_sscc.experiments.sweep.bounds import source_frames_of
from ddm_sscc.experiments.sweep.rows import ROWS_FILE, read_rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", nargs="+", help="sweep results directories")
    args = parser.parse_args()
    extra: dict[str, Counter[int]] = {}
    for folder in args.results:
        for row in read_rows(Path(folder) / ROWS_FILE):
            if row.exact and row.repair > 0 and row.frames_needed is not None:
                k = source_frames_of(row.frames_sent, row.repair)
                extra.setdefault(row.system, Counter())[row.frames_needed - k] += 1
    print(f"# symbols needed beyond K, exact trials with repair frames, in {', '.join(args.results)}")
    for system, counts in sorted(extra.items()):
        shown = ", ".join(f"K+{n}: {c}" for n, c in sorted(counts.items()))
        print(f"{system}: {sum(counts.values())} trials; {shown}")


if __name__ == "__main__":
    main()
