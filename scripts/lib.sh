# Shared by the scripts: tool locations and a timer that prints each stage's wall time.
# shellcheck shell=bash
export CHROMEDRIVER=${CHROMEDRIVER:-/usr/bin/chromedriver}
# The first WebGPU shader compilation on SwiftShader takes seconds; the runner's default is 20 s.
export WASM_BINDGEN_TEST_TIMEOUT=${WASM_BINDGEN_TEST_TIMEOUT:-300}
export PATH="$HOME/.cargo/bin:$PATH"

STAGE_LOG=${STAGE_LOG:-}

# stage NAME COMMAND...: runs the command, prints its wall time, records it for the summary.
stage() {
  local name=$1; shift
  local start=$SECONDS
  echo "==> $name"
  "$@"
  local took=$((SECONDS - start))
  # Disk as well as time: CI's machine has no fixed disk size, and a full one fails a build.
  local used free
  used=$(du -sh target 2>/dev/null | cut -f1 || true)
  free=$(df -h --output=avail . 2>/dev/null | tail -1 | tr -d ' ' || true)
  printf '<== %s: %dm%02ds (target/ %s, %s free)\n' "$name" $((took / 60)) $((took % 60)) "${used:-0}" "${free:-?}"
  if [ -n "$STAGE_LOG" ]; then printf '%-55s %4dm%02ds  target/ %6s  free %6s\n' "$name" $((took / 60)) $((took % 60)) "${used:-0}" "${free:-?}" >> "$STAGE_LOG"; fi
}
