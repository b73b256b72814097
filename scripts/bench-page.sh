#!/usr/bin/env bash
# Benchmark: file drop to risk cards on the page, headless Chromium and Firefox ESR, CPU backend, the
# demonstration model (scripts/bench-page.mjs). Builds pkg/ first. Prints a Markdown table
# (BENCHMARKS.md, "The page: drop to risk cards"). Not part of CI. RUNS=N sets the runs.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
stage "page build (pkg/)" scripts/build-web.sh
echo
echo "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
node scripts/bench-page.mjs
