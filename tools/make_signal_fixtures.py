"""Reference values for the signal tests (tests/integration/signal.rs), written to tests/fixtures/golden/.

Run from the repository root (Python 3.11, versions pinned):

    python -m venv /tmp/sigenv && /tmp/sigenv/bin/pip install numpy==2.4.6 scipy==1.17.1 wfdb==4.3.1 pydicom==3.0.2 sierraecg==0.4.0 pyedflib==0.1.42
    /tmp/sigenv/bin/python tools/make_signal_fixtures.py

What it writes (all float32 .npy, little-endian, C order) and how:

- `<record>.uv.npy`: the reference reader's values in µV, shape [signals, samples]:
  WFDB `wfdb.rdrecord(...).p_signal * 1000`; DICOM `pydicom.dcmread(...).waveform_array(0)`
  (the RHYTHM group); GE MUSE decoded here with the standard library (base64 of int16 LE ×
  LeadAmplitudeUnitsPerBit, every LeadDataCRC32 checked with zlib.crc32 where it is not 0);
  Philips `sierraecg.read_file(...)` samples × resolution (all 11 s, calibration pulse
  included); HL7 aECG decoded here (origin + scale × digits); EDF `pyedflib.EdfReader`
  `readSignal(i)` (physical, mV) × 1000; `.npz` `np.load(...)["ecg"]` as stored (uint16 →
  float32, exact). For
  the 30-minute MIT-BIH record 100 only every STRIDE-th sample (see golden.json).
- `<record>.ecgfounder.npy`, `<record>.per_lead_zscore.npy`: the model input of the first 10 s,
  shape [12, 5000], computed with scipy from the record's leads as the Rust record holds them
  (µV rounded to float32, III/aVR/aVL/aVF derived from I and II in float32 where the file lacks
  them, then / 1000 to mV in float64): iirnotch(50, 30) and
  butter(4, [0.67, 40], 'band') with filtfilt, minus medfilt(201), global z-score; or the
  per-lead z-score.
- `<record>.resampled.npy`: scipy.signal.resample_poly(mV, 500, rate) of every lead, first
  5000 output samples, for records not at 500 Hz.
- golden.json: versions, strides, shapes, and the beat annotations summary of record 100.

It also writes one constructed record, `tests/fixtures/wfdb/mixed_spf.{hea,dat}`: three
signals at 500 frames/s with 1, 2 and 4 samples per frame (seeded noise, so the bytes are
the same each run), written by wfdb-python's `wrsamp(expanded=True)`. Its golden is the mean of each signal's
samples within a frame, from wfdb-python's expanded physical reading
(`rdrecord(smooth_frames=False).e_p_signal`). rdrecord's default smoothing is the same mean
but truncated to a whole ADC unit (it averages digital values into an integer array), up to
one unit lower; the reader keeps the exact mean.
"""

import base64
import json
import pathlib
import xml.etree.ElementTree as ET
import zlib

import numpy as np
import scipy
import scipy.signal as ss
import pydicom
import pyedflib
import sierraecg
import wfdb

ROOT = pathlib.Path(__file__).resolve().parent.parent
WFDB = ROOT / "tests/fixtures/wfdb"
MUSE = ROOT / "tests/fixtures/muse"
DICOM = ROOT / "tests/fixtures/dicom"
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
    """The 12 leads in model order as the Rust record holds them: float32 µV (limb leads
    derived in float32 when absent) → float64 mV."""
    by_name = {n.lower(): np.asarray(row).astype(np.float32) for n, row in zip(names, uv)}
    i, ii = by_name["i"], by_name["ii"]
    derived = {"iii": ii - i, "avr": -(i + ii) / np.float32(2), "avl": i - ii / np.float32(2),
               "avf": ii - i / np.float32(2)}
    rows = [by_name.get(lead.lower(), derived.get(lead.lower())) for lead in LEADS]
    return np.stack(rows).astype(np.float64) / 1000.0


