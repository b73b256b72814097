#!/usr/bin/env bash
# Reproduces the demonstration model from scratch: www/models/demo.safetensors, trained on
# synthetic ECGs with this crate's Net1D under burn's autodiff (CPU), evaluated on held-out
# synthetic ECGs, metrics and strata cut-offs written into the file. Seeded: the same command
# gives the same file on the same machine type. Not part of CI (it takes a while; the closing
# note of the issue that added it says how long). Extra arguments go to `train-demo`
# (e.g. --steps 50 for a quick look).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p www/models
cargo run --release --locked --features train -- train-demo --out www/models/demo.safetensors "$@"
