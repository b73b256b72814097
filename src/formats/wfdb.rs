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

fn header_err(line: usize, what: &'static str) -> WfdbError {
    WfdbError::Header { line, what }
}

/// Is this text a WFDB header? (First non-comment line: a name, a signal count, numbers.)
pub fn looks_like_header(bytes: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(&bytes[..bytes.len().min(4096)]) else {
        return false;
    };
    let Some(line) = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
    else {
        return false;
    };
    let mut fields = line.split_whitespace();
    let name_ok = fields.next().is_some_and(|n| {
        n.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-/.".contains(c))
    });
    let nsig_ok = fields.next().is_some_and(|n| n.parse::<usize>().is_ok());
    name_ok && nsig_ok && fields.all(|f| f.chars().next().is_some_and(|c| c.is_ascii_digit()))
}

/// Parses a header.
pub fn parse_header(bytes: &[u8]) -> Result<Header, WfdbError> {
    let text = std::str::from_utf8(bytes).map_err(|_| header_err(1, "the header is not text"))?;
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'));
    let (line_no, record_line) = lines
        .next()
        .ok_or_else(|| header_err(1, "no record line"))?;
    let mut fields = record_line.split_whitespace();
    let name = fields.next().unwrap_or_default();
    if name.contains('/') {
        return Err(WfdbError::Unsupported {
            line: line_no,
            what: "multi-segment records are not supported".into(),
        });
    }
    let nsig: usize = fields
        .next()
        .and_then(|f| f.parse().ok())
        .ok_or_else(|| header_err(line_no, "the signal count is not a number"))?;
    let frame_rate_hz = match fields.next() {
        Some(f) => {
            let rate = f.split(['/', '(']).next().unwrap_or(f);
            rate.parse::<f64>()
                .ok()
                .filter(|r| r.is_finite() && *r > 0.0)
                .ok_or_else(|| {
                    header_err(line_no, "the sampling frequency is not a positive number")
                })?
        }
        None => 250.0,
    };
    let frames = match fields.next() {
        Some(f) => Some(
            f.parse::<usize>()
                .map_err(|_| header_err(line_no, "the number of samples is not a number"))?,
        ),
        None => None,
    };
    let base: Vec<&str> = fields.collect();
    let base_time = match base.as_slice() {
        [time, date, ..] => Some(format!("{date} {time}")),
        [time] => Some(time.to_string()),
        [] => None,
    };
    let mut signals = Vec::new();
    for (line, text) in lines.by_ref().take(nsig) {
        signals.push(parse_signal_line(line, text)?);
    }
    if signals.len() != nsig {
        return Err(header_err(
            line_no,
            "the header has fewer signal lines than its signal count",
        ));
    }
    Ok(Header {
        record: name.to_string(),
        frame_rate_hz,
        frames,
        base_time,
        signals,
    })
}

