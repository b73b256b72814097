//! How a fuzz input becomes files: shared by fuzz/fuzz_targets/read_files.rs and the
//! regression test over tests/fixtures/bad/fuzz/ (tests/integration/robustness.rs), so both read a kept
//! crash input exactly alike. An input holding the separator `\xff\x00WFDB\x00\xff` is a WFDB
//! header and the signal file it names; anything else is one file.

use ecg_stenosis::formats::InputFile;
use ecg_stenosis::formats::wfdb::parse_header;

/// The separator between a WFDB header and its signal file in a fuzz input.
pub const SEPARATOR: &[u8] = b"\xff\x00WFDB\x00\xff";

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
