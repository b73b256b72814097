//! Philips Sierra ECG 1.03 and PhilipsECG 1.04.x XML (`<restingecgdata>`), XLI-compressed.
//!
//! The waveforms are `parsedwaveforms`: base64 of one XLI chunk per lead. A chunk is an 8-byte
//! header (compressed size i32 LE, a code u16, an initial predictor value i16 LE) and an LZW
//! stream of 10-bit codes read most significant bit first (0–255 literal bytes, new entries from
//! 256 up to 1022, 1023 ends the stream). The decoded bytes hold the high bytes of all samples, then the low bytes;
//! each 16-bit value feeds a second-order predictor: the first two are samples, then
//! `sample = 2·previous − the one before − last`, where `last` starts at the header's value and
//! is then `value − 64`. Leads III, aVR, aVL and aVF are stored as residuals of I and II:
//! `III = II − I − r`, `aVR = −r − ⌊(I + II)/2⌋`, `aVL = ⌊(I − III)/2⌋ − r`,
//! `aVF = ⌊(II + III)/2⌋ − r`.
//!
//! Every lead ends with a calibration second (zeros and a 1 mV pulse, after 10 s): it is
//! removed with a [`Warning::CalibrationPulseRemoved`]. Version 1.04 exports are UTF-16 with a
//! byte-order mark. Physical value = sample × resolution (µV per unit). Uncompressed waveforms
//! and a non-zero `signaloffset` have not been seen in a real file and are refused.
//! Verified against `sierraecg` 0.4.0 on both sample files, sample for sample.

use base64::Engine;

use crate::ecg::{AcquisitionInfo, Ecg, Lead, LeadSignal, NamedSignal, Warning};
use crate::formats::xml::{ElementError, XmlError, decode_xml_text, parse_document};
use crate::formats::{ErrorKind, Limits, OverLimit};

