#!/usr/bin/env bash
# Runs the read_files fuzz binary on every format family (fuzz/corpus/<family>/ as seeds, from
# fuzz/seed-corpora.sh), WORKERS processes per family sharing its corpus, SECS seconds each,
# AT_ONCE families at a time (default: all), and prints a Markdown table per family:
# worker-seconds, executions, corpus entries, and crash/timeout/OOM artifacts.
#   fuzz/run-families.sh fuzz/bin/read_files 300 2 OUTDIR       # a many-core machine
#   fuzz/run-families.sh fuzz/bin/read_files 600 1 OUTDIR 2     # two cores: 5 rounds of 10 min
set -u
bin=$1 secs=${2:-600} workers=${3:-1} out=${4:-/tmp/fuzz-out} at_once=${5:-0}
mkdir -p "$out"
families=$(for seeds in fuzz/corpus/*/; do basename "$seeds"; done)
[ "$at_once" -gt 0 ] || at_once=$(echo "$families" | wc -w)

fuzz_family() {
  local family=$1
  mkdir -p "$out/$family/artifacts" "$out/$family/corpus"
  for w in $(seq "$workers"); do
    ( "$bin" "$out/$family/corpus" "fuzz/corpus/$family" -max_total_time="$secs" -rss_limit_mb=2048 \
        -malloc_limit_mb=512 -timeout=10 -artifact_prefix="$out/$family/artifacts/" \
        -print_final_stats=1 > "$out/$family/log-$w.txt" 2>&1 ) &
  done
  wait
}
export -f fuzz_family
export bin secs workers out
echo "$families" | xargs -P "$at_once" -I{} bash -c 'fuzz_family {}'

printf '| family | worker-seconds | executions | corpus entries | crashes, timeouts, OOMs |\n'
printf '|---|---:|---:|---:|---:|\n'
for family in $families; do
  execs=$(cat "$out/$family"/log-*.txt | grep -o 'stat::number_of_executed_units: [0-9]*' | awk '{s += $2} END {print s + 0}')
  entries=$(ls "$out/$family/corpus" | wc -l)
  found=$(ls "$out/$family/artifacts" | wc -l)
  printf '| %s | %s | %s | %s | %s |\n' "$family" "$((secs * workers))" "$execs" "$entries" "$found"
done
