#!/usr/bin/env bash
# Benchmark (issue 7): per ECG with the demonstration model, the whole pipeline from the file's
# bytes to the report, the forward pass, input × gradient (and its ratio to the forward pass,
# target ≤ 3) and integrated gradients with 32 steps; native CPU from
# examples/bench_pipeline.rs (also the full-size network's gradient ratio), wasm CPU and
# WebGPU in headless Chromium from benches/pipeline_web.rs. Medians after two warm-up runs.
# Prints Markdown tables (BENCHMARKS.md). Not part of CI. BENCH_SKIP_WASM=1 skips the browser.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
log=$(mktemp)
trap 'rm -f "$log"' EXIT
stage "native: examples/bench_pipeline.rs" bash -c \
  'cargo run --locked --release --example bench_pipeline > "$0" 2>&1 || { cat "$0"; exit 1; }' "$log"
if [ "${BENCH_SKIP_WASM:-}" != 1 ]; then
  stage "browser: benches/pipeline_web.rs in Chromium" bash -c \
    'cargo test --locked --release --target wasm32-unknown-unknown --features webgpu --test bench_pipeline_web -- --nocapture >> "$0" 2>&1 || { cat "$0"; exit 1; }' "$log"
fi
echo
echo "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); Chromium $(chromium --version 2>/dev/null | grep -o '[0-9][0-9.]*' | head -1 || echo '-')"
echo
echo "| backend | device | step | median ms / ECG | min ms | runs |"
echo "|---|---|---|---:|---:|---:|"
grep -o 'BENCH|.*' "$log" | sed 's/^BENCH//; s/|/ | /g; s/$/ |/; s/^ //' | sed 's/  */ /g' || true
grep -o 'BENCH-SKIPPED|.*' "$log" | sed 's/^BENCH-SKIPPED|\([^|]*\)|\(.*\)/| \1 | skipped: \2 | – | – | – | – |/' || true
echo
echo "| backend | device | input × gradient ÷ forward pass (target ≤ 3) |"
echo "|---|---|---:|"
grep -o 'RATIO|.*' "$log" | sed 's/^RATIO//; s/|/ | /g; s/$/ |/; s/^ //' | sed 's/  */ /g' || true
echo
echo "| backend | device | integrated gradients (32 steps) ÷ forward pass (target ≤ 12) |"
echo "|---|---|---:|"
grep -o 'IG-RATIO|.*' "$log" | sed 's/^IG-RATIO//; s/|/ | /g; s/$/ |/; s/^ //' | sed 's/  */ /g' || true