def muse_rhythm(path):
    """(lead names, µV [leads, samples], rate) of a MUSE file's Rhythm waveform."""
    root = ET.parse(path).getroot()
    for waveform in root.iter("Waveform"):
        if waveform.findtext("WaveformType") == "Rhythm":
            break
    rate = float(waveform.findtext("SampleBase")) * 10 ** int(waveform.findtext("SampleExponent") or 0)
    names, rows = [], []
    for lead in waveform.iter("LeadData"):
        raw = base64.b64decode("".join(lead.findtext("WaveFormData").split()))
        crc = int(lead.findtext("LeadDataCRC32") or 0)
        assert crc == 0 or zlib.crc32(raw) == crc, (path, lead.findtext("LeadID"))
        count = int(lead.findtext("LeadSampleCountTotal"))
        values = np.frombuffer(raw, "<i2")[:count].astype(np.float64)
        baseline = float(lead.findtext("FirstSampleBaseline") or 0)
        scale = 1000.0 if lead.findtext("LeadAmplitudeUnits") == "MILLIVOLTS" else 1.0
        names.append(lead.findtext("LeadID"))
        rows.append((values - baseline) * float(lead.findtext("LeadAmplitudeUnitsPerBit")) * scale)
    return names, np.stack(rows), rate


def dicom_rhythm(path):
    """(lead names, µV [leads, samples], rate) of a DICOM ECG's first (RHYTHM) group."""
    ds = pydicom.dcmread(path)
    group = ds.WaveformSequence[0]
    assert group.MultiplexGroupLabel == "RHYTHM"
    names = [c.ChannelSourceSequence[0].CodeMeaning.split("(")[0].replace("Lead", "").strip()
             for c in group.ChannelDefinitionSequence]
    return names, ds.waveform_array(0).T, float(group.SamplingFrequency)


def philips(path):
    """(lead names, µV [leads, samples], rate) as sierraecg decodes them."""
    ecg = sierraecg.read_file(str(path))
    root = ET.parse(path).getroot()
    resolution = None
    for element in root.iter():
        tag = element.tag.rsplit("}", 1)[-1]
        if tag in ("resolution", "signalresolution") and element.text:
            resolution = float(element.text)
            break
    names = [lead.label for lead in ecg.leads]
    uv = np.stack([lead.samples.astype(np.float64) * resolution for lead in ecg.leads])
    return names, uv, float(ecg.leads[0].sampling_freq)


def aecg(path):
    """(lead names, µV [leads, samples], rate) of the rhythm series' first sequence set."""
    ns = {"h": "urn:hl7-org:v3"}
    root = ET.parse(path).getroot()
    series = root.find("h:component/h:series", ns)
    sequences = series.findall("h:component/h:sequenceSet/h:component/h:sequence", ns)
    names, rows, rate = [], [], None
    units = {"uV": 1.0, "mV": 1000.0}
    for sequence in sequences:
        code = sequence.find("h:code", ns).get("code")
        value = sequence.find("h:value", ns)
        if code.startswith("TIME_"):
            increment = value.find("h:increment", ns)
            step = float(increment.get("value")) / (1000.0 if increment.get("unit") == "ms" else 1.0)
            rate = 1.0 / step
            continue
        origin, scale = value.find("h:origin", ns), value.find("h:scale", ns)
        digits = np.array(value.find("h:digits", ns).text.split(), dtype=np.float64)
        names.append(code.replace("MDC_ECG_LEAD_", ""))
        rows.append(float(origin.get("value")) * units[origin.get("unit")]
                    + float(scale.get("value")) * units[scale.get("unit")] * digits)
    return names, np.stack(rows), rate


def edf(path):
    """(lead names, µV [leads, samples], rate) as pyedflib reads them."""
    reader = pyedflib.EdfReader(str(path))
    names = reader.getSignalLabels()
    uv = np.stack([reader.readSignal(i) * 1000.0 for i in range(reader.signals_in_file)])
    rate = float(reader.getSampleFrequencies()[0])
    steps = [(reader.getPhysicalMaximum(i) - reader.getPhysicalMinimum(i))
             / (reader.getDigitalMaximum(i) - reader.getDigitalMinimum(i)) * 1000.0
             for i in range(reader.signals_in_file)]
    reader.close()
    return names, uv, rate, max(steps)


def model_inputs(name, names, uv, fs, entry):
    if fs == 500:
        mv = twelve_leads_mv(names, uv)
        save(f"{name}.ecgfounder.npy", ecgfounder(mv[:, :5000]))
        save(f"{name}.per_lead_zscore.npy", per_lead_zscore(mv[:, :5000]))
    else:
        mv = twelve_leads_mv(names, uv)
        resampled = ss.resample_poly(mv, 500, int(fs), axis=1)
        save(f"{name}.resampled.npy", resampled[:, :5000])
        entry["resampled_samples"] = int(resampled.shape[1])


