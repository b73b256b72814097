#!/usr/bin/env bash
# Benchmark (issue 19): the full-size Net1D (30.7 M parameters, one 12 × 5000 ECG, batch 1) in
# this project against onnxruntime on the same seeded network, in the same browser and natively.
#
#   scripts/bench-race.sh            (about 10 minutes on 2 cores, most of it building)
#
# 1. tools/race_export.py (PyTorch, in a virtual environment this script creates under
#    target/race-venv unless TORCH_PYTHON names a Python with torch, onnx and onnxruntime):
#    seeded weights, the checkpoint, `ecg-stenosis convert` to safetensors, the ONNX export,
#    PyTorch's logits; and native PyTorch and onnxruntime at 1 and 2 threads.
# 2. examples/race_native.rs: native burn-flex at RAYON_NUM_THREADS=1 and 2.
# 3. scripts/bench-race.mjs: onnxruntime-web (npm, pinned in package-lock.json) at 1 and 2
#    threads and the page's module (pkg/, built by scripts/build-web.sh) in headless Chromium.
# Every row checks its logits against PyTorch's. Prints one table; ratios are to onnxruntime
# with one thread in the same setting (browser or native), all from this one run.
# Not part of CI. RACE_RUNS (default 9) timed runs after 2 warm-ups; RACE_SKIP_WEB_BUILD=1
# reuses pkg/.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

PY=${TORCH_PYTHON:-}
if [ -z "$PY" ]; then
  venv=target/race-venv
  if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import torch, onnx, onnxruntime' 2>/dev/null; then
    stage "python venv with torch, onnx, onnxruntime (target/race-venv)" bash -c \
      "python3 -m venv $venv && $venv/bin/pip install --quiet torch==2.15.0 onnx==1.23.2 onnxruntime==1.32.0 numpy"
  fi
  PY=$venv/bin/python
fi
[ -d node_modules/onnxruntime-web ] || stage "npm ci (onnxruntime-web, playwright-core)" npm ci --no-audit --no-fund

work=$(mktemp -d)
log=$(mktemp)
trap 'rm -rf "$work" "$log"' EXIT

stage "cargo build --release (the tool and examples/race_native.rs)" \
  cargo build --locked --release --bin ecg-stenosis --example race_native
stage "PyTorch: export the seeded network; native PyTorch and onnxruntime" \
  bash -c '"$1" tools/race_export.py "$2" target/release/ecg-stenosis >> "$3"' _ "$PY" "$work" "$log"
for threads in 1 2; do
  stage "native burn-flex, $threads thread(s)" \
    bash -c 'RAYON_NUM_THREADS=$1 target/release/examples/race_native "$2" >> "$3"' _ "$threads" "$work" "$log"
done
if [ "${RACE_SKIP_WEB_BUILD:-}" != 1 ] || [ ! -f pkg/ecg_stenosis_bg.wasm ]; then
  stage "page build (pkg/)" scripts/build-web.sh
fi
stage "Chromium: onnxruntime-web and the page module" \
  bash -c 'node scripts/bench-race.mjs "$1" >> "$2"' _ "$work" "$log"

echo
echo "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(date -u +%Y-%m-%d)"
echo
echo "| runtime | threads | median ms | min ms | runs | × onnxruntime, 1 thread (same setting) | max \|Δlogit\| vs PyTorch |"
echo "|---|---:|---:|---:|---:|---:|---:|"
grep '^RACE|' "$log" | awk -F'|' '
  { runtime[NR] = $2; threads[NR] = $3; med[NR] = $4; least[NR] = $5; runs[NR] = $6; diff[NR] = $7
    web = ($2 ~ /wasm/); if ($2 ~ /^onnxruntime/ && $3 == 1) base[web] = $4 }
  END { for (i = 1; i <= NR; i++) {
          web = (runtime[i] ~ /wasm/)
          ratio = base[web] > 0 ? sprintf("%.2f", med[i] / base[web]) : "–"
          printf "| %s | %s | %s | %s | %s | %s | %s |\n", runtime[i], threads[i], med[i], least[i], runs[i], ratio, diff[i] } }'
