#!/usr/bin/env bash
# Builds what the page downloads into pkg/, in two builds of the release wasm with their
# wasm-bindgen JavaScript glue: pkg/cpu/ (the CPU backend only: small, the page starts with it)
# and pkg/ (CPU + WebGPU backends: loaded in the background where the browser's WebGPU adapter
# is worth it; issue 19). Size-minded profile: see [profile.release] and BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

stage "cargo build (wasm32, release, CPU only)" \
  cargo build --lib --release --target wasm32-unknown-unknown
stage "wasm-bindgen → pkg/cpu/" \
  wasm-bindgen --target web --remove-name-section --remove-producers-section \
    --out-dir pkg/cpu target/wasm32-unknown-unknown/release/ecg_stenosis.wasm
stage "cargo build (wasm32, release, webgpu)" \
  cargo build --lib --release --target wasm32-unknown-unknown --features webgpu
stage "wasm-bindgen → pkg/" \
  wasm-bindgen --target web --remove-name-section --remove-producers-section \
    --out-dir pkg target/wasm32-unknown-unknown/release/ecg_stenosis.wasm
ls -l pkg/cpu/ecg_stenosis_bg.wasm pkg/ecg_stenosis_bg.wasm
