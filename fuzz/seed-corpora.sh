#!/usr/bin/env bash
# Writes one seed corpus per format family under fuzz/corpus/<family>/ from tests/fixtures
# (WFDB records as header + separator + signal file, as fuzz_targets/read_files.rs expects).
set -euo pipefail
cd "$(dirname "$0")/.."
f=tests/fixtures
rm -rf fuzz/corpus && mkdir -p fuzz/corpus/{muse,philips,aecg,dicom,scp,edf,wfdb,csv,npy}
cp $f/muse/*.xml fuzz/corpus/muse/
cp $f/philips/*.xml fuzz/corpus/philips/
cp $f/hl7-aecg/*.xml fuzz/corpus/aecg/
cp $f/dicom/*.dcm fuzz/corpus/dicom/
cp $f/scp/*.scp fuzz/corpus/scp/
cp $f/edf/*.edf fuzz/corpus/edf/
cp $f/A0001.csv $f/bad/*.csv fuzz/corpus/csv/
cp $f/model/golden-input.npy fuzz/corpus/npy/ 2>/dev/null || true
for rec in A0002:mat binformats:d5 mixed_spf:dat; do
  name=${rec%%:*} ext=${rec##*:}
  { cat "$f/wfdb/$name.hea"; printf '\xff\x00WFDB\x00\xff'; cat "$f/wfdb/$name.$ext"; } > "fuzz/corpus/wfdb/$name"
done
# binformats.hea names ten files; a one-signal header exercises format 212 alone.
{ printf 'r 1 200 499\nbinformats.d5 212 200/mV 12 0 -2042 -6824 0 sig\n'; printf '\xff\x00WFDB\x00\xff'; cat "$f/wfdb/binformats.d5"; } > fuzz/corpus/wfdb/fmt212
{ printf 'r 1 200 499\nbinformats.d6 310 200/mV 10 0 -505 -1621 0 sig\n'; printf '\xff\x00WFDB\x00\xff'; cat "$f/wfdb/binformats.d6"; } > fuzz/corpus/wfdb/fmt310
ls fuzz/corpus/*
