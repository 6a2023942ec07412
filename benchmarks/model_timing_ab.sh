#!/bin/sh
# Encode and decode seconds of two zoo models, alternating in one run (this machine is noisy:
# compare the two within a run, not against another day's numbers).
#
#   sh benchmarks/model_timing_ab.sh MODEL_A MODEL_B [KODIM ...]     (default: kodim23 kodim01)
#
# Each line is what `ddm-sscc encode` / `decode` print (bytes, bpsp, steps, model, seconds).
set -e
[ $# -ge 2 ] || { echo "usage: sh benchmarks/model_timing_ab.sh MODEL_A MODEL_B [KODIM ...]" >&2; exit 2; }
a=$1; b=$2; shift 2
images=${*:-kodim23 kodim01}
data=${DDM_DATA:-../shared/datasets}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
for rep in 1 2; do for img in $images; do for m in "$a" "$b"; do
  .venv/bin/ddm-sscc encode "$data/kodak/$img.png" -o "$tmp/t.ddm" --force --model "$m"
  .venv/bin/ddm-sscc decode "$tmp/t.ddm" -o "$tmp/t.png" --force
done; done; done
