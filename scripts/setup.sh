#!/usr/bin/env bash
# Installs what the project needs on a fresh Debian machine of this kind, and nothing that is
# already there (idempotent). Everything comes from the package registries.
#
#   scripts/setup.sh app     what building and serving the page needs: rustup's wasm32 target
#                            and wasm-bindgen-cli at the exact version in Cargo.lock (README
#                            command 1; no test tool is waited for)
#   scripts/setup.sh checks  the above, and what the checks need: Debian's chromium and
#                            chromium-driver, firefox-esr, brotli (scripts/dist.sh), nginx-light
#                            and libnginx-mod-http-brotli-static (the deployment end-to-end
#                            tests) (apt), geckodriver (crates.io, the version pinned below) and
#                            playwright-core and selenium-webdriver (npm, package-lock.json)
#                            (README command 2)
#
# No tool is allowed to download a browser or a binary of its own.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
what=${1:-checks}
case "$what" in
  app | checks) ;;
  *) echo "usage: scripts/setup.sh app|checks" >&2; exit 2 ;;
esac

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

[ "$what" = checks ] || exit 0

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need_apt+=(chromium-driver)
command -v firefox-esr >/dev/null 2>&1 || need_apt+=(firefox-esr)
command -v brotli >/dev/null 2>&1 || need_apt+=(brotli)
[ -x /usr/sbin/nginx ] || need_apt+=(nginx-light)
[ -f /usr/lib/nginx/modules/ngx_http_brotli_static_module.so ] || need_apt+=(libnginx-mod-http-brotli-static)
if [ ${#need_apt[@]} -gt 0 ]; then
  # nginx is only run by the tests, on a loopback port, as they start it: a package's own
  # service start (where the machine has an init) is stopped again.
  stage "apt: ${need_apt[*]}" bash -c "apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q ${need_apt[*]}"
  if pgrep -x nginx >/dev/null 2>&1; then /usr/sbin/nginx -s quit 2>/dev/null || true; fi
else
  echo "setup: chromium, chromedriver, firefox-esr, brotli and nginx already installed"
fi

# geckodriver drives Firefox for wasm-bindgen-test (issue 18); Debian has no package of it.
gd_version=0.37.1
if [ "$(geckodriver --version 2>/dev/null | head -1 | cut -d' ' -f2)" != "$gd_version" ]; then
  stage "cargo install geckodriver $gd_version" cargo install --locked --force geckodriver --version "$gd_version"
else
  echo "setup: geckodriver $gd_version already installed"
fi

if ! node -e "require('./node_modules/playwright-core/package.json'); require('./node_modules/selenium-webdriver/package.json')" >/dev/null 2>&1; then
  stage "npm ci" npm ci --no-audit --no-fund
fi
