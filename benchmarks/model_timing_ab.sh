#!/bin/sh
# Encode and decode seconds of two or more zoo models, alternating in one run (this machine is
# noisy: compare them within a run, not against another day's numbers).
#
#   sh benchmarks/model_timing_ab.sh MODEL_A MODEL_B [MODEL_C ...] [-- KODIM ...]   (default: kodim23 kodim01)
#
# A model may carry its number of steps as MODEL@T (ddm-featmlp-lattice-v7@64); without it, the
# default T. Each line is what `ddm-sscc encode` / `decode` print (bytes, bpsp, steps, model, seconds).
set -e
models=""
while [ $# -gt 0 ] && [ "$1" != "--" ]; do models="$models $1"; shift; done
[ "$1" = "--" ] && shift
[ "$(echo $models | wc -w)" -ge 2 ] || { echo "usage: sh benchmarks/model_timing_ab.sh MODEL_A MODEL_B [MODEL_C ...] [-- KODIM ...]" >&2; exit 2; }
images=${*:-kodim23 kodim01}
data=${DDM_DATA:-../shared/datasets}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
for rep in 1 2; do for img in $images; do for m in $models; do
  case $m in *@*) steps="--steps ${m#*@}"; m=${m%@*} ;; *) steps="" ;; esac
  .venv/bin/ddm-sscc encode "$data/kodak/$img.png" -o "$tmp/t.ddm" --force --model "$m" $steps
  .venv/bin/ddm-sscc decode "$tmp/t.ddm" -o "$tmp/t.png" --force
done; done; done