/// Why a Philips file could not be read. `path` is the XML element path.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum PhilipsError {
    /// Not well-formed XML, or not in its declared encoding.
    #[error("line {}: not well-formed XML ({})", .0.line, .0.what)]
    Xml(#[from] XmlError),
    /// A required element or attribute is missing or unusable.
    #[error(transparent)]
    Element(#[from] ElementError),
    /// Something this reader does not handle.
    #[error("{path}: {what} is not supported")]
    Unsupported {
        /// Element path.
        path: String,
        /// What.
        what: String,
    },
    /// The compressed data is damaged.
    #[error(
        "restingecgdata/waveforms/parsedwaveforms: lead {lead}, byte {byte_offset} of the decoded data: {what}"
    )]
    Xli {
        /// 1-based lead (chunk) number.
        lead: usize,
        /// Offset in the base64-decoded data.
        byte_offset: usize,
        /// What is wrong.
        what: String,
    },
    /// Over the limits.
    #[error(transparent)]
    Limit(#[from] OverLimit),
    /// The Philips file's leads broke an invariant of [`Ecg`].
    #[error(transparent)]
    Ecg(#[from] crate::ecg::EcgError),
}

impl PhilipsError {
    /// Whose fault this Philips error is.
    pub fn kind(&self) -> ErrorKind {
        match self {
            PhilipsError::Unsupported { .. } => ErrorKind::Unsupported,
            PhilipsError::Limit(_) => ErrorKind::Limit,
            PhilipsError::Xml(e) => e.kind,
            _ => ErrorKind::Malformed,
        }
    }
}

const WAVEFORMS: &str = "restingecgdata/waveforms/parsedwaveforms";
const STANDARD_LABELS: [&str; 12] = [
    "I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6",
];

/// LZW with 10-bit codes, most significant bit first: 0–255 literal bytes, 256–1022 the
/// dictionary, 1023 the end of the stream (or the end of the data).
fn lzw_decode(data: &[u8], max_out: usize) -> Result<Vec<u8>, String> {
    const MAX_CODE: usize = 1022;
    const END: usize = 1023;
    let mut out = Vec::new();
    let mut table: Vec<(usize, u8)> = Vec::with_capacity(MAX_CODE + 1 - 256); // (prefix code, last byte)
    let mut previous: Option<usize> = None;
    let (mut buffer, mut bits) = (0u32, 0u32);
    let mut entry = Vec::new();
    // The bytes of `code`, written into `entry` (reversed, then flipped).
    let expand = |code: usize, table: &[(usize, u8)], entry: &mut Vec<u8>| {
        entry.clear();
        let mut c = code;
        while c >= 256 {
            let (prefix, byte) = table[c - 256];
            entry.push(byte);
            c = prefix;
        }
        entry.push(c as u8);
        entry.reverse();
    };
    for &byte in data {
        buffer = (buffer << 8) | u32::from(byte);
        bits += 8;
        while bits >= 10 {
            bits -= 10;
            let code = ((buffer >> bits) & 0x3ff) as usize;
            buffer &= (1 << bits) - 1;
            if code == END {
                return Ok(out);
            }
            let next = 256 + table.len();
            if code < next {
                expand(code, &table, &mut entry);
            } else if code == next
                && let Some(p) = previous
            {
                expand(p, &table, &mut entry);
                let first = entry[0];
                entry.push(first);
            } else {
                return Err(format!("code {code} refers to no dictionary entry"));
            }
            if let Some(p) = previous
                && next <= MAX_CODE
            {
                table.push((p, entry[0]));
            }
            out.extend_from_slice(&entry);
            if out.len() > max_out {
                return Err("more data than the header announces".into());
            }
            previous = Some(code);
        }
    }
    Ok(out)
}

/// Decodes one lead's chunk into `samples` values; returns them and the chunk's length.
fn xli_chunk(
    data: &[u8],
    samples: usize,
    lead: usize,
    offset: usize,
) -> Result<(Vec<i32>, usize), PhilipsError> {
    let err = |byte_offset: usize, what: String| PhilipsError::Xli {
        lead,
        byte_offset,
        what,
    };
    let header = data
        .get(offset..offset + 8)
        .ok_or_else(|| err(offset, "the data ends inside a chunk header".into()))?;
    let size = i32::from_le_bytes([header[0], header[1], header[2], header[3]]);
    let start = i32::from(i16::from_le_bytes([header[6], header[7]]));
    let size =
        usize::try_from(size).map_err(|_| err(offset, format!("negative chunk size {size}")))?;
    let body = data
        .get(offset + 8..offset + 8 + size)
        .ok_or_else(|| err(offset, format!("a chunk of {size} bytes runs past the end")))?;
    let bytes = lzw_decode(body, 2 * samples + 64).map_err(|what| err(offset + 8, what))?;
    if bytes.len() < 2 * samples {
        return Err(err(
            offset + 8,
            format!(
                "{} bytes decoded, {} needed for {samples} samples",
                bytes.len(),
                2 * samples
            ),
        ));
    }
    let delta = |i: usize| i32::from(i16::from_be_bytes([bytes[i], bytes[samples + i]]));
    let mut out = Vec::with_capacity(samples);
    let mut last = start;
    for i in 0..samples {
        let value = if i < 2 {
            delta(i)
        } else {
            let v = 2 * out[i - 1] - out[i - 2] - last;
            last = delta(i) - 64;
            v
        };
        out.push(value);
    }
    Ok((out, 8 + size))
}

/// Where every lead is only zeros and the calibration height: the calibration segment's start,
/// if it holds a pulse at all.
fn calibration_start(leads: &[Vec<i32>], pulse: i32) -> Option<usize> {
    let n = leads.first()?.len();
    let start = leads
        .iter()
        .map(|l| {
            l.iter()
                .rposition(|&v| v != 0 && v != pulse)
                .map_or(0, |p| p + 1)
        })
        .max()?;
    let has_pulse = leads.iter().all(|l| l[start..].contains(&pulse));
    (start < n && start > 0 && has_pulse).then_some(start)
}

type Node<'a, 'i> = roxmltree::Node<'a, 'i>;

fn descendant<'a, 'i>(node: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    node.descendants().find(|n| n.has_tag_name(name))
}

fn number<T: std::str::FromStr>(text: Option<&str>, path: &str) -> Result<T, PhilipsError> {
    text.and_then(|t| t.trim().parse().ok()).ok_or_else(|| {
        PhilipsError::Element(ElementError {
            path: path.into(),
            what: "missing or not a number".into(),
        })
    })
}

/// The `parsedwaveforms` element and the `signalcharacteristics` it may defer to: Sierra
/// 1.03 puts the rate and resolution on the former, PhilipsECG 1.04 in the latter.
#[derive(Clone, Copy)]
struct Waveforms<'a, 'i> {
    node: Node<'a, 'i>,
    characteristics: Option<Node<'a, 'i>>,
}

impl<'a> Waveforms<'a, '_> {
    fn attr(&self, name: &str) -> Option<&'a str> {
        self.node.attribute(name)
    }

    fn characteristic(&self, name: &str) -> Option<&'a str> {
        self.characteristics
            .and_then(|c| descendant(c, name))
            .and_then(|n| n.text())
    }

    /// An attribute, else the characteristic of the same name, as a number.
    fn number_of(&self, name: &str) -> Option<f64> {
        self.attr(name)
            .or_else(|| self.characteristic(name))
            .and_then(|t| t.trim().parse::<f64>().ok())
    }
}

