//! The signal stages timed by `scripts/bench-signal.sh`, shared by the native half
//! (examples/bench_signal.rs) and the browser half (tests/bench_web.rs) so both time exactly the
//! same work: CPSC A0001 (12 leads, 500 Hz, 15 s; first 10 s used) and PTB s0010_re (1000 Hz,
//! resampled). Prints `SIGNAL|stage|median ms|min ms|runs` lines through `log`.

use ecg_stenosis::ecg::Ecg;
use ecg_stenosis::formats::Limits;
use ecg_stenosis::formats::wfdb::read_wfdb;
use ecg_stenosis::signal::beats::detect_r_peaks;
use ecg_stenosis::signal::quality::assess;
use ecg_stenosis::signal::{InputShape, Preprocessing, WindowOptions, prepare};

const A0001_HEA: &[u8] = include_bytes!("../fixtures/wfdb/A0001.hea");
const A0001_MAT: &[u8] = include_bytes!("../fixtures/wfdb/A0001.mat");
const PTB_HEA: &[u8] = include_bytes!("../fixtures/wfdb/s0010_re.hea");
const PTB_DAT: &[u8] = include_bytes!("../fixtures/wfdb/s0010_re.dat");
const PTB_XYZ: &[u8] = include_bytes!("../fixtures/wfdb/s0010_re.xyz");

const WARM_UP: usize = 2;
const RUNS: usize = 15;

fn read(header: &[u8], files: &[(&str, &[u8])]) -> Ecg {
    let lookup = |name: &str| files.iter().find(|(n, _)| *n == name).map(|(_, b)| *b);
    read_wfdb(header, &lookup, &Limits::default())
        .expect("fixture reads")
        .into_ecg()
        .expect("fixture has leads")
}

fn time(label: &str, now: &dyn Fn() -> f64, log: &dyn Fn(String), mut work: impl FnMut()) {
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
        "SIGNAL|{label}|{:.2}|{:.2}|{}",
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
        std::hint::black_box(assess(&ecg, &beats, 10.0, false));
    });
}
