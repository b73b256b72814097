#!/usr/bin/env bash
# Reproduces the demonstration model from scratch: www/models/demo.safetensors (f16 weights,
# the input and output layers f32), in two stages, both with this crate's Net1D under burn's
# autodiff (CPU), seeded (the same command gives the same file on the same machine type):
#
# 1. v1: 1200 steps on synthetic ECGs only (about 45 min on a 2-core machine), stored as the
#    page stored v1 (target/demo-v1.safetensors, the file shipped until issue 22).
# 2. v2: fine-tuned from v1 for 600 steps of 32 cases, half of each batch synthetic territorial
#    patterns laid on real PTB-XL recordings (folds 1–8 without an infarct statement, read from
#    ../shared/samples/ptbxl/ where they stay), half fresh synthetic ECGs (about 20 min); the
#    card's metrics and the strata cut-offs come from held-out real backgrounds (folds 9–10).
#
# Not part of CI. PTB_XL=DIR reads the records from another folder. Extra arguments go to
# stage 2's `train-demo` (e.g. --steps 50 for a quick look); SKIP_V1=1 starts stage 2 from an
# existing target/demo-v1.safetensors.
set -euo pipefail
cd "$(dirname "$0")/.."
ptbxl=${PTB_XL:-../shared/samples/ptbxl}
[ -f "$ptbxl/ptbxl_database.csv" ] || { echo "no PTB-XL records at $ptbxl (set PTB_XL)" >&2; exit 1; }
mkdir -p www/models target
cargo build --release --locked --features train
bin=target/release/ecg-stenosis
# `convert` prints how far storing in f16 moves the logits on generated ECGs; the rule is
# ≤ 1e-3 (all-f16 moved them by up to 1.2e-3 on the golden inputs; BENCHMARKS.md).
store() { "$bin" convert "$1" --dtype f16 --keep-f32 first_conv. --keep-f32 dense. --out "$2"; }
if [ "${SKIP_V1:-0}" != 1 ]; then
  "$bin" train-demo --out target/demo-v1-f32.safetensors
  store target/demo-v1-f32.safetensors target/demo-v1.safetensors
fi
"$bin" train-demo --out target/demo-v2-f32.safetensors --steps 600 --learning-rate 0.0003 \
  --real-backgrounds "$ptbxl" --init target/demo-v1.safetensors "$@"
store target/demo-v2-f32.safetensors www/models/demo.safetensors
