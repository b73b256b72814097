//! The signal stages timed by `scripts/bench-signal.sh`, shared by the native half
//! (examples/bench_signal.rs) and the browser half (benches/model_web.rs) so both time exactly the
//! same work: CPSC A0001 (12 leads, 500 Hz, 15 s; first 10 s used) and PTB s0010_re (1000 Hz,
//! resampled). Prints `SIGNAL|stage|median ms|min ms|runs` lines through `log`, and
//! `FORMAT|format (file)|median ms|min ms|runs` for reading one file of each format (detection,
//! parsing, limb-lead derivation: `read_files`, what the page and the command line call).

use ecg_stenosis::ecg::Ecg;
use ecg_stenosis::formats::wfdb::read_wfdb;
use ecg_stenosis::formats::{InputFile, Limits, ReadOptions, read_files};
use ecg_stenosis::signal::beats::detect_r_peaks;
use ecg_stenosis::signal::quality::assess;
use ecg_stenosis::signal::{InputShape, Preprocessing, WindowOptions, prepare};

const A0001_HEA: &[u8] = include_bytes!("../../tests/fixtures/wfdb/A0001.hea");
const A0001_MAT: &[u8] = include_bytes!("../../tests/fixtures/wfdb/A0001.mat");
const PTB_HEA: &[u8] = include_bytes!("../../tests/fixtures/wfdb/s0010_re.hea");
const PTB_DAT: &[u8] = include_bytes!("../../tests/fixtures/wfdb/s0010_re.dat");
const PTB_XYZ: &[u8] = include_bytes!("../../tests/fixtures/wfdb/s0010_re.xyz");

const WARM_UP: usize = 2;
const RUNS: usize = 15;

fn read(header: &[u8], files: &[(&str, &[u8])]) -> Ecg {
    let lookup = |name: &str| files.iter().find(|(n, _)| *n == name).map(|(_, b)| *b);
    read_wfdb(header, &lookup, &Limits::default())
        .expect("fixture reads")
        .into_ecg()
        .expect("fixture has leads")
}

fn time(label: &str, now: &dyn Fn() -> f64, log: &dyn Fn(String), work: impl FnMut()) {
    time_as("SIGNAL", label, now, log, work);
}

fn time_as(
    tag: &str,
    label: &str,
    now: &dyn Fn() -> f64,
    log: &dyn Fn(String),
    mut work: impl FnMut(),
) {
    for _ in 0..WARM_UP {
        work();
    }
    let mut times: Vec<f64> = (0..RUNS)
        .map(|_| {
            let start = now();
            work();
            now() - start
        })
        .collect();
    times.sort_by(f64::total_cmp);
    log(format!(
        "{tag}|{label}|{:.2}|{:.2}|{}",
        times[times.len() / 2],
        times[0],
        times.len()
    ));
}

/// Times every stage; `now` returns milliseconds.
pub fn run(now: &dyn Fn() -> f64, log: &dyn Fn(String)) {
    let files = [("A0001.mat", A0001_MAT)];
    let ecg = read(A0001_HEA, &files);
    let shape = InputShape::default();
    let window = WindowOptions::default();
    time("read WFDB A0001 (12 × 7500, format 16)", now, log, || {
        std::hint::black_box(read(A0001_HEA, &files));
    });
    time(
        "ecgfounder: filters + z-score, 12 × 5000 at 500 Hz",
        now,
        log,
        || {
            std::hint::black_box(prepare(&ecg, Preprocessing::Ecgfounder, shape, window).unwrap());
        },
    );
    time("per_lead_zscore, 12 × 5000 at 500 Hz", now, log, || {
        std::hint::black_box(prepare(&ecg, Preprocessing::PerLeadZscore, shape, window).unwrap());
    });
    let ptb = read(
        PTB_HEA,
        &[("s0010_re.dat", PTB_DAT), ("s0010_re.xyz", PTB_XYZ)],
    );
    time(
        "ecgfounder incl. resampling 1000 → 500 Hz (38.4 s record)",
        now,
        log,
        || {
            std::hint::black_box(prepare(&ptb, Preprocessing::Ecgfounder, shape, window).unwrap());
        },
    );
    let leads: Vec<&[f32]> = ecg
        .leads()
        .iter()
        .map(|l| l.samples_uv.as_slice())
        .collect();
    time("R peaks, 12 leads × 15 s", now, log, || {
        std::hint::black_box(detect_r_peaks(&leads, ecg.sample_rate_hz()));
    });
    let beats = detect_r_peaks(&leads, ecg.sample_rate_hz());
    time("quality gate, 12 leads × 15 s", now, log, || {
        std::hint::black_box(assess(&ecg, &beats, 10.0, Preprocessing::Ecgfounder, false));
    });
}

