#!/usr/bin/env bash
# README command 2, and exactly what CI runs (.ci/run): installs what is missing, then fmt,
# clippy (native, wasm32, and native with the training feature), native tests (one binary),
# the quality gate on the real PTB-XL recordings of ../shared (its tables shown),
# docs, the page's wasm build and its deployable folder (dist/), the browser tests
# (wasm-bindgen-test through cargo's runner, in headless Chromium, then in headless Firefox ESR
# through geckodriver) and the end-to-end
# page tests (playwright-core driving Debian's Chromium; the page served by scripts/serve.py,
# and dist/ served by Debian's nginx with deploy/nginx.conf), then a subset of the same cases in
# Firefox ESR (selenium-webdriver driving geckodriver). Prints each stage's time and, last, the
# test counts, Firefox's also on their own.
#
# ECG_REQUIRE_WEBGPU=1 (the default here) makes the WebGPU browser test fail rather than skip
# when Chromium offers no adapter; export ECG_REQUIRE_WEBGPU= (empty) to let it skip, and the
# skip is then counted and printed.
set -euo pipefail
cd "$(dirname "$0")/.."
export STAGE_LOG
STAGE_LOG=$(mktemp)
source scripts/lib.sh
logs=$(mktemp -d)
trap 'rm -rf "$logs" "$STAGE_LOG"' EXIT
export ECG_REQUIRE_WEBGPU=${ECG_REQUIRE_WEBGPU-1}
[ -n "$ECG_REQUIRE_WEBGPU" ] || unset ECG_REQUIRE_WEBGPU
export CARGO_TERM_COLOR=never
# An empty RUSTFLAGS would replace the wasm target's `+simd128` in .cargo/config.toml.
[ -n "${RUSTFLAGS:-}" ] || unset RUSTFLAGS
# A CI run builds once: incremental caches would only take disk (CI=true is set by CI).
if [ -n "${CI:-}" ]; then export CARGO_INCREMENTAL=0; fi

# run_logged NAME LOGFILE COMMAND...: a stage whose output is kept for the final count.
run_logged() {
  local name=$1 log=$2; shift 2
  stage "$name" bash -o pipefail -c '"$@" 2>&1 | tee "$0"' "$log" "$@"
}

stage "setup (installs only what is missing)" scripts/setup.sh checks
stage "cargo fmt --check" cargo fmt --all -- --check
stage "clippy native" cargo clippy --all-targets --locked -- -D warnings
stage "clippy wasm32 (webgpu)" cargo clippy --all-targets --locked --target wasm32-unknown-unknown --features webgpu -- -D warnings
stage "clippy wasm32 (the page's CPU-only module)" cargo clippy --lib --locked --target wasm32-unknown-unknown -- -D warnings
stage "clippy native (train feature)" cargo clippy --all-targets --locked --features train -- -D warnings
run_logged "native tests" "$logs/native.log" cargo test --locked -- --skip ptbxl
# The real PTB-XL recordings of ../shared (issue 22), with their tables shown; each test prints
# 'skipped: ../shared/samples/ptbxl absent' and returns where the folder is missing.
run_logged "real recordings (PTB-XL, ../shared)" "$logs/ptbxl.log" \
  cargo test --locked --test integration ptbxl -- --nocapture --test-threads 1
stage "docs" env RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --locked --quiet
# The browser stages build only for wasm32 and its release host tools (target/release); on a
# CI run the native debug build is done with, and its disk is given back before them.
# The campaign's end-to-end test compares the page with the command line: the tests' build of
# it is kept.
mkdir -p target/e2e && cp target/debug/ecg-stenosis target/e2e/
if [ -n "${CI:-}" ]; then stage "CI only: remove target/debug (done with)" rm -rf target/debug; fi
stage "page build (pkg/)" scripts/build-web.sh
stage "deployable page (dist/)" env DIST_SKIP_WEB_BUILD=1 scripts/dist.sh
# The runner drives the browser whose driver the environment names: Chromium, then Firefox ESR
# with the same build (issue 18). Each log must name its browser (tests/web.rs prints it).
run_logged "browser tests (wasm-bindgen-test-runner, headless Chromium)" "$logs/wasm.log" \
  env -u GECKODRIVER cargo test --locked --release --target wasm32-unknown-unknown --features webgpu --test web -- --nocapture
