#!/usr/bin/env bash
# Packs the native GPU checks for a machine that has an NVIDIA driver but no Rust, no Vulkan
# loader and no X client libraries (the lent H100 machines): examples/wgpu_parity and
# examples/bench_model built here with --features webgpu, plus Debian's libvulkan.so.1 and the
# X11/xcb/EGL libraries NVIDIA's Vulkan driver loads at run time. Writes target/gpu-carry.tgz.
# On the GPU machine, from the repository root:
#   tar xzf target/gpu-carry.tgz -C target
#   LD_LIBRARY_PATH=$PWD/target/gpu-carry/lib:/usr/local/nvidia/lib64 target/gpu-carry/wgpu_parity
#   LD_LIBRARY_PATH=$PWD/target/gpu-carry/lib:/usr/local/nvidia/lib64 target/gpu-carry/bench_model
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --locked --release --features webgpu --example wgpu_parity --example bench_model
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get download libvulkan1 libegl1 libglvnd0 libx11-6 libx11-xcb1 libxext6 \
  libxcb1 libxau6 libxdmcp6 libbsd0 libmd0 2>/dev/null && for d in *.deb; do dpkg-deb -x "$d" x; done)
rm -rf target/gpu-carry && mkdir -p target/gpu-carry/lib
cp target/release/examples/wgpu_parity target/release/examples/bench_model target/gpu-carry/
find "$work/x" -name '*.so.[0-9]' -exec cp -L {} target/gpu-carry/lib/ \;
tar czf target/gpu-carry.tgz -C target gpu-carry
ls -l target/gpu-carry.tgz
