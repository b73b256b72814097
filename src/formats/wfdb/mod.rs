//! WFDB (PhysioNet): a text header (`.hea`) naming one or more signal files (`.dat`, or the
//! Challenge's `.mat`), read from bytes the caller supplies by file name.
//!
//! Header (WFDB `header(5)`): a record line `name nsig [fs [nsamp …]]`, then one line per
//! signal, `file fmt[xspf][:skew][+offset] gain[(baseline)][/units] adcres adczero initval
//! checksum blocksize description`; `#` lines are comments (the Challenge puts age, sex and
//! diagnoses there: they are never kept). Physical value = (digital − baseline) / gain, in the
//! signal's units; gain 0 or absent means 200 per mV; baseline absent means adczero.
//!
//! Sample formats 8 (first differences), 16, 24, 32 (little-endian two's complement), 61
//! (16-bit big-endian), 80 and 160 (offset binary), 212 (two 12-bit samples in 3 bytes), 310
//! and 311 (three 10-bit samples in 4 bytes). Signals that share a file are interleaved frame
//! by frame; `xspf` gives several samples per frame: kept when every signal has the same
//! number, averaged to one per frame when they differ (as wfdb-python's `rdrecord` does by
//! default, except that it truncates the mean to a whole ADC unit; the exact mean is kept here). Not supported (a
//! clear error): FLAC formats 508/516/524 and multi-segment records.

use std::collections::BTreeMap;

use crate::ecg::{AcquisitionInfo, Ecg, Lead, LeadSignal, NamedSignal, Warning};
use crate::formats::{ErrorKind, Limits, OverLimit};

mod annotations;
mod decode;
mod header;

pub use annotations::{Annotation, AnnotationError, read_annotations};
use decode::{bits, decode_stream, microvolts_per_unit, missing_value};
pub use header::{looks_like_header, parse_header};

/// Why a WFDB record could not be read. Header problems give the 1-based line.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum WfdbError {
    /// The header is not text, or has no record line.
    #[error("header line {line}: {what}")]
    Header {
        /// 1-based line of the header.
        line: usize,
        /// What is wrong (never the line's text: comments can hold patient data).
        what: &'static str,
    },
    /// A sample format or layout this reader does not handle.
    #[error("header line {line}: {what}")]
    Unsupported {
        /// 1-based line of the header.
        line: usize,
        /// What is not supported.
        what: String,
    },
    /// The header names a signal file that was not given.
    #[error("the header names signal file '{0}', which was not given with it")]
    MissingFile(String),
    /// A signal file is shorter than the header says.
    #[error("signal file '{file}': {found} bytes, but the header needs {needed}")]
    Truncated {
        /// The file.
        file: String,
        /// Bytes present.
        found: usize,
        /// Bytes the header implies.
        needed: usize,
    },
    /// The record is larger than the [`Limits`].
    #[error("the record has {} {}, more than the limit of {}", .0.found, .0.what, .0.limit)]
    Limit(#[from] OverLimit),
    /// A signal's units are not a voltage, so it cannot be an ECG lead.
    #[error("signal {signal} ('{name}') is in '{units}', not a voltage")]
    Units {
        /// 0-based signal number.
        signal: usize,
        /// Its description.
        name: String,
        /// Its units.
        units: String,
    },
    /// No signal of the record is a standard ECG lead.
    #[error("no signal of this record is a standard 12-lead ECG lead (found: {0})")]
    NoLeads(String),
    /// The record's leads broke an invariant of [`Ecg`].
    #[error(transparent)]
    Ecg(#[from] crate::ecg::EcgError),
}

impl WfdbError {
    /// Whose fault this WFDB error is.
    pub fn kind(&self) -> ErrorKind {
        match self {
            WfdbError::Header { .. } | WfdbError::Truncated { .. } | WfdbError::Ecg(_) => {
                ErrorKind::Malformed
            }
            WfdbError::Unsupported { .. } | WfdbError::Units { .. } | WfdbError::NoLeads(_) => {
                ErrorKind::Unsupported
            }
            WfdbError::MissingFile(_) => ErrorKind::InvalidInput,
            WfdbError::Limit(_) => ErrorKind::Limit,
        }
    }
}

/// One signal line of a header.
#[derive(Debug, Clone, PartialEq)]
pub struct SignalSpec {
    /// Signal file name.
    pub file: String,
    /// Sample format code.
    pub format: u16,
    /// Samples per frame.
    pub samples_per_frame: usize,
    /// Skew in frames.
    pub skew: usize,
    /// Byte offset of the first sample in the file.
    pub byte_offset: usize,
    /// ADC units per physical unit.
    pub adc_gain: f64,
    /// Digital value of physical zero.
    pub baseline: i64,
    /// Physical units (`mV` when the header says none).
    pub units: String,
    /// Initial value (format 8 integrates differences from it).
    pub initial_value: i64,
    /// 16-bit checksum of all samples, when given.
    pub checksum: Option<i16>,
    /// Description (the lead name, for ECGs).
    pub description: String,
}

/// A parsed header.
#[derive(Debug, Clone, PartialEq)]
pub struct Header {
    /// Record name.
    pub record: String,
    /// Frames per second.
    pub frame_rate_hz: f64,
    /// Frames per signal, when given.
    pub frames: Option<usize>,
    /// Base date and time of the record line, when given ("01/10/1990 12:00:00").
    pub base_time: Option<String>,
    /// The signals, in header order.
    pub signals: Vec<SignalSpec>,
}

/// One decoded signal in physical units.
#[derive(Debug, Clone, PartialEq)]
pub struct Channel {
    /// The header's description (lead name).
    pub name: String,
    /// Samples in microvolts.
    pub samples_uv: Vec<f64>,
    /// Samples marked missing by the format (set to the previous valid value).
    pub missing: usize,
}

/// A decoded record: every signal, whether or not it is an ECG lead.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// The header.
    pub header: Header,
    /// Sample rate of the channels (frame rate × samples per frame).
    pub sample_rate_hz: f64,
    /// The signals, in header order.
    pub channels: Vec<Channel>,
    /// Checksum mismatches and missing samples.
    pub warnings: Vec<Warning>,
}

