#!/usr/bin/env bash
# Makes dist/, the deployable page (README, "Deploying the page"): builds pkg/ unless
# DIST_SKIP_WEB_BUILD=1, then scripts/dist.py (content-hashed names, .gz and .br beside the
# large files, MANIFEST.sha256), then prints what is in it with sizes raw, gzip and brotli.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
[ -n "${DIST_SKIP_WEB_BUILD:-}" ] || stage "page build (pkg/)" scripts/build-web.sh
python3 scripts/dist.py --out "${DIST_OUT:-dist}"
out=${DIST_OUT:-dist}
echo
echo "| file | bytes | gzip | brotli |"
echo "|---|---:|---:|---:|"
total=(0 0 0)
while IFS= read -r file; do
  raw=$(stat -c %s "$out/$file")
  gz=$raw br=$raw
  [ -f "$out/$file.gz" ] && gz=$(stat -c %s "$out/$file.gz")
  [ -f "$out/$file.br" ] && br=$(stat -c %s "$out/$file.br")
  total=($((total[0] + raw)) $((total[1] + gz)) $((total[2] + br)))
  case "$file" in tests/*) continue ;; esac
  printf '| %s | %s | %s | %s |\n' "$file" "$raw" "$gz" "$br"
done < <(cd "$out" && find . -type f ! -name '*.gz' ! -name '*.br' ! -name MANIFEST.sha256 | sed 's|^\./||' | sort)
printf '| the example recordings (%s files) | | | |\n' "$(find "$out/tests" -type f | wc -l)"
printf '| **all files** | %s | %s | %s |\n' "${total[@]}"
