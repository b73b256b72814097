#!/usr/bin/env bash
# Builds a screening campaign's folder for the campaign tests and benchmarks: COPIES copies of
# every fixture format (each copy in its own folder, so that the WFDB headers must take the
# signal files beside them), SYNTH synthetic ECGs from `ecg-stenosis synth`, and a folder of
# bad files (truncated, a PDF, ragged and non-numeric CSV, an unusable flat-line signal, a
# file over nothing). No patient data: the fixtures' licences are in tests/fixtures/README.md.
#
#   scripts/make-campaign.sh OUT COPIES SYNTH [ECG_STENOSIS_BINARY]
#
# Prints the number of files written.
set -euo pipefail
out=$1 copies=$2 synth=$3 bin=${4:-target/release/ecg-stenosis}
here=$(cd "$(dirname "$0")/.." && pwd)
fixtures=$here/tests/fixtures
rm -rf "$out"
mkdir -p "$out"
for ((k = 1; k <= copies; k++)); do
  copy=$out/copy-$(printf %03d "$k")
  mkdir -p "$copy"
  for dir in wfdb muse philips hl7-aecg scp edf dicom npy; do
    cp -r "$fixtures/$dir" "$copy/$dir"
  done
  cp "$fixtures/A0001.csv" "$copy/"
done
if ((synth > 0)); then
  "$bin" synth --seed 1000 --count "$synth" --out-dir "$out/synthetic" > /dev/null
fi
bad=$out/bad
mkdir -p "$bad"
cp "$fixtures"/bad/*.csv "$fixtures/bad/printed.pdf" "$bad/"
head -c 60000 "$fixtures/muse/guangxi_sinus_rhythm.xml" > "$bad/truncated-muse.xml"
head -c 3000 "$fixtures/edf/A0001.edf" > "$bad/truncated.edf"
head -c 700 "$fixtures/scp/ecgtoolkit_example.scp" > "$bad/truncated.scp"
head -c 100000 "$fixtures/dicom/pydicom_mortara_1000hz.dcm" > "$bad/truncated.dcm"
# A WFDB header whose signal file is missing, and a signal file whose header is missing.
cp "$fixtures/wfdb/A0003.hea" "$bad/"
cp "$fixtures/wfdb/A0004.mat" "$bad/"
# Twelve flat leads for ten seconds: readable, and unusable.
{
  printf 'time (s),I,II,III,aVR,aVL,aVF,V1,V2,V3,V4,V5,V6\n'
  awk 'BEGIN { for (i = 0; i < 5000; i++) printf "%.3f,0,0,0,0,0,0,0,0,0,0,0,0\n", i / 500 }'
} > "$bad/flat-line.csv"
: > "$bad/empty-file.dat"
find "$out" -type f | wc -l