/// Reads a record: its header, and the signal files it names, looked up by `file`.
pub fn read_wfdb<'a>(
    header_bytes: &[u8],
    file: &dyn Fn(&str) -> Option<&'a [u8]>,
    limits: &Limits,
) -> Result<Record, WfdbError> {
    let header = parse_header(header_bytes)?;
    if header.signals.len() > limits.max_columns {
        return Err(WfdbError::Limit(OverLimit {
            what: "signals",
            found: header.signals.len(),
            limit: limits.max_columns,
        }));
    }
    // Signals with equal samples per frame keep them all (the rate is frame rate × spf); when
    // they differ, each signal's samples of a frame are averaged to one (the exact mean, where
    // wfdb-python's default `smooth_frames=True` truncates it), with a warning per signal.
    let spf_max = header
        .signals
        .iter()
        .map(|s| s.samples_per_frame)
        .max()
        .unwrap_or(1);
    let mixed = header
        .signals
        .iter()
        .any(|s| s.samples_per_frame != spf_max);
    let out_spf = if mixed { 1 } else { spf_max };
    // Group signals by file, in order of first appearance.
    let mut groups: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, s) in header.signals.iter().enumerate() {
        groups.entry(s.file.as_str()).or_default().push(i);
    }
    let mut digital: Vec<Vec<i32>> = vec![Vec::new(); header.signals.len()];
    let mut frames_found = usize::MAX;
    for (name, members) in &groups {
        let data = file(name).ok_or_else(|| WfdbError::MissingFile(name.to_string()))?;
        let group = SignalFile {
            header: &header,
            name,
            members,
            data,
        };
        let frames = group.read(spf_max, limits, &mut digital)?;
        frames_found = frames_found.min(frames);
    }
    let frames = if frames_found == usize::MAX {
        0
    } else {
        frames_found
    };
    let max_skew = header.signals.iter().map(|s| s.skew).max().unwrap_or(0);
    let length = frames.saturating_sub(max_skew) * out_spf;
    let mut warnings = Vec::new();
    let mut channels = Vec::with_capacity(header.signals.len());
    for (i, (spec, samples)) in header.signals.iter().zip(digital).enumerate() {
        if let Some(expected) = spec.checksum {
            let sum = samples
                .iter()
                .fold(0i16, |acc, &v| acc.wrapping_add(v as i16));
            if sum != expected && header.frames.is_some() {
                warnings.push(Warning::ChecksumMismatch {
                    channel: spec.description.clone(),
                });
            }
        }
        channels.push(physical(i, spec, &samples, out_spf, length, &mut warnings)?);
    }
    Ok(Record {
        sample_rate_hz: header.frame_rate_hz * out_spf as f64,
        header,
        channels,
        warnings,
    })
}

