#!/usr/bin/env bash
# Builds what the page downloads into pkg/: the release wasm (CPU + WebGPU backends) and its
# wasm-bindgen JavaScript glue. Size-minded profile: see [profile.release] and BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

stage "cargo build (wasm32, release, webgpu)" \
  cargo build --lib --release --target wasm32-unknown-unknown --features webgpu
stage "wasm-bindgen → pkg/" \
  wasm-bindgen --target web --remove-name-section --remove-producers-section \
    --out-dir pkg target/wasm32-unknown-unknown/release/ecg_stenosis.wasm
ls -l pkg/ecg_stenosis_bg.wasm
