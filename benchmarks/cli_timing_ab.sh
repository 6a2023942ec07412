#!/bin/sh
# Quiet A/B timings of `ddm-sscc encode` and `decode` on Kodak images, two source trees alternating
# in one run (these machines drift ~10 % between sessions: compare only within a run).
#
#   sh benchmarks/cli_timing_ab.sh BEFORE_TREE AFTER_TREE [T ...]
#
# BEFORE_TREE: e.g. `git worktree add /tmp/before <commit>`; AFTER_TREE: e.g. this checkout.
# Both run with this checkout's .venv, the default model and two threads; each line prints the
# CLI's own seconds and the bitstream's SHA-256 prefix (equal prefixes: the change kept the bytes).
# Run it with nothing else on the machine.
set -e
venv=$(cd "$(dirname "$0")/.." && pwd)/.venv/bin/python
data=${DDM_DATA:-$(cd "$(dirname "$0")/../.." && pwd)/shared/datasets}
before=$(cd "$1" && pwd); after=$(cd "$2" && pwd); shift 2
steps=${*:-32}
PY='import sys, ddm_sscc.cli as c; sys.exit(c.main(sys.argv[1:]))'
for img in kodim23 kodim01; do
  for round in 1 2; do
    for tree in "$before" "$after"; do
      for t in $steps; do
        out=$(mktemp -d)
        enc=$(cd "$tree" && PYTHONPATH="$tree" "$venv" -c "$PY" encode "$data/kodak/$img.png" -o "$out/x.ddm" --steps "$t" | sed 's/.*, //')
        dec=$(cd "$tree" && PYTHONPATH="$tree" "$venv" -c "$PY" decode "$out/x.ddm" -o "$out/x.png" | sed 's/.*steps, \([0-9.]* s\).*/\1/')
        echo "$img round $round $tree T=$t: encode $enc, decode $dec, $(sha256sum "$out/x.ddm" | cut -c1-16)"
        rm -rf "$out"
      done
    done
  done
done
