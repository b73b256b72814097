#!/usr/bin/env bash
# Benchmark: screening campaigns (issue 21). Natively, `predict DIR --jobs 1` and `--jobs 2`,
# and two `--jobs 1` processes side by side (what the machine gives two CPU-bound jobs); in
# headless Chromium, the campaign view with 1 and 2 workers, ROUNDS rounds (default 3) in
# alternating order, and the ratio of the medians (scripts/bench-campaign.mjs);
# each on the demonstration model and the full-size seeded network
# (examples/seeded_model.rs), then the page's peak memory over a campaign of about 2,000
# records. Prints Markdown tables (BENCHMARKS.md, "Campaigns"). Not part of CI.
# CAMPAIGN_SKIP_WEB_BUILD=1 uses the pkg/ already built.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
work=target/bench-campaign
mkdir -p "$work"
[ -n "${CAMPAIGN_SKIP_WEB_BUILD:-}" ] || stage "page build (pkg/)" scripts/build-web.sh
stage "native build" cargo build --release --locked --bin ecg-stenosis --example seeded_model
bin=target/release/ecg-stenosis
[ -f "$work/seeded.safetensors" ] || target/release/examples/seeded_model "$work/seeded.safetensors"
# Throughput: synthetic ECGs only (every record gets an estimate).
[ -d "$work/throughput-demo" ] || scripts/make-campaign.sh "$work/throughput-demo" 0 400 "$bin" > /dev/null
[ -d "$work/throughput-full" ] || scripts/make-campaign.sh "$work/throughput-full" 0 100 "$bin" > /dev/null
rm -rf "$work"/throughput-*/bad "$work"/throughput-*/synthetic/labels.csv
# Memory: about 2,000 records of every kind.
[ -d "$work/memory" ] || scripts/make-campaign.sh "$work/memory" 50 400 "$bin" > /dev/null
echo
echo "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); Chromium $(chromium --version 2>/dev/null | grep -o '[0-9][0-9.]*' | head -1 || echo '-')"
echo
# Natively: --jobs 1 and --jobs 2, and for the machine's own ceiling two independent --jobs 1
# processes side by side (ECG per second of both together), in two rounds.
echo "| native | model | round | run | records | seconds | ECG per second | × --jobs 1 |"
echo "|---|---|---:|---|---:|---:|---:|---:|"
for model in demo full; do
  if [ "$model" = demo ]; then args=(); folder=$work/throughput-demo; name=demonstration
  else args=(--model "$work/seeded.safetensors"); folder=$work/throughput-full; name="full-size seeded (30.7 M)"; fi
  n=$(find "$folder" -type f | wc -l)
  for round in 1 2; do
    one=
    for run in "--jobs 1" "--jobs 2" "two --jobs 1 processes"; do
      start=$(date +%s.%N)
      case "$run" in
        "--jobs 1") "$bin" predict "$folder" "${args[@]}" --csv /dev/null --jobs 1 2> /dev/null || true; records=$n ;;
        "--jobs 2") "$bin" predict "$folder" "${args[@]}" --csv /dev/null --jobs 2 2> /dev/null || true; records=$n ;;
        *)
          "$bin" predict "$folder" "${args[@]}" --csv /dev/null --jobs 1 2> /dev/null & first=$!
          "$bin" predict "$folder" "${args[@]}" --csv /dev/null --jobs 1 2> /dev/null || true
          wait "$first" || true
          records=$((2 * n)) ;;
      esac
      end=$(date +%s.%N)
      rate=$(awk -v n="$records" -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", n / (b - a) }')
      one=${one:-$rate}
      awk -v name="$name" -v round="$round" -v run="$run" -v n="$records" -v a="$start" -v b="$end" -v rate="$rate" -v one="$one" \
        'BEGIN { printf "| native | %s | %d | %s | %d | %.1f | %.2f | %.2f |\n", name, round, run, n, b - a, rate, rate / one }'
    done
  done
done
node scripts/bench-campaign.mjs "$work"