fn parse_signal_line(line: usize, text: &str) -> Result<SignalSpec, WfdbError> {
    let mut fields = text.split_whitespace();
    let file = fields
        .next()
        .ok_or_else(|| header_err(line, "empty signal line"))?
        .to_string();
    let spec = fields
        .next()
        .ok_or_else(|| header_err(line, "the signal line has no format"))?;
    // fmt[xspf][:skew][+offset]
    let (spec, byte_offset) = match spec.split_once('+') {
        Some((s, o)) => (
            s,
            o.parse()
                .map_err(|_| header_err(line, "the byte offset is not a number"))?,
        ),
        None => (spec, 0),
    };
    let (spec, skew) = match spec.split_once(':') {
        Some((s, k)) => (
            s,
            k.parse()
                .map_err(|_| header_err(line, "the skew is not a number"))?,
        ),
        None => (spec, 0),
    };
    let (fmt, spf) = match spec.split_once('x') {
        Some((f, n)) => (
            f,
            n.parse::<usize>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| header_err(line, "samples per frame is not a positive number"))?,
        ),
        None => (spec, 1),
    };
    let format: u16 = fmt
        .parse()
        .map_err(|_| header_err(line, "the format is not a number"))?;
    if !matches!(format, 8 | 16 | 24 | 32 | 61 | 80 | 160 | 212 | 310 | 311) {
        return Err(WfdbError::Unsupported {
            line,
            what: format!(
                "sample format {format} is not supported (supported: 8, 16, 24, 32, 61, 80, 160, 212, 310, 311)"
            ),
        });
    }
    // gain[(baseline)][/units]
    let (gain_text, units) = match fields.next() {
        Some(g) => match g.split_once('/') {
            Some((g, u)) => (Some(g), u.to_string()),
            None => (Some(g), "mV".to_string()),
        },
        None => (None, "mV".to_string()),
    };
    let (gain, explicit_baseline) = match gain_text {
        Some(g) => match g.split_once('(') {
            Some((g, b)) => (
                g,
                Some(
                    b.trim_end_matches(')')
                        .parse::<i64>()
                        .map_err(|_| header_err(line, "the baseline is not an integer"))?,
                ),
            ),
            None => (g, None),
        },
        None => ("0", None),
    };
    let mut adc_gain: f64 = gain
        .parse()
        .ok()
        .filter(|g: &f64| g.is_finite())
        .ok_or_else(|| header_err(line, "the gain is not a number"))?;
    if adc_gain == 0.0 {
        adc_gain = 200.0;
    }
    let mut int_field = |what: &'static str| -> Result<Option<i64>, WfdbError> {
        fields
            .next()
            .map(|f| f.parse::<i64>().map_err(|_| header_err(line, what)))
            .transpose()
    };
    let _adc_resolution = int_field("the ADC resolution is not an integer")?;
    let adc_zero = int_field("the ADC zero is not an integer")?.unwrap_or(0);
    let initial_value = int_field("the initial value is not an integer")?.unwrap_or(adc_zero);
    let checksum = int_field("the checksum is not an integer")?.map(|c| c as i16);
    let _block_size = int_field("the block size is not an integer")?;
    let description: Vec<&str> = fields.collect();
    Ok(SignalSpec {
        file,
        format,
        samples_per_frame: spf,
        skew,
        byte_offset,
        adc_gain,
        baseline: explicit_baseline.unwrap_or(adc_zero),
        units,
        initial_value,
        checksum,
        description: description.join(" "),
    })
}

/// Bits per sample of a format (for sizing).
fn bits(format: u16) -> usize {
    match format {
        8 | 80 => 8,
        212 => 12,
        310 | 311 => 10,
        24 => 24,
        32 => 32,
        _ => 16,
    }
}

/// The digital value a format uses for "no sample".
fn missing_value(format: u16) -> Option<i64> {
    match format {
        16 | 61 | 160 => Some(-32768),
        212 => Some(-2048),
        310 | 311 => Some(-512),
        80 => Some(-128),
        24 => Some(-(1 << 23)),
        32 => Some(i32::MIN as i64),
        _ => None,
    }
}

/// Decodes `count` samples of the interleaved stream of one file (all formats but 8, whose
/// differences need per-signal state and are integrated by the caller).
fn decode_stream(format: u16, data: &[u8], count: usize) -> Vec<i64> {
    let mut out = Vec::with_capacity(count);
    let sign = |v: i64, bits: u32| -> i64 {
        let half = 1i64 << (bits - 1);
        if v >= half { v - 2 * half } else { v }
    };
    match format {
        8 => out.extend(data.iter().take(count).map(|&b| i64::from(b as i8))),
        80 => out.extend(data.iter().take(count).map(|&b| i64::from(b) - 128)),
        16 => out.extend(
            data.chunks_exact(2)
                .take(count)
                .map(|c| i64::from(i16::from_le_bytes([c[0], c[1]]))),
        ),
        61 => out.extend(
            data.chunks_exact(2)
                .take(count)
                .map(|c| i64::from(i16::from_be_bytes([c[0], c[1]]))),
        ),
        160 => out.extend(
            data.chunks_exact(2)
                .take(count)
                .map(|c| i64::from(u16::from_le_bytes([c[0], c[1]])) - 32768),
        ),
        24 => out.extend(data.chunks_exact(3).take(count).map(|c| {
            sign(
                i64::from(c[0]) | i64::from(c[1]) << 8 | i64::from(c[2]) << 16,
                24,
            )
        })),
        32 => out.extend(
            data.chunks_exact(4)
                .take(count)
                .map(|c| i64::from(i32::from_le_bytes([c[0], c[1], c[2], c[3]]))),
        ),
        212 => {
            for c in data.chunks(3) {
                let b = |i: usize| i64::from(c.get(i).copied().unwrap_or(0));
                out.push(sign(b(0) | (b(1) & 0x0f) << 8, 12));
                out.push(sign(b(2) | (b(1) & 0xf0) << 4, 12));
                if out.len() >= count {
                    break;
                }
            }
        }
        310 => {
            for c in data.chunks(4) {
                let b = |i: usize| i64::from(c.get(i).copied().unwrap_or(0));
                out.push(sign((b(0) >> 1) | (b(1) & 0x07) << 7, 10));
                out.push(sign((b(2) >> 1) | (b(3) & 0x07) << 7, 10));
                out.push(sign((b(1) & 0xf8) >> 3 | (b(3) & 0xf8) << 2, 10));
                if out.len() >= count {
                    break;
                }
            }
        }
        311 => {
            for c in data.chunks(4) {
                let b = |i: usize| i64::from(c.get(i).copied().unwrap_or(0));
                out.push(sign(b(0) | (b(1) & 0x03) << 8, 10));
                out.push(sign((b(1) & 0xfc) >> 2 | (b(2) & 0x0f) << 6, 10));
                out.push(sign((b(2) & 0xf0) >> 4 | (b(3) & 0x3f) << 4, 10));
                if out.len() >= count {
                    break;
                }
            }
        }
        _ => {}
    }
    out.truncate(count);
    out
}

