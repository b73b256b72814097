#!/usr/bin/env bash
# Full-size PyTorch parity through the command line (issue 3). Needs a Python with torch, numpy:
#   python3 -m venv /tmp/torchenv && /tmp/torchenv/bin/pip install torch==2.15.0 numpy
#   TORCH_PYTHON=/tmp/torchenv/bin/python tools/parity_full.sh [cpu|gpu]
# Not part of CI (PyTorch is a 3 GB install); README "Model files" documents it.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${TORCH_PYTHON:-python3}
BACKEND=${1:-cpu}
# One binary for both backends: the webgpu feature adds native wgpu; --backend picks.
cargo build --locked --release --features webgpu --bin ecg-stenosis >&2
"$PY" tools/parity_full.py target/release/ecg-stenosis "$BACKEND"
