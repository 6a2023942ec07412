#!/bin/sh
# Encode and decode seconds of zoo models and thread counts, alternating in one run (this machine
# is noisy: compare them within a run, not against another day's numbers).
#
#   [THREADS="1 2"] sh benchmarks/model_timing_ab.sh MODEL_A [MODEL_B ...] [-- KODIM ...]   (default: kodim23 kodim01)
#
# A model is a zoo id or a weights file (.safetensors). It may carry its number of steps as MODEL@T (ddm-featmlp-lattice-v7@64); without it, the
# default T (by image size: 64 for Kodak). THREADS lists `--threads` values to alternate (default: none given, the CLI's own);
# at least two models, or one model and two thread counts. Each line is what `ddm-sscc encode` /
# `decode` print (bytes, bpsp, steps, model, seconds), after a `# threads N` line.
set -e
models=""
while [ $# -gt 0 ] && [ "$1" != "--" ]; do models="$models $1"; shift; done
[ "$1" = "--" ] && shift
threads=${THREADS:-default}
[ $(($(echo $models | wc -w) * $(echo $threads | wc -w))) -ge 2 ] || {
  echo "usage: [THREADS=\"1 2\"] sh benchmarks/model_timing_ab.sh MODEL_A [MODEL_B ...] [-- KODIM ...]" >&2; exit 2; }
images=${*:-kodim23 kodim01}
data=${DDM_DATA:-../shared/datasets}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
for rep in 1 2; do for img in $images; do for m in $models; do for t in $threads; do
  case $m in *@*) steps="--steps ${m#*@}"; m=${m%@*} ;; *) steps="" ;; esac
  case $t in default) flag="" ;; *) flag="--threads $t" ;; esac
  case $m in *.safetensors) weights="--model $m" ;; *) weights="" ;; esac  # a file outside the zoo
  echo "# threads $t"
  .venv/bin/ddm-sscc $flag encode "$data/kodak/$img.png" -o "$tmp/t.ddm" --force --model "$m" $steps
  .venv/bin/ddm-sscc $flag decode "$tmp/t.ddm" -o "$tmp/t.png" --force $weights
done; done; done; done
