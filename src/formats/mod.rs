//! Bytes → [`Ecg`](crate::ecg::Ecg): one file per format, no file paths (the browser hands over
//! bytes), [`Limits`] checked before any allocation sized from the input.
//!
//! Today: WFDB (header + signal files) and delimited text (CSV/TSV with a header of lead names,
//! values in millivolts); [`detect()`] recognises the others by content and names them in its
//! error. The other formats hospitals export land here one file each.

pub mod aecg;
pub mod csv;
pub mod detect;
pub mod dicom;
pub mod edf;
pub mod muse;
pub mod npy;
pub mod numpy;
pub mod patient;
pub mod philips;
pub mod scp;
pub mod wfdb;
pub mod xml;

pub use crate::ecg::ErrorKind;
pub use csv::{CsvError, CsvOptions, read_csv};
pub use detect::{
    Format, HEAD_BYTES, InputFile, ReadError, ReadOptions, RecordResult, detect, group_records,
    read_files,
};
pub use npy::{NpyError, NpyF32, read_npy_f32, write_npy_f32};

/// A count over one of the [`Limits`]: what was counted, how many, the limit. Every reader's
/// `Limit` error carries one, so they all say it the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{what}: {found}, more than the limit of {limit}")]
pub struct OverLimit {
    /// What was counted ("bytes", "samples per lead", "seconds of recording" …).
    pub what: &'static str,
    /// How many.
    pub found: usize,
    /// The limit.
    pub limit: usize,
}

/// An [`OverLimit`] at a place in the file (an XML element path, a DICOM sequence).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {} {}, more than the limit of {}", over.found, over.what, over.limit)]
pub struct LimitAt {
    /// Where.
    pub path: String,
    /// The count.
    pub over: OverLimit,
}

impl OverLimit {
    /// This count at `path`.
    pub fn at(self, path: impl Into<String>) -> LimitAt {
        LimitAt {
            path: path.into(),
            over: self,
        }
    }
}

/// Names from a file (archive members, channel names) for an error message, kept short
/// whatever the file holds: the first five, each cut to 32 characters, then how many more.
pub fn short_list<S: AsRef<str>>(names: &[S]) -> String {
    const SHOWN: usize = 5;
    const CHARS: usize = 32;
    let mut shown: Vec<String> = names
        .iter()
        .take(SHOWN)
        .map(|name| {
            let name = name.as_ref();
            match name.char_indices().nth(CHARS) {
                Some((at, _)) => format!("{}…", &name[..at]),
                None => name.to_string(),
            }
        })
        .collect();
    if names.len() > SHOWN {
        shown.push(format!("and {} more", names.len() - SHOWN));
    }
    shown.join(", ")
}

/// Upper bounds on what a reader accepts, checked before allocating.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// Largest input accepted, in bytes.
    pub max_bytes: usize,
    /// Most columns (leads plus a time column) accepted.
    pub max_columns: usize,
    /// Most samples per lead accepted.
    pub max_samples_per_lead: usize,
    /// Longest recording accepted, in seconds (checked from the header's sample count and
    /// rate before the samples are decoded, where the format gives both up front).
    pub max_duration_secs: f64,
}

impl Limits {
    /// `samples` at `rate_hz` against the longest recording allowed (seconds rounded up).
    pub fn check_duration(&self, samples: usize, rate_hz: f64) -> Result<(), OverLimit> {
        let secs = samples as f64 / rate_hz;
        if rate_hz > 0.0 && secs > self.max_duration_secs {
            return Err(OverLimit {
                what: "seconds of recording",
                found: secs.ceil() as usize,
                limit: self.max_duration_secs.ceil() as usize,
            });
        }
        Ok(())
    }

    /// A file of `found` bytes against the largest allowed.
    pub fn check_bytes(&self, found: usize) -> Result<(), OverLimit> {
        if found > self.max_bytes {
            return Err(OverLimit {
                what: "bytes",
                found,
                limit: self.max_bytes,
            });
        }
        Ok(())
    }
}

impl Default for Limits {
    /// Generous for resting ECGs and long rhythm strips: 256 MiB, 64 columns, 2 million samples
    /// per lead (over an hour at 500 Hz) and two hours. A resting ECG is 10 s.
    fn default() -> Self {
        Self {
            max_bytes: 256 * 1024 * 1024,
            max_columns: 64,
            max_samples_per_lead: 2_000_000,
            max_duration_secs: 2.0 * 3600.0,
        }
    }
}
