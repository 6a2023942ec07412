#!/bin/bash
# FER of every AWGN MCS 0.5 and 1.0 dB above its --mcs auto threshold (the shipped
# per_thresholds.json), 4000 frames of 1024 bytes per point, CFO uniform in ±20 kHz: what a
# --mcs-margin buys, measured on random payloads (not on the sweep's images).  About 15
# minutes on the 2-core CI machine (two MCS chains in parallel).
#
#   benchmarks/per_margin.sh [OUT_DIR]          (default runs/per_margin)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-runs/per_margin}
P=${DDM_SSCC:-.venv/bin/ddm-sscc}
PY=${PYTHON:-.venv/bin/python}
mkdir -p "$OUT"
run() {  # mcs seed
  local m=$1 s=$2 from to
  read -r from to < <("$PY" -c "
import json; t = json.load(open('ddm_sscc/experiments/sweep/per_thresholds.json'))['thresholds_db']['awgn']['$m']
print(round(t + 0.5, 2), round(t + 1.0, 2))")
  "$P" per --mcs "$m" --channel awgn --snr="$from:$to:0.5" --frames 4000 --seed "$s" --json \
    > "$OUT/${m/\//_}.json" 2> "$OUT/${m/\//_}.err"
}
(run qpsk-1/2 41; run 16qam-1/2 43; run 64qam-2/3 45; run 64qam-5/6 47) &
(run qpsk-3/4 42; run 16qam-3/4 44; run 64qam-3/4 46) &
wait
"$PY" - "$OUT" <<'PYEOF'
import json, pathlib, sys
rows = []
for path in sorted(pathlib.Path(sys.argv[1]).glob("*.json")):
    record = json.loads(path.read_text())
    for point in record["points"]:
        rows.append((record["mcs"], point["snr_db"], round(point["fer"] * point["frames"]), point["frames"]))
for mcs, snr, lost, frames in rows:
    print(f"{mcs:10s} {snr:6.2f} dB: {lost} of {frames} frames lost")
PYEOF
