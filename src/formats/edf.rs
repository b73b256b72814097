//! EDF, EDF+ (continuous) and BDF: a fixed ASCII header, one per-signal header block, then data
//! records holding each signal's samples in turn (16-bit little-endian for EDF, 24-bit for BDF).
//!
//! Physical value = (digital − digital min) × (physical max − physical min) / (digital max −
//! digital min) + physical min, in the signal's physical dimension (µV, mV or V). EDF+
//! annotation signals are skipped (they hold no samples of the ECG); discontinuous EDF+D
//! records are refused. The patient and recording identification fields are never read.

use crate::ecg::{AcquisitionInfo, Ecg, Lead, LeadSignal, NamedSignal, Warning};
use crate::formats::{ErrorKind, Limits, OverLimit};

/// Why an EDF/BDF file could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum EdfError {
    /// A header field is missing or unusable.
    #[error("byte {byte_offset} (header field '{field}'{}): {what}", signal.map(|s| format!(" of signal {s}")).unwrap_or_default())]
    Header {
        /// Where the field starts.
        byte_offset: usize,
        /// The field.
        field: &'static str,
        /// 1-based signal number, for per-signal fields.
        signal: Option<usize>,
        /// What is wrong.
        what: String,
    },
    /// Something this reader does not handle.
    #[error("{0} is not supported")]
    Unsupported(String),
    /// The data ends before the header says.
    #[error("the file has {found} bytes, but its header describes {needed}")]
    Truncated {
        /// Bytes present.
        found: usize,
        /// Bytes the header implies.
        needed: usize,
    },
    /// Over the limits.
    #[error(transparent)]
    Limit(#[from] OverLimit),
    /// No signal is a standard lead.
    #[error("no signal of this file is a standard 12-lead ECG lead")]
    NoLeads,
    /// The EDF file's leads broke an invariant of [`Ecg`].
    #[error(transparent)]
    Ecg(#[from] crate::ecg::EcgError),
}

impl EdfError {
    /// Whose fault this EDF error is.
    pub fn kind(&self) -> ErrorKind {
        match self {
            EdfError::Unsupported(_) | EdfError::NoLeads => ErrorKind::Unsupported,
            EdfError::Limit(_) => ErrorKind::Limit,
            _ => ErrorKind::Malformed,
        }
    }
}

/// Does this look like EDF (`0` and seven spaces) or BDF (`\xffBIOSEMI`)?
pub fn looks_like_edf(bytes: &[u8]) -> bool {
    bytes.starts_with(b"0       ") && bytes.len() >= 256 || bytes.starts_with(b"\xffBIOSEMI")
}

struct Fields<'a> {
    bytes: &'a [u8],
}

impl Fields<'_> {
    fn text(
        &self,
        offset: usize,
        len: usize,
        field: &'static str,
        signal: Option<usize>,
    ) -> Result<String, EdfError> {
        let raw = self
            .bytes
            .get(offset..offset + len)
            .ok_or(EdfError::Header {
                byte_offset: offset,
                field,
                signal,
                what: "the file ends inside the header".into(),
            })?;
        Ok(raw
            .iter()
            .map(|&b| if b.is_ascii() { b as char } else { '?' })
            .collect::<String>()
            .trim()
            .to_string())
    }

    fn number<T: std::str::FromStr>(
        &self,
        offset: usize,
        len: usize,
        field: &'static str,
        signal: Option<usize>,
    ) -> Result<T, EdfError> {
        let text = self.text(offset, len, field, signal)?;
        text.parse().map_err(|_| EdfError::Header {
            byte_offset: offset,
            field,
            signal,
            what: "not a number".into(),
        })
    }
}

/// One signal's header: its label, prefiltering and the scale from digital values to µV
/// (`NaN` for annotations and channels that are not voltages).
struct Signal {
    prefiltering: String,
    label: String,
    scale: f64,
    offset: f64,
    samples: usize,
}

/// The fixed header's numbers.
struct Header {
    header_bytes: usize,
    records: i64,
    record_secs: f64,
    signals: usize,
}

