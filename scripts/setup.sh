#!/usr/bin/env bash
# Installs everything the project needs on a fresh Debian machine of this kind, and nothing
# that is already there (idempotent). Everything comes from the package registries: apt
# (chromium, chromium-driver), rustup (the wasm32 target), crates.io (wasm-bindgen-cli at the
# exact version in Cargo.lock, wasm-pack) and npm (playwright-core, from package-lock.json).
# No tool is allowed to download a browser or a binary of its own.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need_apt+=(chromium-driver)
if [ ${#need_apt[@]} -gt 0 ]; then
  stage "apt: ${need_apt[*]}" bash -c "apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q ${need_apt[*]}"
else
  echo "setup: chromium and chromedriver already installed"
fi

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  stage "rustup: wasm32-unknown-unknown" rustup target add wasm32-unknown-unknown
fi

# wasm-bindgen-cli must be exactly the wasm-bindgen crate's version, read from Cargo.lock.
wb_version=$(awk '$0 == "name = \"wasm-bindgen\"" { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if [ "$(wasm-bindgen --version 2>/dev/null || true)" != "wasm-bindgen $wb_version" ]; then
  stage "cargo install wasm-bindgen-cli $wb_version" cargo install --locked --force wasm-bindgen-cli --version "$wb_version"
else
  echo "setup: wasm-bindgen $wb_version already installed"
fi

# wasm-pack is optional for our own scripts (they call cargo and wasm-bindgen directly) but it is
# how many Rust/wasm developers run browser tests; the check script runs `wasm-pack test` once.
if [ "$(wasm-pack --version 2>/dev/null || true)" != "wasm-pack $WASM_PACK_VERSION" ]; then
  stage "cargo install wasm-pack $WASM_PACK_VERSION" cargo install --locked --force wasm-pack --version "$WASM_PACK_VERSION"
else
  echo "setup: wasm-pack $WASM_PACK_VERSION already installed"
fi

if ! node -e "require('./node_modules/playwright-core/package.json')" >/dev/null 2>&1; then
  stage "npm ci" npm ci --no-audit --no-fund
fi
