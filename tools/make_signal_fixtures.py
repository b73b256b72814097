"""Reference values for the signal tests (tests/signal.rs), written to tests/fixtures/golden/.

Run from the repository root (Python 3.11, versions pinned):

    python -m venv /tmp/sigenv && /tmp/sigenv/bin/pip install numpy==2.4.6 scipy==1.17.1 wfdb==4.3.1
    /tmp/sigenv/bin/python tools/make_signal_fixtures.py

What it writes (all float32 .npy, little-endian, C order) and how:

- `<record>.uv.npy`: `wfdb.rdrecord(...).p_signal * 1000` (µV), shape [signals, samples]; for
  the 30-minute MIT-BIH record 100 only every STRIDE-th sample (see golden.json).
- `<record>.ecgfounder.npy`, `<record>.per_lead_zscore.npy`: the model input of the first 10 s,
  shape [12, 5000], computed with scipy from the record's leads as the Rust record holds them
  (µV rounded to float32, then / 1000 to mV in float64): iirnotch(50, 30) and
  butter(4, [0.67, 40], 'band') with filtfilt, minus medfilt(201), global z-score; or the
  per-lead z-score.
- `<record>.resampled.npy`: scipy.signal.resample_poly(mV, 500, rate) of every lead, first
  5000 output samples, for records not at 500 Hz.
- golden.json: versions, strides, shapes, and the beat annotations summary of record 100.
"""

import json
import pathlib

import numpy as np
import scipy
import scipy.signal as ss
import wfdb

ROOT = pathlib.Path(__file__).resolve().parent.parent
WFDB = ROOT / "tests/fixtures/wfdb"
OUT = ROOT / "tests/fixtures/golden"
STRIDE_100 = 50
LEADS = ["I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6"]


def save(name, array):
    np.save(OUT / name, np.ascontiguousarray(array, dtype="<f4"))


def ecgfounder(mv):
    """model-spec §4 on a [12, 5000] float64 array in mV."""
    b, a = ss.iirnotch(50, 30, fs=500)
    y = ss.filtfilt(b, a, mv, axis=1)
    b, a = ss.butter(4, [0.67, 40], btype="band", fs=500)
    y = ss.filtfilt(b, a, y, axis=1)
    y = y - np.stack([ss.medfilt(lead, 201) for lead in y])
    return (y - y.mean()) / (y.std() + 1e-8)


def per_lead_zscore(mv):
    return (mv - mv.mean(axis=1, keepdims=True)) / (mv.std(axis=1, keepdims=True) + 1e-8)


def twelve_leads_mv(names, uv):
    """The 12 leads in model order as the Rust record holds them: float32 µV → float64 mV."""
    by_name = {n.lower(): row for n, row in zip(names, uv)}
    rows = [by_name[lead.lower()] for lead in LEADS]
    return np.stack(rows).astype(np.float32).astype(np.float64) / 1000.0


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    meta = {
        "versions": {"numpy": np.__version__, "scipy": scipy.__version__, "wfdb": wfdb.__version__},
        "records": {},
    }
    for name in ["A0001", "A0002", "A0003", "A0004", "A0005", "s0010_re", "100", "binformats"]:
        rec = wfdb.rdrecord(str(WFDB / name))
        uv = (rec.p_signal * 1000.0).T
        stride = {"100": STRIDE_100, "s0010_re": 10}.get(name, 1)
        save(f"{name}.uv.npy", uv[:, ::stride])
        entry = {"fs": rec.fs, "signals": rec.sig_name, "samples": int(rec.sig_len), "stride": stride}
        if all(lead.lower() in [n.lower() for n in rec.sig_name] for lead in LEADS):
            mv = twelve_leads_mv(rec.sig_name, uv)
            if rec.fs == 500:
                save(f"{name}.ecgfounder.npy", ecgfounder(mv[:, :5000]))
                save(f"{name}.per_lead_zscore.npy", per_lead_zscore(mv[:, :5000]))
            else:
                resampled = ss.resample_poly(mv, 500, int(rec.fs), axis=1)
                save(f"{name}.resampled.npy", resampled[:, :5000])
                entry["resampled_samples"] = int(resampled.shape[1])
        meta["records"][name] = entry

    ann = wfdb.rdann(str(WFDB / "100"), "atr")
    beats = [s for s, sym in zip(ann.sample, ann.symbol) if sym in "NLRBAaJSVrFejnE/fQ?"]
    meta["records"]["100"]["beats"] = {
        "count": len(beats),
        "first": [int(v) for v in beats[:5]],
        "last": int(beats[-1]),
        "symbols": {sym: ann.symbol.count(sym) for sym in sorted(set(ann.symbol))},
    }
    (OUT / "golden.json").write_text(json.dumps(meta, indent=1) + "\n")


if __name__ == "__main__":
    main()
