#!/usr/bin/env bash
# Benchmark: burn-flex vs burn-ndarray (vs WebGPU where Chromium offers an adapter) running the
# same Net1D forward pass in headless Chromium: 2 warm-up runs, then the median, min and max of
# 15 timed runs. Prints a Markdown table (BENCHMARKS.md). Not part of CI: it builds burn with the
# deprecated ndarray backend as well (several extra minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
log=$(mktemp)
trap 'rm -f "$log"' EXIT
stage "build + run benches/backends_web.rs in Chromium" bash -c \
  'cargo test --release --target wasm32-unknown-unknown --features webgpu,bench-ndarray --test bench_backends -- --nocapture > "$0" 2>&1 || { cat "$0"; exit 1; }' "$log"
echo
echo "Chromium $(chromium --version 2>/dev/null | grep -o '[0-9][0-9.]*' | head -1), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), input [1, 12, 5000]"
echo
echo "| network | backend | median ms | min ms | max ms | runs |"
echo "|---|---|---:|---:|---:|---:|"
grep -o 'BENCH | .*' "$log" | sed 's/^BENCH //'
