"""The PER table behind ``ddm-sscc sweep --mcs auto``: FER-1 % thresholds per MCS from ``ddm-sscc per`` runs.

    .venv/bin/python benchmarks/per_thresholds.py [--runs runs/per_table] [-o OUT.json]

Reads ``RUNS/{awgn,rayleigh}_<mcs, / as _>.json`` (``ddm-sscc per --json`` outputs, made by
``benchmarks/per_table.sh``: 200 frames per point, 1024-byte payloads, CFO uniform in ±20 kHz),
interpolates where each FER curve falls to 1 % (log-FER linear in SNR,
``rate_adaptation.fer_threshold_db``), prints the table and writes it as JSON.  A missing run,
or one whose FER never falls to 1 %, leaves that MCS out, and a threshold below that of a slower MCS
is raised to it (``rate_adaptation.monotone_thresholds``); the script says which.  ``OUT.json`` defaults to
``ddm_sscc/experiments/sweep/per_thresholds.json``, the table ``--mcs auto`` ships with.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ddm_sscc.experiments.sweep.rate_adaptation import SHIPPED_TABLE, TARGET_FER, table_from_runs
from ddm_sscc.phy.mcs import MCS_TABLE


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", default="runs/per_table", help="folder of ddm-sscc per --json outputs")
    parser.add_argument("-o", "--output", default=str(SHIPPED_TABLE), help="JSON table to write")
    args = parser.parse_args()
    table = table_from_runs(args.runs, TARGET_FER)
    data = table.to_json()
    data["source"] = f"benchmarks/per_thresholds.py from {args.runs} (ddm-sscc per --json, see benchmarks/per_table.sh)"
    Path(args.output).write_text(json.dumps(data, indent=1) + "\n")
    print(f"FER {TARGET_FER:g} thresholds (SNR dB, Es/N0 per sample) from {args.runs}:")
    print("| MCS | AWGN | Rayleigh |")
    print("|---|---|---|")
    for mcs in MCS_TABLE:
        cells = [table.thresholds.get(ch, {}).get(mcs.name) for ch in ("awgn", "rayleigh")]
        print(f"| {mcs.name} | " + " | ".join("missing" if c is None else f"{c:.2f}" for c in cells) + " |")
    for note in table.notes:
        print(f"note: {note}")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
