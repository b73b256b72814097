#!/usr/bin/env bash
# Benchmark: the full-size Net1D forward pass (published configuration, one 12 × 5000 ECG):
# native CPU and native GPU (wgpu, where an adapter exists) from examples/bench_model.rs
# (2 warm-up runs, median of BENCH_RUNS=7), wasm CPU and WebGPU in headless Chromium from
# benches/model_web.rs (2 warm-up runs, median of 5). Also the parameter count and the model-file
# sizes. Prints a Markdown table (BENCHMARKS.md). Not part of CI.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
log=$(mktemp)
trap 'rm -f "$log"' EXIT
stage "native: examples/bench_model.rs" bash -c \
  'cargo run --locked --release --features webgpu --example bench_model > "$0" 2>&1 || { cat "$0"; exit 1; }' "$log"
if [ "${BENCH_SKIP_WASM:-}" != 1 ]; then
  stage "browser: benches/model_web.rs in Chromium" bash -c \
    'cargo test --locked --release --target wasm32-unknown-unknown --features webgpu --test bench_web -- --nocapture >> "$0" 2>&1 || { cat "$0"; exit 1; }' "$log"
fi
echo
echo "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); Chromium $(chromium --version 2>/dev/null | grep -o '[0-9][0-9.]*' | head -1 || echo '-')"
echo
echo "| backend | device | median ms / ECG | min ms | runs |"
echo "|---|---|---:|---:|---:|"
grep -o 'BENCH|.*' "$log" | sed 's/^BENCH//; s/|/ | /g; s/$/ |/; s/^ //' | sed 's/  */ /g' || true
grep -o 'BENCH-SKIPPED|.*' "$log" | sed 's/^BENCH-SKIPPED|\([^|]*\)|\(.*\)/| \1 | skipped: \2 | – | – | – |/' || true
echo
echo "| model file | parameters | bytes |"
echo "|---|---:|---:|"
grep -o 'SIZE|.*' "$log" | sort -u | awk -F'|' '{printf "| %s | %\047d | %\047d |\n", $2, $3, $4}'