/// One fixture of each format, read through `read_files`.
pub fn formats(now: &dyn Fn() -> f64, log: &dyn Fn(String)) {
    // (label, files as (name, bytes))
    type Files<'a> = &'a [(&'a str, &'a [u8])];
    let cases: [(&str, Files); 9] = [
        (
            "GE MUSE XML (guangxi, 8 leads × 10 s)",
            &[(
                "g.xml",
                include_bytes!("../../tests/fixtures/muse/guangxi_sinus_rhythm.xml"),
            )],
        ),
        (
            "DICOM implicit VR (ecgtoolkit, 12 × 10 s + medians)",
            &[(
                "e.dcm",
                include_bytes!("../../tests/fixtures/dicom/ecgtoolkit_example_implicit_vr.dcm"),
            )],
        ),
        (
            "DICOM explicit VR (Mortara, 12 × 10 s at 1000 Hz)",
            &[(
                "m.dcm",
                include_bytes!("../../tests/fixtures/dicom/pydicom_mortara_1000hz.dcm"),
            )],
        ),
        (
            "HL7 aECG (ecgtoolkit, 12 × 10 s)",
            &[(
                "a.xml",
                include_bytes!("../../tests/fixtures/hl7-aecg/ecgtoolkit_example.xml"),
            )],
        ),
        (
            "Philips 1.04 UTF-16 XLI (12 × 11 s)",
            &[(
                "p.xml",
                include_bytes!("../../tests/fixtures/philips/3191723_v1.04_utf16.xml"),
            )],
        ),
        (
            "SCP-ECG (ecgtoolkit, 12 × 10 s)",
            &[(
                "s.scp",
                include_bytes!("../../tests/fixtures/scp/ecgtoolkit_example.scp"),
            )],
        ),
        (
            "EDF+C (A0001, 12 × 15 s)",
            &[(
                "a.edf",
                include_bytes!("../../tests/fixtures/edf/A0001.edf"),
            )],
        ),
        (
            "WFDB .hea + .mat (A0002, 12 × 10 s)",
            &[
                (
                    "A0002.hea",
                    include_bytes!("../../tests/fixtures/wfdb/A0002.hea"),
                ),
                (
                    "A0002.mat",
                    include_bytes!("../../tests/fixtures/wfdb/A0002.mat"),
                ),
            ],
        ),
        (
            "CSV (A0001, 12 × 15 s)",
            &[("a.csv", include_bytes!("../../tests/fixtures/A0001.csv"))],
        ),
    ];
    for (label, files) in cases {
        let inputs: Vec<InputFile> = files
            .iter()
            .map(|(name, bytes)| InputFile {
                name: name.to_string(),
                bytes: bytes.to_vec(),
            })
            .collect();
        time_as("FORMAT", label, now, log, || {
            let records = read_files(&inputs, &ReadOptions::default(), &Limits::default());
            assert!(records.iter().all(|r| r.result.is_ok()), "{label}");
            std::hint::black_box(records);
        });
    }
}
