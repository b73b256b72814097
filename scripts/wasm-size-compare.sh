#!/usr/bin/env bash
# The page's download before and after a change, measured in one run on one machine: builds the
# page (release wasm, CPU + WebGPU, wasm-bindgen as scripts/build-web.sh does) at BASE (a git
# revision, default HEAD~1) in a temporary worktree and at the working tree, sharing one target
# directory so only this crate is rebuilt, and prints both sizes and the change. Not part of CI.
#
#   scripts/wasm-size-compare.sh ad2af88
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
base=${1:-HEAD~1}
out=target/size-compare
rm -rf "$out" && mkdir -p "$out/base" "$out/head"
tree=$(mktemp -d)
trap 'git worktree remove --force "$tree" >/dev/null 2>&1 || true' EXIT
git worktree add --detach "$tree" "$base" >/dev/null
export CARGO_TARGET_DIR=$PWD/target
wasm=$CARGO_TARGET_DIR/wasm32-unknown-unknown/release/ecg_stenosis.wasm
bind() { wasm-bindgen --target web --remove-name-section --remove-producers-section --out-dir "$1" "$wasm"; }
stage "page at $base" bash -c "cd '$tree' && cargo build --lib --release --target wasm32-unknown-unknown --features webgpu"
bind "$out/base"
stage "page in the working tree" cargo build --lib --release --target wasm32-unknown-unknown --features webgpu
bind "$out/head"
b=$(stat -c %s "$out/base/ecg_stenosis_bg.wasm")
h=$(stat -c %s "$out/head/ecg_stenosis_bg.wasm")
bz=$(gzip -9 -c "$out/base/ecg_stenosis_bg.wasm" | wc -c)
hz=$(gzip -9 -c "$out/head/ecg_stenosis_bg.wasm" | wc -c)
echo
echo "| build | .wasm bytes | .wasm gzip -9 |"
echo "|---|---:|---:|"
echo "| $base ($(git rev-parse --short "$base")) | $b | $bz |"
echo "| working tree | $h | $hz |"
awk -v b="$b" -v h="$h" -v bz="$bz" -v hz="$hz" 'BEGIN { printf "| change | %+.2f %% | %+.2f %% |\n", 100 * (h - b) / b, 100 * (hz - bz) / bz }'
