//! Detection + parsing of any bytes, as the page and the command line do it: never a panic,
//! never an allocation over the limits (libFuzzer's -rss_limit_mb and -malloc_limit_mb catch
//! those). Every record read then goes through beat detection, the quality gate and both
//! preprocessing recipes. An input holding the separator `\xff\x00WFDB\x00\xff` is split into a WFDB header
//! and the signal file it names, so WFDB records are fuzzed as pairs.
#![no_main]

use ecg_stenosis::formats::Limits;
use libfuzzer_sys::fuzz_target;

#[path = "../../tests/integration/common/fuzz_input.rs"]
mod fuzz_input;

/// Limits small enough that a fuzzer's "file" can reach them, so the limit checks run too.
const LIMITS: Limits = Limits {
    max_bytes: 4 * 1024 * 1024,
    max_columns: 64,
    max_samples_per_lead: 200_000,
    max_duration_secs: 3600.0,
};

fuzz_target!(|data: &[u8]| fuzz_input::exercise(data, &LIMITS));