run_logged "browser tests (wasm-bindgen-test-runner, headless Firefox ESR)" "$logs/wasm-firefox.log" \
  env -u CHROMEDRIVER GECKODRIVER="$(command -v geckodriver)" cargo test --locked --release --target wasm32-unknown-unknown --features webgpu --test web -- --nocapture
for pair in "wasm.log:Chromium" "wasm-firefox.log:Firefox"; do
  if ! grep -q "^browser: ${pair#*:}\$" "$logs/${pair%%:*}"; then
    echo "check: the ${pair#*:} run of the browser tests did not run in ${pair#*:}" >&2
    exit 1
  fi
done
# Every suite of tests/e2e/ but Firefox's runs in Chromium; Firefox's is a stage of its own.
mapfile -t chromium_suites < <(ls tests/e2e/*.test.mjs | grep -v '/firefox\.test\.mjs$')
run_logged "end-to-end page tests (playwright-core, Chromium)" "$logs/e2e.log" \
  node --test "${chromium_suites[@]}"
run_logged "end-to-end page tests (selenium-webdriver and geckodriver, Firefox ESR)" "$logs/e2e-firefox.log" \
  env GECKODRIVER="$(command -v geckodriver)" node --test tests/e2e/firefox.test.mjs

echo
echo "Stage times:"
cat "$STAGE_LOG"

# Count what ran. cargo prints 'test result: ok. N passed; M failed; K ignored'; node's runner
# '# pass N', '# fail N', '# skipped N'. A WebGPU test without an adapter prints
# 'skipped: no WebGPU adapter' and returns: it is counted here as skipped, not passed.
passed=0 failed=0 skipped=0
for log in "$logs/native.log" "$logs/ptbxl.log" "$logs/wasm.log" "$logs/wasm-firefox.log"; do
  read -r p f i < <(awk '/^test result:/ { for (k = 1; k <= NF; k++) { if ($(k+1) ~ /^passed/) p += $k; if ($(k+1) ~ /^failed/) f += $k; if ($(k+1) ~ /^ignored/) i += $k } } END { print p+0, f+0, i+0 }' "$log")
  gpu_skips=$(grep -c '^skipped: no WebGPU adapter' "$log" || true)
  data_skips=$(grep -c '^skipped: ../shared/samples/ptbxl absent' "$log" || true)
  passed=$((passed + p - gpu_skips - data_skips)) failed=$((failed + f)) skipped=$((skipped + i + gpu_skips + data_skips))
  [ "$gpu_skips" -eq 0 ] || echo "note: $log: $gpu_skips WebGPU test(s) skipped: no WebGPU adapter"
  [ "$data_skips" -eq 0 ] || echo "note: $log: $data_skips PTB-XL test(s) skipped: ../shared/samples/ptbxl absent"
  if [ "$log" = "$logs/wasm-firefox.log" ]; then firefox_wasm="$((p - gpu_skips)) passed, $f failed, $((i + gpu_skips)) skipped"; fi
done
for log in "$logs/e2e.log" "$logs/e2e-firefox.log"; do
  read -r p f s < <(awk '/^# pass / { p = $3 } /^# fail / { f = $3 } /^# skipped / { s = $3 } END { print p+0, f+0, s+0 }' "$log")
  passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
  if [ "$log" = "$logs/e2e-firefox.log" ]; then firefox_e2e="$p passed, $f failed, $s skipped"; fi
done
echo
echo "total: $passed passed, $failed failed, $skipped skipped (of which in Firefox ESR: wasm tests ${firefox_wasm:-none ran}; page tests ${firefox_e2e:-none ran})"
[ "$failed" -eq 0 ]