/// The fixed 256-byte header, checked.
fn read_header(f: &Fields, limits: &Limits) -> Result<Header, EdfError> {
    let reserved = f.text(192, 44, "reserved", None)?;
    if reserved.starts_with("EDF+D") {
        return Err(EdfError::Unsupported(
            "a discontinuous EDF+D recording".into(),
        ));
    }
    let header_bytes: usize = f.number(184, 8, "number of bytes in header", None)?;
    let records: i64 = f.number(236, 8, "number of data records", None)?;
    let record_secs: f64 = f.number(244, 8, "duration of a data record", None)?;
    let ns: usize = f.number(252, 4, "number of signals", None)?;
    if ns == 0 || ns > limits.max_columns {
        return Err(EdfError::Limit(OverLimit {
            what: "signals",
            found: ns,
            limit: limits.max_columns,
        }));
    }
    if header_bytes != 256 * (ns + 1) {
        return Err(EdfError::Header {
            byte_offset: 184,
            field: "number of bytes in header",
            signal: None,
            what: format!("{header_bytes}, but {ns} signals need {}", 256 * (ns + 1)),
        });
    }
    if !(record_secs.is_finite() && record_secs > 0.0) {
        return Err(EdfError::Header {
            byte_offset: 244,
            field: "duration of a data record",
            signal: None,
            what: "not a positive number of seconds".into(),
        });
    }
    if record_secs > limits.max_duration_secs {
        return Err(EdfError::Header {
            byte_offset: 244,
            field: "duration of a data record",
            signal: None,
            what: format!(
                "{} s, longer than a whole recording may last ({} s)",
                crate::ecg::RateText(record_secs),
                limits.max_duration_secs
            ),
        });
    }
    Ok(Header {
        header_bytes,
        records,
        record_secs,
        signals: ns,
    })
}

/// The per-signal headers: each field for all signals in turn.
fn read_signals(f: &Fields, ns: usize) -> Result<Vec<Signal>, EdfError> {
    let base = 256;
    let at = |field_start: usize, len: usize, i: usize| base + field_start * ns + len * i;
    let mut signals = Vec::with_capacity(ns);
    for i in 0..ns {
        let s = Some(i + 1);
        let label = f.text(at(0, 16, i), 16, "label", s)?;
        let unit = f.text(at(16 + 80, 8, i), 8, "physical dimension", s)?;
        let pmin: f64 = f.number(at(16 + 80 + 8, 8, i), 8, "physical minimum", s)?;
        let pmax: f64 = f.number(at(16 + 80 + 16, 8, i), 8, "physical maximum", s)?;
        let dmin: f64 = f.number(at(16 + 80 + 24, 8, i), 8, "digital minimum", s)?;
        let dmax: f64 = f.number(at(16 + 80 + 32, 8, i), 8, "digital maximum", s)?;
        let samples: usize =
            f.number(at(16 + 80 + 40 + 80, 8, i), 8, "samples per data record", s)?;
        let annotation =
            label.starts_with("EDF Annotations") || label.starts_with("BDF Annotations");
        let to_uv = match unit.as_str() {
            "uV" | "µV" | "UV" => Some(1.0),
            "mV" | "MV" => Some(1000.0),
            "V" => Some(1e6),
            _ => None,
        };
        if dmax == dmin {
            return Err(EdfError::Header {
                byte_offset: at(16 + 80 + 24, 8, i),
                field: "digital minimum",
                signal: s,
                what: "equals the digital maximum".into(),
            });
        }
        let gain = (pmax - pmin) / (dmax - dmin);
        let (scale, offset) = match (annotation, to_uv) {
            (true, _) => (f64::NAN, 0.0),
            (false, Some(u)) => (gain * u, (pmin - dmin * gain) * u),
            // Not a voltage: kept out of the record below.
            (false, None) => (f64::NAN, 0.0),
        };
        let prefiltering = f.text(at(136, 80, i), 80, "prefiltering", s)?;
        signals.push(Signal {
            prefiltering,
            label: if annotation { String::new() } else { label },
            scale,
            offset,
            samples,
        });
    }
    Ok(signals)
}

/// The data records: where each signal lies in them and how its values are decoded.
struct Records<'a> {
    bytes: &'a [u8],
    header_bytes: usize,
    count: usize,
    record_bytes: usize,
    /// 3 bytes a value (BDF) or 2 (EDF).
    width: usize,
    max_samples_per_lead: usize,
}

impl Records<'_> {
    /// One signal's values in µV, `start` its byte offset inside a data record.
    fn decode(&self, signal: &Signal, start: usize) -> Result<Vec<f32>, EdfError> {
        let total = self.count.saturating_mul(signal.samples);
        if total > self.max_samples_per_lead {
            return Err(EdfError::Limit(OverLimit {
                what: "samples per lead",
                found: total,
                limit: self.max_samples_per_lead,
            }));
        }
        let width = self.width;
        let mut samples_uv = Vec::with_capacity(total);
        for r in 0..self.count {
            let at = self.header_bytes + r * self.record_bytes + start;
            for c in self.bytes[at..at + signal.samples * width].chunks_exact(width) {
                let digital = if width == 3 {
                    let v = i32::from(c[0]) | i32::from(c[1]) << 8 | i32::from(c[2]) << 16;
                    (v << 8) >> 8
                } else {
                    i32::from(i16::from_le_bytes([c[0], c[1]]))
                };
                samples_uv.push((f64::from(digital) * signal.scale + signal.offset) as f32);
            }
        }
        Ok(samples_uv)
    }
}

