#!/usr/bin/env bash
# What the page downloads, with and without the WebGPU backend (the two builds
# scripts/build-web.sh makes: pkg/cpu/, which the page starts with, and pkg/): raw and gzip -9
# sizes of the .wasm and its JS glue, what dominates the module (scripts/wasm-breakdown.py), and
# whether Debian's wasm-opt (binaryen) produces a module that still instantiates. Prints
# Markdown for BENCHMARKS.md. Expect 15+ minutes cold. Not part of CI.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
out=target/sizes
rm -rf "$out" && mkdir -p "$out/opt"

stage "build both modules (the page)" scripts/build-web.sh
cp -r pkg/cpu "$out/cpu"
mkdir -p "$out/webgpu" && cp pkg/ecg_stenosis.js pkg/ecg_stenosis_bg.wasm "$out/webgpu"
# cargo's outputs, names kept, for the breakdowns: build-web.sh builds the WebGPU one last.
cp target/wasm32-unknown-unknown/release/ecg_stenosis.wasm "$out/webgpu-named.wasm"
stage "CPU-only build again, for its breakdown" \
  cargo build --lib --release --target wasm32-unknown-unknown
cp target/wasm32-unknown-unknown/release/ecg_stenosis.wasm "$out/cpu-named.wasm"

gz() { gzip -9 -c "$1" | wc -c; }
row() { # variant dir
  local w="$2/ecg_stenosis_bg.wasm" j="$2/ecg_stenosis.js"
  printf '| %s | %s | %s | %s | %s |\n' "$1" "$(stat -c %s "$w")" "$(gz "$w")" "$(stat -c %s "$j")" "$(gz "$j")"
}

# Does Debian's wasm-opt handle the module? Optimise cargo's output, bind it, instantiate in node.
opt_note="wasm-opt not installed"
if command -v wasm-opt >/dev/null 2>&1; then
  opt_in="$out/webgpu-named.wasm"
  if wasm-opt -Oz --enable-reference-types --enable-bulk-memory --enable-sign-ext \
      --enable-mutable-globals --enable-nontrapping-float-to-int --enable-multivalue \
      "$opt_in" -o "$out/opt/ecg_stenosis.wasm" 2> "$out/wasm-opt.log" \
    && wasm-bindgen --target web --remove-name-section --remove-producers-section \
      --out-dir "$out/webgpu-opt" "$out/opt/ecg_stenosis.wasm" 2>> "$out/wasm-opt.log"; then
    if node --input-type=module -e "
        import fs from 'node:fs';
        const m = await import('./$out/webgpu-opt/ecg_stenosis.js');
        m.initSync({ module: fs.readFileSync('./$out/webgpu-opt/ecg_stenosis_bg.wasm') });" 2>> "$out/wasm-opt.log"; then
      opt_note="$(wasm-opt --version): output instantiates"
    else
      opt_note="$(wasm-opt --version): output does NOT instantiate: $(grep -m1 -o 'TypeError.*\|RuntimeError.*\|CompileError.*\|LinkError.*' "$out/wasm-opt.log" | cut -c1-200 || true)"
    fi
  else
    opt_note="$(wasm-opt --version): failed: $(head -c 300 "$out/wasm-opt.log" || true)"
  fi
fi

echo
echo "| variant | .wasm bytes | .wasm gzip -9 | JS glue bytes | JS glue gzip -9 |"
echo "|---|---:|---:|---:|---:|"
row "CPU only (flex; pkg/cpu/, the page's first module)" "$out/cpu"
row "CPU + WebGPU (shipped pkg/)" "$out/webgpu"
[ -d "$out/webgpu-opt" ] && row "CPU + WebGPU after wasm-opt -Oz" "$out/webgpu-opt"
echo
echo "wasm-opt: $opt_note"
echo
echo "What dominates (CPU + WebGPU, before wasm-bindgen, name section kept):"
echo
python3 scripts/wasm-breakdown.py "$out/webgpu-named.wasm" --top 15
echo
echo "What dominates (CPU only):"
echo
python3 scripts/wasm-breakdown.py "$out/cpu-named.wasm" --top 10
