#!/usr/bin/env bash
# Runs the read_files fuzz binary on every format family (fuzz/corpus/<family>/ as seeds, from
# fuzz/seed-corpora.sh), all families at once, WORKERS processes per family sharing its corpus,
# SECS seconds each, and prints a Markdown table per family: worker-seconds, executions, corpus
# entries, and crash/timeout/OOM artifacts. For a many-core machine:
#   fuzz/run-families.sh fuzz/bin/read_files 300 2 OUTDIR
set -u
bin=$1 secs=${2:-600} workers=${3:-1} out=${4:-/tmp/fuzz-out}
mkdir -p "$out"
for seeds in fuzz/corpus/*/; do
  family=$(basename "$seeds")
  mkdir -p "$out/$family/artifacts" "$out/$family/corpus"
  for w in $(seq "$workers"); do
    ( "$bin" "$out/$family/corpus" "$seeds" -max_total_time="$secs" -rss_limit_mb=2048 \
        -malloc_limit_mb=512 -timeout=10 -artifact_prefix="$out/$family/artifacts/" \
        -print_final_stats=1 > "$out/$family/log-$w.txt" 2>&1 ) &
  done
done
wait
printf '| family | worker-seconds | executions | corpus entries | crashes, timeouts, OOMs |\n'
printf '|---|---:|---:|---:|---:|\n'
for seeds in fuzz/corpus/*/; do
  family=$(basename "$seeds")
  execs=$(cat "$out/$family"/log-*.txt | grep -o 'stat::number_of_executed_units: [0-9]*' | awk '{s += $2} END {print s + 0}')
  entries=$(ls "$out/$family/corpus" | wc -l)
  found=$(ls "$out/$family/artifacts" | wc -l)
  printf '| %s | %s | %s | %s | %s |\n' "$family" "$((secs * workers))" "$execs" "$entries" "$found"
done
