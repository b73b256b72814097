#!/usr/bin/env bash
# Benchmark: the signal stages (reading, both preprocessing recipes, resampling, R peaks, the
# quality gate) on real records, and reading one file of every format (records per second),
# natively (examples/bench_signal.rs) and in headless Chromium (benches/model_web.rs, wasm):
# 2 warm-up runs, median and minimum of 15. Prints Markdown tables (BENCHMARKS.md). Not part
# of CI.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
native=$(mktemp) wasm=$(mktemp)
trap 'rm -f "$native" "$wasm"' EXIT
stage "native: examples/bench_signal.rs" bash -c \
  'cargo run --locked --release --example bench_signal > "$0" 2>&1 || { cat "$0"; exit 1; }' "$native"
stage "browser: benches/model_web.rs signal_stages_wasm in Chromium" bash -c \
  'cargo test --locked --release --target wasm32-unknown-unknown --features webgpu --test bench_web -- --nocapture signal_stages_wasm > "$0" 2>&1 || { cat "$0"; exit 1; }' "$wasm"
echo
echo "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); Chromium $(chromium --version 2>/dev/null | grep -o '[0-9][0-9.]*' | head -1 || echo '-')"
echo
echo "| stage | native median ms | native min ms | wasm median ms | wasm min ms | runs |"
echo "|---|---:|---:|---:|---:|---:|"
join -t'|' -1 1 -2 1 \
  <(grep -o 'SIGNAL|.*' "$native" | cut -d'|' -f2- | sort -t'|' -k1,1) \
  <(grep -o 'SIGNAL|.*' "$wasm" | cut -d'|' -f2- | sort -t'|' -k1,1) |
  awk -F'|' '{ printf "| %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $5, $6, $4 }'
echo
echo "| format (file) | native ms / record | native records / s | wasm ms / record | wasm records / s |"
echo "|---|---:|---:|---:|---:|"
join -t'|' -1 1 -2 1 \
  <(grep -o 'FORMAT|.*' "$native" | cut -d'|' -f2- | sort -t'|' -k1,1) \
  <(grep -o 'FORMAT|.*' "$wasm" | cut -d'|' -f2- | sort -t'|' -k1,1) |
  awk -F'|' '{ printf "| %s | %s | %.0f | %s | %.0f |\n", $1, $2, 1000 / $2, $5, 1000 / $5 }'
