#!/usr/bin/env bash
# README command 1: install what the page needs (no test tool), build the page, serve it on http://127.0.0.1:8000/
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh app
scripts/build-web.sh
echo
echo "Open http://127.0.0.1:8000/ in Chrome or Edge (WebGPU) or any current browser (CPU fallback)."
exec python3 scripts/serve.py --port "${PORT:-8000}"