fn microvolts_per_unit(units: &str) -> Option<f64> {
    match units.trim() {
        "mV" | "mv" | "MV" => Some(1000.0),
        "uV" | "µV" | "μV" | "uv" => Some(1.0),
        "nV" => Some(0.001),
        "V" => Some(1e6),
        _ => None,
    }
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
    let mut digital: Vec<Vec<i64>> = vec![Vec::new(); header.signals.len()];
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
        digital: &mut [Vec<i64>],
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
            let mut samples: Vec<i64> = Vec::with_capacity(frames * spf);
            for frame in stream.chunks_exact(per_frame) {
                samples.extend_from_slice(&frame[within..within + spf]);
            }
            within += spf;
            if first.format == 8 {
                let mut acc = header.signals[signal].initial_value;
                for v in &mut samples {
                    acc += *v;
                    *v = acc;
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
    samples: &[i64],
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
                let mean = chunk.iter().sum::<i64>() as f64 / group as f64;
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
            return Err(WfdbError::NoLeads(names.join(", ")));
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

/// One annotation of a WFDB annotation file (`.atr`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Annotation {
    /// Sample index (frame number) it refers to.
    pub sample_index: u64,
    /// The annotation code (WFDB `ecgcodes.h`: 1 = N, 5 = V, 8 = A, 28 = rhythm change …).
    pub code: u8,
}

impl Annotation {
    /// Whether the code marks a beat (WFDB's `isqrs`): N, L, R, a, V, F, J, A, S, E, j, /, Q,
    /// B, ?, e, n, f, r.
    pub fn is_beat(self) -> bool {
        matches!(self.code, 1..=13 | 25 | 30 | 34 | 35 | 38 | 41)
    }
}

/// Why an annotation file could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum AnnotationError {
    /// The file ends inside an annotation.
    #[error("byte {byte_offset}: the annotation file ends inside an annotation")]
    Truncated {
        /// Where the incomplete annotation starts.
        byte_offset: usize,
    },
}

/// Reads a WFDB annotation file in MIT format (16-bit little-endian words: 6-bit code,
/// 10-bit time step; SKIP, NUM, SUB, CHN and AUX pseudo-annotations handled).
pub fn read_annotations(bytes: &[u8]) -> Result<Vec<Annotation>, AnnotationError> {
    const SKIP: u16 = 59;
    const AUX: u16 = 63;
    let mut out = Vec::new();
    let mut time: u64 = 0;
    let mut pos = 0;
    let word = |pos: usize| -> Option<u16> {
        bytes
            .get(pos..pos + 2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]))
    };
    while let Some(w) = word(pos) {
        let (code, value) = (w >> 10, w & 0x3ff);
        let start = pos;
        pos += 2;
        match code {
            0 if value == 0 => break,
            SKIP => {
                let (Some(high), Some(low)) = (word(pos), word(pos + 2)) else {
                    return Err(AnnotationError::Truncated { byte_offset: start });
                };
                let interval = ((u32::from(high) << 16) | u32::from(low)) as i32;
                time = time.saturating_add_signed(i64::from(interval));
                pos += 4;
            }
            60..=62 => {}
            AUX => {
                let len = usize::from(value);
                if bytes.len() < pos + len {
                    return Err(AnnotationError::Truncated { byte_offset: start });
                }
                pos += len + (len & 1);
            }
            _ => {
                time += u64::from(value);
                out.push(Annotation {
                    sample_index: time,
                    code: code as u8,
                });
            }
        }
    }
    Ok(out)
}