/// One signal file and the signals the header stores in it.
struct SignalFile<'h, 'd> {
    header: &'h Header,
    name: &'h str,
    members: &'h [usize],
    data: &'d [u8],
}

impl SignalFile<'_, '_> {
    /// Decodes the file's signals into `digital` (indexed by signal) and returns its frames,
    /// after checking the limits and that the file holds what the header says.
    fn read(
        &self,
        spf_max: usize,
        limits: &Limits,
        digital: &mut [Vec<i32>],
    ) -> Result<usize, WfdbError> {
        let (header, name, members, data) = (self.header, self.name, self.members, self.data);
        let first = &header.signals[members[0]];
        if members.iter().any(|&i| {
            header.signals[i].format != first.format
                || header.signals[i].byte_offset != first.byte_offset
        }) {
            return Err(WfdbError::Unsupported {
                line: 2 + members[0],
                what: format!("signals of file '{name}' mix formats or offsets"),
            });
        }
        let body = data.get(first.byte_offset..).ok_or(WfdbError::Truncated {
            file: name.to_string(),
            found: data.len(),
            needed: first.byte_offset,
        })?;
        let per_frame: usize = members
            .iter()
            .map(|&i| header.signals[i].samples_per_frame)
            .sum();
        let available = body.len() * 8 / bits(first.format) / per_frame;
        let frames = header.frames.unwrap_or(available);
        if frames.saturating_mul(spf_max) > limits.max_samples_per_lead {
            return Err(WfdbError::Limit(OverLimit {
                what: "samples per signal",
                found: frames.saturating_mul(spf_max),
                limit: limits.max_samples_per_lead,
            }));
        }
        limits.check_duration(frames, header.frame_rate_hz)?;
        if available < frames {
            return Err(WfdbError::Truncated {
                file: name.to_string(),
                found: data.len(),
                needed: first.byte_offset + (frames * per_frame * bits(first.format)).div_ceil(8),
            });
        }
        let stream = decode_stream(first.format, body, frames * per_frame);
        let mut within = 0; // where the signal's samples start inside a frame
        for &signal in members {
            let spf = header.signals[signal].samples_per_frame;
            let mut samples: Vec<i32> = Vec::with_capacity(frames * spf);
            for frame in stream.chunks_exact(per_frame) {
                samples.extend_from_slice(&frame[within..within + spf]);
            }
            within += spf;
            if first.format == 8 {
                let mut acc = header.signals[signal].initial_value;
                for v in &mut samples {
                    acc = acc.saturating_add(i64::from(*v));
                    *v = acc.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32;
                }
            }
            digital[signal] = samples;
        }
        Ok(frames)
    }
}

/// Signal `i`'s digital samples in µV: skew removed, `length` samples, frames averaged to
/// `out_spf` samples each, missing values held at the last one (each with a warning).
fn physical(
    i: usize,
    spec: &SignalSpec,
    samples: &[i32],
    out_spf: usize,
    length: usize,
    warnings: &mut Vec<Warning>,
) -> Result<Channel, WfdbError> {
    let scale = microvolts_per_unit(&spec.units).ok_or_else(|| WfdbError::Units {
        signal: i,
        name: spec.description.clone(),
        units: spec.units.clone(),
    })?;
    let missing_code = missing_value(spec.format);
    // Digital samples per output sample: 1, or the signal's spf when frames are averaged.
    let group = spec.samples_per_frame / out_spf;
    if group > 1 {
        warnings.push(Warning::FramesAveraged {
            channel: spec.description.clone(),
            samples_per_frame: spec.samples_per_frame,
        });
    }
    let mut missing = 0;
    let mut last = 0.0;
    let samples_uv = samples
        .chunks_exact(group)
        .skip(spec.skew * spec.samples_per_frame / group)
        .take(length)
        .map(|chunk| {
            if chunk.iter().any(|&d| Some(d) == missing_code) {
                missing += 1;
                last
            } else {
                let mean = chunk.iter().map(|&d| i64::from(d)).sum::<i64>() as f64 / group as f64;
                last = (mean - spec.baseline as f64) / spec.adc_gain * scale;
                last
            }
        })
        .collect();
    if missing > 0 {
        warnings.push(Warning::MissingSamples {
            channel: spec.description.clone(),
            count: missing,
        });
    }
    Ok(Channel {
        name: spec.description.clone(),
        samples_uv,
        missing,
    })
}