/// Rate, resolution (µV per unit) and samples per lead, checked against the limits; only XLI
/// compression without a signal offset is read.
fn signal_format(w: Waveforms, limits: &Limits) -> Result<(f64, f64, usize), PhilipsError> {
    let compressed = w
        .attr("compression")
        .map(|c| c.eq_ignore_ascii_case("XLI"))
        .unwrap_or(false)
        || (w
            .attr("compressflag")
            .is_some_and(|f| f.eq_ignore_ascii_case("true"))
            && w.attr("compressmethod")
                .is_some_and(|m| m.eq_ignore_ascii_case("XLI")));
    if !compressed {
        return Err(PhilipsError::Unsupported {
            path: WAVEFORMS.into(),
            what: "a waveform that is not XLI-compressed".into(),
        });
    }
    let rate: f64 = number(
        w.attr("samplespersecond")
            .or_else(|| w.characteristic("samplingrate")),
        "restingecgdata/dataacquisition/signalcharacteristics/samplingrate",
    )?;
    let resolution: f64 = number(
        w.attr("resolution")
            .or_else(|| w.characteristic("resolution"))
            .or_else(|| w.characteristic("signalresolution")),
        "restingecgdata/dataacquisition/signalcharacteristics/signalresolution",
    )?;
    let offset: f64 = w
        .attr("signaloffset")
        .or_else(|| w.characteristic("signaloffset"))
        .and_then(|o| o.trim().parse().ok())
        .unwrap_or(0.0);
    if offset != 0.0 {
        return Err(PhilipsError::Unsupported {
            path: WAVEFORMS.into(),
            what: format!("signaloffset {offset}"),
        });
    }
    let duration_ms: f64 = number(
        w.attr("durationperchannel"),
        &format!("{WAVEFORMS}@durationperchannel"),
    )?;
    let samples = (duration_ms * rate / 1000.0).round();
    if !(samples.is_finite() && samples >= 2.0 && rate > 0.0 && resolution > 0.0) {
        return Err(PhilipsError::Element(ElementError {
            path: WAVEFORMS.into(),
            what: "rate, resolution or duration is not positive".into(),
        }));
    }
    let samples = samples as usize;
    if samples > limits.max_samples_per_lead {
        return Err(PhilipsError::Limit(OverLimit {
            what: "samples per lead",
            found: samples,
            limit: limits.max_samples_per_lead,
        }));
    }
    crate::ecg::check_sample_rate(rate)?;
    limits.check_duration(samples, rate)?;
    Ok((rate, resolution, samples))
}

/// Every lead's values in units of the resolution: the XLI chunks decoded, then III, aVR, aVL
/// and aVF rebuilt from their residuals of I and II.
fn decode_leads(
    w: Waveforms,
    labels: &[String],
    samples: usize,
) -> Result<Vec<Vec<i32>>, PhilipsError> {
    let encoded: String = w
        .node
        .text()
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    let data = base64::engine::general_purpose::STANDARD
        .decode(encoded.as_bytes())
        .map_err(|e| {
            PhilipsError::Element(ElementError {
                path: WAVEFORMS.into(),
                what: format!("not base64 ({e})"),
            })
        })?;
    let mut values = Vec::with_capacity(labels.len());
    let mut pos = 0;
    for lead in 0..labels.len() {
        let (v, used) = xli_chunk(&data, samples, lead + 1, pos)?;
        values.push(v);
        pos += used;
    }
    // Leads stored as residuals of I and II.
    let index = |name: &str| labels.iter().position(|l| l == name);
    if let (Some(i), Some(ii), Some(iii), Some(avr), Some(avl), Some(avf)) = (
        index("I"),
        index("II"),
        index("III"),
        index("aVR"),
        index("aVL"),
        index("aVF"),
    ) {
        // Indexing four leads of `values` at once: a range loop is the clear way.
        #[allow(clippy::needless_range_loop)]
        for k in 0..samples {
            let (a, b) = (values[i][k], values[ii][k]);
            let third = b - a - values[iii][k];
            values[iii][k] = third;
            values[avr][k] = -values[avr][k] - (a + b).div_euclid(2);
            values[avl][k] = (a - third).div_euclid(2) - values[avl][k];
            values[avf][k] = (b + third).div_euclid(2) - values[avf][k];
        }
    }
    Ok(values)
}

