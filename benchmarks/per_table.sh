#!/bin/bash
# The PER runs behind ddm_sscc/experiments/sweep/per_thresholds.json (the --mcs auto table):
# every MCS over AWGN and Rayleigh block fading, 200 frames of 1024 bytes per point,
# CFO uniform in ±20 kHz.  About 20 minutes on one core of the 2-core CI machine.
#
#   benchmarks/per_table.sh [OUT_DIR]          (default runs/per_table)
#   .venv/bin/python benchmarks/per_thresholds.py --runs OUT_DIR
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-runs/per_table}
P=${DDM_SSCC:-.venv/bin/ddm-sscc}
mkdir -p "$OUT"
MCS=(bpsk-1/2 qpsk-1/2 qpsk-3/4 16qam-1/2 16qam-3/4 64qam-2/3 64qam-3/4 64qam-5/6)
declare -A AWGN=( ["bpsk-1/2"]="-3:0.5:0.5" ["qpsk-1/2"]="0:3:0.5" ["qpsk-3/4"]="3:6.5:0.5" ["16qam-1/2"]="5:8.5:0.5"
                  ["16qam-3/4"]="8.5:12:0.5" ["64qam-2/3"]="12:16:0.5" ["64qam-3/4"]="13.5:17.5:0.5" ["64qam-5/6"]="15:19.5:0.5" )
for m in "${MCS[@]}"; do
  "$P" per --mcs "$m" --snr="${AWGN[$m]}" --frames 200 --seed 21 --json > "$OUT/awgn_${m/\//_}.json" 2> "$OUT/awgn_${m/\//_}.err"
done
for m in "${MCS[@]}"; do
  "$P" per --mcs "$m" --channel rayleigh --snr=6:45:3 --frames 200 --seed 22 --json > "$OUT/rayleigh_${m/\//_}.json" 2> "$OUT/rayleigh_${m/\//_}.err"
done
date -u > "$OUT/finished"