impl Record {
    /// The record as an [`Ecg`]: channels named as standard leads (any spelling
    /// [`Lead`]'s `FromStr` accepts, so PTB's `i`, `avr`) become leads; the others (MLII, Frank
    /// X/Y/Z) are kept under their names as [`Ecg::other_channels`].
    pub fn into_ecg(self) -> Result<Ecg, WfdbError> {
        let mut leads = Vec::new();
        let warnings = self.warnings;
        let mut others = Vec::new();
        for channel in self.channels {
            match channel.name.parse::<Lead>() {
                Ok(lead) => leads.push(LeadSignal {
                    lead,
                    samples_uv: channel.samples_uv.iter().map(|&v| v as f32).collect(),
                    derived: false,
                }),
                Err(_) => others.push(NamedSignal {
                    samples_uv: channel.samples_uv.iter().map(|&v| v as f32).collect(),
                    name: channel.name,
                }),
            }
        }
        if leads.is_empty() {
            let names: Vec<&str> = others.iter().map(|o| o.name.as_str()).collect();
            return Err(WfdbError::NoLeads(crate::formats::short_list(&names)));
        }
        let info = AcquisitionInfo {
            acquired: self.header.base_time.clone(),
            ..AcquisitionInfo::default()
        };
        Ok(Ecg::new(leads, self.sample_rate_hz, warnings)?
            .with_info(info)
            .with_other_channels(others)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_fields() {
        let h = parse_header(
            b"A0001 2 500 7500\nA0001.mat 16x1+24 1000.0(0)/mV 16 0 28 -1716 0 I\n\
              x.dat 212:3 200 11 1024 995 -22131 0 MLII lead\n# Age: 74\n",
        )
        .unwrap();
        assert_eq!(h.frame_rate_hz, 500.0);
        assert_eq!(h.frames, Some(7500));
        let s = &h.signals[0];
        assert_eq!((s.format, s.samples_per_frame, s.byte_offset), (16, 1, 24));
        assert_eq!((s.adc_gain, s.baseline, s.initial_value), (1000.0, 0, 28));
        assert_eq!(s.checksum, Some(-1716));
        let s = &h.signals[1];
        assert_eq!(
            (s.format, s.skew, s.baseline, s.units.as_str()),
            (212, 3, 1024, "mV")
        );
        assert_eq!(s.description, "MLII lead");
    }

    #[test]
    fn bad_headers_are_errors() {
        assert!(matches!(parse_header(b""), Err(WfdbError::Header { .. })));
        assert!(matches!(
            parse_header(b"r x"),
            Err(WfdbError::Header { .. })
        ));
        assert!(matches!(
            parse_header(b"r 2 500\nf.dat 16 200 16 0 0 0 0 I\n"),
            Err(WfdbError::Header { .. })
        ));
        assert!(matches!(
            parse_header(b"r 1 500\nf.dat 508 200 16 0 0 0 0 I\n"),
            Err(WfdbError::Unsupported { .. })
        ));
        assert!(matches!(
            parse_header(b"r/2 1 500\n"),
            Err(WfdbError::Unsupported { .. })
        ));
    }

    #[test]
    fn missing_file_and_short_file() {
        let header = b"r 1 500 10\nf.dat 16 200 16 0 0 0 0 I\n";
        let none = |_: &str| -> Option<&[u8]> { None };
        assert_eq!(
            read_wfdb(header, &none, &Limits::default()),
            Err(WfdbError::MissingFile("f.dat".into()))
        );
        let short = [0u8; 5];
        let some = |_: &str| -> Option<&[u8]> { Some(&short) };
        assert!(matches!(
            read_wfdb(header, &some, &Limits::default()),
            Err(WfdbError::Truncated { .. })
        ));
    }
}