/// Reads an EDF, EDF+C or BDF file.
pub fn read_edf(bytes: &[u8], limits: &Limits) -> Result<Ecg, EdfError> {
    limits.check_bytes(bytes.len())?;
    let width = if bytes.starts_with(b"\xffBIOSEMI") {
        3
    } else {
        2
    };
    let f = Fields { bytes };
    let header = read_header(&f, limits)?;
    let (header_bytes, record_secs) = (header.header_bytes, header.record_secs);
    let signals = read_signals(&f, header.signals)?;
    let record_bytes: usize = signals.iter().map(|s| s.samples * width).sum();
    let available = (bytes.len() - header_bytes.min(bytes.len())) / record_bytes.max(1);
    let records = usize::try_from(header.records).unwrap_or(available);
    let seconds = records as f64 * record_secs;
    if seconds > limits.max_duration_secs {
        return Err(EdfError::Limit(OverLimit {
            what: "seconds of recording",
            found: seconds.ceil() as usize,
            limit: limits.max_duration_secs.ceil() as usize,
        }));
    }
    let needed = header_bytes.saturating_add(records.saturating_mul(record_bytes));
    if bytes.len() < needed {
        return Err(EdfError::Truncated {
            found: bytes.len(),
            needed,
        });
    }
    let data = Records {
        bytes,
        header_bytes,
        count: records,
        record_bytes,
        width,
        max_samples_per_lead: limits.max_samples_per_lead,
    };
    let found = channels(&signals, &data, record_secs)?;
    let info = acquisition_info(&f, &signals)?;
    Ok(Ecg::new(found.leads, found.rate, found.warnings)?
        .with_info(info)
        .with_other_channels(found.others)?)
}

/// The standard leads (one rate for all), the other voltage channels at their rate, warnings
/// for the channels left out, and the rate.
struct Channels {
    leads: Vec<LeadSignal>,
    others: Vec<NamedSignal>,
    warnings: Vec<Warning>,
    rate: f64,
}

/// Decodes the signals into [`Channels`].
fn channels(signals: &[Signal], data: &Records, record_secs: f64) -> Result<Channels, EdfError> {
    // Every signal's byte offset inside a data record.
    let offsets: Vec<usize> = signals
        .iter()
        .scan(0, |offset, signal| {
            let start = *offset;
            *offset += signal.samples * data.width;
            Some(start)
        })
        .collect();
    let mut leads: Vec<LeadSignal> = Vec::new();
    let mut warnings = Vec::new();
    let mut rate = None;
    for (signal, &start) in signals.iter().zip(&offsets) {
        let Ok(lead) = signal.label.parse::<Lead>() else {
            continue;
        };
        if signal.scale.is_nan() {
            warnings.push(Warning::ChannelIgnored {
                name: signal.label.clone(),
            });
            continue;
        }
        let this_rate = crate::ecg::check_sample_rate(signal.samples as f64 / record_secs)?;
        if rate.is_some_and(|r: f64| (r - this_rate).abs() > 1e-9) {
            return Err(EdfError::Unsupported(format!(
                "leads at different rates ({} Hz and {this_rate} Hz)",
                rate.unwrap_or_default()
            )));
        }
        rate = Some(this_rate);
        leads.push(LeadSignal {
            lead,
            samples_uv: data.decode(signal, start)?,
            derived: false,
        });
    }
    // Other voltage channels at the leads' rate are kept under their names; the rest are not.
    let mut others = Vec::new();
    for (signal, &start) in signals.iter().zip(&offsets) {
        if signal.label.is_empty() || signal.label.parse::<Lead>().is_ok() {
            continue;
        }
        let same_rate =
            rate.is_some_and(|r| (r - signal.samples as f64 / record_secs).abs() < 1e-9);
        if signal.scale.is_nan() || !same_rate {
            warnings.push(Warning::ChannelIgnored {
                name: signal.label.clone(),
            });
            continue;
        }
        others.push(NamedSignal {
            name: signal.label.clone(),
            samples_uv: data.decode(signal, start)?,
        });
    }
    let rate = rate.ok_or(EdfError::NoLeads)?;
    Ok(Channels {
        leads,
        others,
        warnings,
        rate,
    })
}

/// The device, start and cart filters the header states.
fn acquisition_info(f: &Fields, signals: &[Signal]) -> Result<AcquisitionInfo, EdfError> {
    // EDF+ recording field: "Startdate dd-MMM-yyyy admincode technician equipment" ("X" = none).
    let recording = f.text(88, 80, "local recording identification", None)?;
    let device = recording
        .strip_prefix("Startdate ")
        .and_then(|rest| rest.split_whitespace().nth(3))
        .filter(|d| *d != "X")
        .map(|d| d.replace('_', " "));
    let date = f.text(168, 8, "start date", None)?;
    let time = f.text(176, 8, "start time", None)?;
    Ok(AcquisitionInfo {
        device,
        acquired: Some(format!("{date} {time}")).filter(|a| a.trim().len() > 1),
        cart_filters: signals
            .iter()
            .find(|s| !s.label.is_empty())
            .map(|s| s.prefiltering.clone())
            .filter(|p| !p.is_empty()),
    })
}