def write_mixed_spf():
    """A record whose signals have 1, 2 and 4 samples per frame, written by wfdb-python."""
    rng = np.random.default_rng(7)
    frames = 1000
    t = np.arange(frames * 4) / 2000.0

    def wave(f):
        x = 800 * np.sin(2 * np.pi * 1.2 * t) + 300 * np.sin(2 * np.pi * f * t) + rng.normal(0, 20, t.size)
        return x.round().astype(np.int64)

    v1 = wave(7.0)
    rec = wfdb.Record(
        record_name="mixed_spf", n_sig=3, fs=500, sig_len=frames,
        e_d_signal=[v1[::4].copy(), wave(11.0)[::2].copy(), v1.copy()],
        samps_per_frame=[1, 2, 4], fmt=["16"] * 3, adc_gain=[200.0] * 3, baseline=[0, 5, -3],
        units=["mV"] * 3, sig_name=["I", "II", "V1"], adc_res=[16] * 3, adc_zero=[0] * 3,
        file_name=["mixed_spf.dat"] * 3, block_size=[0] * 3, skew=[None] * 3, byte_offset=[None] * 3,
    )
    rec.set_d_features(expanded=True)
    rec.wrsamp(expanded=True, write_dir=str(WFDB))


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    write_mixed_spf()
    meta = {
        "versions": {"numpy": np.__version__, "scipy": scipy.__version__, "wfdb": wfdb.__version__,
                     "pydicom": pydicom.__version__},
        "records": {},
    }
    for name in ["A0001", "A0002", "A0003", "A0004", "A0005", "s0010_re", "100", "binformats", "mixed_spf"]:
        rec = wfdb.rdrecord(str(WFDB / name))
        uv = (rec.p_signal * 1000.0).T
        if name == "mixed_spf":
            expanded = wfdb.rdrecord(str(WFDB / name), smooth_frames=False).e_p_signal
            spf = rec.samps_per_frame
            uv = np.stack([e.reshape(-1, k).mean(axis=1) * 1000.0 for e, k in zip(expanded, spf)])
        stride = {"100": STRIDE_100, "s0010_re": 10}.get(name, 1)
        save(f"{name}.uv.npy", uv[:, ::stride])
        entry = {"fs": rec.fs, "signals": rec.sig_name, "samples": int(rec.sig_len), "stride": stride}
        if all(lead.lower() in [n.lower() for n in rec.sig_name] for lead in LEADS):
            model_inputs(name, rec.sig_name, uv, rec.fs, entry)
        meta["records"][name] = entry

    for name, reader, path in [
        ("guangxi_sinus_rhythm", muse_rhythm, MUSE / "guangxi_sinus_rhythm.xml"),
        ("synthetic_muse", muse_rhythm, MUSE / "synthetic_muse.xml"),
        ("ecgtoolkit_example_implicit_vr", dicom_rhythm, DICOM / "ecgtoolkit_example_implicit_vr.dcm"),
        ("pydicom_mortara_1000hz", dicom_rhythm, DICOM / "pydicom_mortara_1000hz.dcm"),
        ("129DYPRG_v1.03", philips, ROOT / "tests/fixtures/philips/129DYPRG_v1.03.xml"),
        ("3191723_v1.04_utf16", philips, ROOT / "tests/fixtures/philips/3191723_v1.04_utf16.xml"),
        ("ecgtoolkit_example_aecg", aecg, ROOT / "tests/fixtures/hl7-aecg/ecgtoolkit_example.xml"),
        ("A0001_edf", edf, ROOT / "tests/fixtures/edf/A0001.edf"),
    ]:
        names, uv, fs, *step = reader(path)
        save(f"{name}.uv.npy", uv)
        entry = {"fs": fs, "signals": names, "samples": int(uv.shape[1]), "stride": 1}
        if step:
            entry["quantum_uv"] = step[0]
        if name in ("guangxi_sinus_rhythm", "ecgtoolkit_example_implicit_vr", "pydicom_mortara_1000hz"):
            model_inputs(name, names, uv, fs, entry)
        meta["records"][name] = entry

    # numpy itself is the reference for .npz: the raw array as numpy loads it.
    raw = np.load(ROOT / "tests/fixtures/npy/mitbih_208_single_lead.npz")["ecg"]
    save("mitbih_208_single_lead.raw.npy", raw)
    meta["records"]["mitbih_208_single_lead"] = {"dtype": str(raw.dtype), "shape": list(raw.shape)}

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