/// Reads a Philips Sierra / PhilipsECG XML file.
pub fn read_philips(bytes: &[u8], limits: &Limits) -> Result<Ecg, PhilipsError> {
    limits.check_bytes(bytes.len())?;
    let text = decode_xml_text(bytes)?;
    let doc = parse_document(&text)?;
    let root = doc.root_element();
    let node = descendant(root, "parsedwaveforms").ok_or_else(|| {
        PhilipsError::Element(ElementError {
            path: WAVEFORMS.into(),
            what: "missing".into(),
        })
    })?;
    let w = Waveforms {
        node,
        characteristics: descendant(root, "signalcharacteristics"),
    };
    let (rate, resolution, samples) = signal_format(w, limits)?;
    let labels: Vec<String> = match w.attr("leadlabels") {
        Some(list) => list.split_whitespace().map(str::to_string).collect(),
        None => STANDARD_LABELS.iter().map(|s| s.to_string()).collect(),
    };
    if labels.len() > limits.max_columns {
        return Err(PhilipsError::Limit(OverLimit {
            what: "leads",
            found: labels.len(),
            limit: limits.max_columns,
        }));
    }
    let values = decode_leads(w, &labels, samples)?;
    let mut warnings = Vec::new();
    let pulse = (1000.0 / resolution).round() as i32;
    let end = match calibration_start(&values, pulse) {
        Some(start) => {
            warnings.push(Warning::CalibrationPulseRemoved {
                from_secs: start as f64 / rate,
            });
            start
        }
        None => samples,
    };
    let mut leads = Vec::new();
    let mut others = Vec::new();
    for (label, v) in labels.into_iter().zip(values) {
        let samples_uv = v[..end]
            .iter()
            .map(|&x| (f64::from(x) * resolution) as f32)
            .collect();
        match label.parse::<Lead>() {
            Ok(lead) => leads.push(LeadSignal {
                lead,
                samples_uv,
                derived: false,
            }),
            Err(_) => others.push(NamedSignal {
                name: label,
                samples_uv,
            }),
        }
    }
    Ok(Ecg::new(leads, rate, warnings)?
        .with_info(acquisition_info(root, w))
        .with_other_channels(others)?)
}

/// The machine, the acquisition time and the filters the file states.
fn acquisition_info(root: Node, w: Waveforms) -> AcquisitionInfo {
    let acquisition = descendant(root, "dataacquisition");
    let acquired = acquisition.map(|a| {
        [a.attribute("date"), a.attribute("time")]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ")
    });
    let (mut high, mut low) = (w.number_of("hipass"), w.number_of("lowpass"));
    if let Some((h, l)) = w
        .characteristic("signalbandwidth")
        .and_then(|b| b.split_once('-'))
    {
        high = high.or(h.trim().parse().ok());
        low = low.or(l.trim().parse().ok());
    }
    let mains = if w
        .attr("notchfiltered")
        .is_some_and(|n| n.eq_ignore_ascii_case("true"))
    {
        w.attr("notchfilterfreqs")
            .and_then(|f| f.split_whitespace().next()?.parse().ok())
    } else {
        None
    };
    AcquisitionInfo {
        device: acquisition
            .and_then(|a| descendant(a, "machine"))
            .and_then(|m| m.text())
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty()),
        acquired: acquired.filter(|a| !a.is_empty()),
        cart_filters: AcquisitionInfo::describe_filters(high, low, mains),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lzw_round_trip_of_a_known_stream() {
        // Codes 65 ('A'), 66 ('B'), 256 ("AB"), 258 ("ABA", the KwKwK case), then the end
        // code 1023 and a literal that must not be read, packed MSB first in 60 bits.
        let codes = [65u64, 66, 256, 258, 1023, 67];
        let bits = codes.iter().fold(0u64, |acc, &c| (acc << 10) | c) << 4;
        assert_eq!(lzw_decode(&bits.to_be_bytes(), 100).unwrap(), b"ABABABA");
        // Code 1000 before the dictionary reaches it.
        let bad = (1000u32 << 6).to_be_bytes();
        assert!(lzw_decode(&bad[2..], 100).is_err());
    }

    #[test]
    fn predictor_and_header() {
        // Two samples 10, 12, then deltas 64 (no change in slope) with initial last = 0.
        let samples = 4;
        let hi = [0u8, 0, 0, 0];
        let lo = [10u8, 12, 64, 64];
        let raw: Vec<u8> = hi.iter().chain(&lo).copied().collect();
        // Literal codes only.
        let mut bits: Vec<bool> = Vec::new();
        for b in &raw {
            for k in (0..10).rev() {
                bits.push((u32::from(*b) >> k) & 1 == 1);
            }
        }
        while !bits.len().is_multiple_of(8) {
            bits.push(false);
        }
        let body: Vec<u8> = bits
            .chunks(8)
            .map(|c| c.iter().fold(0u8, |acc, &b| (acc << 1) | u8::from(b)))
            .collect();
        let mut chunk = (body.len() as i32).to_le_bytes().to_vec();
        chunk.extend_from_slice(&[1, 0, 0, 0]);
        chunk.extend_from_slice(&body);
        let (values, used) = xli_chunk(&chunk, samples, 1, 0).unwrap();
        assert_eq!(values, vec![10, 12, 14, 16]);
        assert_eq!(used, chunk.len());
        assert!(xli_chunk(&chunk[..10], samples, 1, 0).is_err());
    }
}
