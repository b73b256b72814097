//! How a fuzz input becomes files: shared by fuzz/fuzz_targets/read_files.rs and the
//! regression test over tests/fixtures/bad/fuzz/ (tests/integration/robustness.rs), so both read a kept
//! crash input exactly alike. An input holding the separator `\xff\x00WFDB\x00\xff` is a WFDB
//! header and the signal file it names; anything else is one file.

use ecg_stenosis::formats::wfdb::parse_header;
use ecg_stenosis::formats::{InputFile, Limits, ReadOptions, read_files};
use ecg_stenosis::pipeline::quality_gate;
use ecg_stenosis::signal::beats::detect_in_recorded;
use ecg_stenosis::signal::{InputShape, Preprocessing, WindowOptions, prepare};

/// The separator between a WFDB header and its signal file in a fuzz input.
pub const SEPARATOR: &[u8] = b"\xff\x00WFDB\x00\xff";

/// The sample rate a caller gives with the files (for those that do not state one): 500 Hz
/// when the input's last byte is even, else its last eight bytes as a float, so the fuzzer
/// explores absurd rates (1e300, NaN, -1, subnormals) as well as the ordinary one.
pub fn sample_rate(data: &[u8]) -> f64 {
    match data.len().checked_sub(8).map(|at| &data[at..]) {
        Some(tail) if tail[7] % 2 == 1 => f64::from_le_bytes(tail.try_into().unwrap_or([0; 8])),
        _ => 500.0,
    }
}

/// What the fuzz target does with an input, and the regression test with a kept one: detect
/// and read its files (the rate from [`sample_rate`]), print every error, and take every record
/// through beat detection, the quality gate and both preprocessing recipes. Never a panic.
pub fn exercise(data: &[u8], limits: &Limits) {
    let options = ReadOptions {
        sample_rate_hz: Some(sample_rate(data)),
        ..ReadOptions::default()
    };
    for record in read_files(&files(data), &options, limits) {
        match record.result {
            Err(e) => {
                let _ = (e.kind(), e.to_string());
            }
            Ok(ecg) => {
                let beats = detect_in_recorded(&ecg);
                let shape = InputShape::default();
                let _ = quality_gate(&ecg, &beats, shape, Preprocessing::Ecgfounder, true);
                for recipe in [Preprocessing::Ecgfounder, Preprocessing::PerLeadZscore] {
                    let window = WindowOptions {
                        start_secs: 0.0,
                        allow_padding: true,
                    };
                    let _ = prepare(&ecg, recipe, shape, window).map_err(|e| e.to_string());
                }
            }
        }
    }
}

/// The files a fuzz input stands for.
pub fn files(data: &[u8]) -> Vec<InputFile> {
    match data.windows(SEPARATOR.len()).position(|w| w == SEPARATOR) {
        Some(at) => {
            let (header, signal) = (&data[..at], &data[at + SEPARATOR.len()..]);
            let name = parse_header(header)
                .ok()
                .and_then(|h| h.signals.first().map(|s| s.file.clone()))
                .unwrap_or_else(|| "record.dat".into());
            vec![
                InputFile {
                    name: "record.hea".into(),
                    bytes: header.to_vec(),
                },
                InputFile {
                    name,
                    bytes: signal.to_vec(),
                },
            ]
        }
        None => vec![InputFile {
            name: "input".into(),
            bytes: data.to_vec(),
        }],
    }
}
