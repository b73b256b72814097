//! GE MUSE XML (`<RestingECG>`): the rhythm waveform's leads, base64 little-endian int16 each,
//! checked against their `LeadDataCRC32` (zlib CRC-32 of the decoded bytes).
//!
//! Per `<Waveform>`: `WaveformType` (`Rhythm` is read; `Median` is not the recording),
//! `SampleBase` × 10^`SampleExponent` Hz. Per `<LeadData>`: `LeadID`, `LeadSampleCountTotal`,
//! `LeadAmplitudeUnitsPerBit` and `LeadAmplitudeUnits` (MICROVOLTS or MILLIVOLTS),
//! `FirstSampleBaseline` (ADC zero), `WaveFormData`. Most carts store 8 leads (I, II, V1–V6); the
//! other four are derived by the caller ([`Ecg::derive_limb_leads`]).
//!
//! The declared encoding is honoured (ISO-8859-1 and UTF-8 are both common); the external DTD
//! is never fetched. Patient demographics are never read.

use base64::Engine;

use crate::ecg::{AcquisitionInfo, Ecg, Lead, LeadSignal, NamedSignal, Warning};
use crate::formats::xml::{ElementError, XmlError, decode_xml_text, parse_document};
use crate::formats::{ErrorKind, LimitAt, Limits, OverLimit};

/// Why a MUSE file could not be read. `path` is the XML element path.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum MuseError {
    /// Not well-formed XML, or not in its declared encoding.
    #[error("line {}: not well-formed XML ({})", .0.line, .0.what)]
    Xml(#[from] XmlError),
    /// The root element is not `RestingECG`.
    #[error("the root element is <{0}>, not <RestingECG>: not a GE MUSE file")]
    NotMuse(String),
    /// A required element is missing or holds something unusable.
    #[error(transparent)]
    Element(#[from] ElementError),
    /// The file has no rhythm waveform.
    #[error("RestingECG: no <Waveform> with WaveformType Rhythm")]
    NoRhythm,
    /// Over the limits, at an element of the RestingECG document.
    #[error(transparent)]
    Limit(#[from] LimitAt),
    /// The MUSE file's leads broke an invariant of [`Ecg`].
    #[error(transparent)]
    Ecg(#[from] crate::ecg::EcgError),
}

impl MuseError {
    /// Whose fault this MUSE error is.
    pub fn kind(&self) -> ErrorKind {
        match self {
            MuseError::NotMuse(_) => ErrorKind::Unsupported,
            MuseError::Limit(_) => ErrorKind::Limit,
            MuseError::Xml(e) => e.kind,
            _ => ErrorKind::Malformed,
        }
    }
}

/// CRC-32 (IEEE 802.3, as zlib's `crc32`), bitwise with a table built on first use.
fn crc32(bytes: &[u8]) -> u32 {
    static TABLE: std::sync::OnceLock<[u32; 256]> = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let mut t = [0u32; 256];
        for (i, entry) in t.iter_mut().enumerate() {
            let mut c = i as u32;
            for _ in 0..8 {
                c = if c & 1 != 0 {
                    0xedb8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
            }
            *entry = c;
        }
        t
    });
    !bytes.iter().fold(!0u32, |c, &b| {
        table[((c ^ u32::from(b)) & 0xff) as usize] ^ (c >> 8)
    })
}

fn child<'a, 'i>(node: roxmltree::Node<'a, 'i>, name: &str) -> Option<roxmltree::Node<'a, 'i>> {
    node.children().find(|n| n.has_tag_name(name))
}

fn text_of(node: roxmltree::Node<'_, '_>, name: &str) -> Option<String> {
    child(node, name)
        .and_then(|n| n.text())
        .map(|t| t.trim().to_string())
}

fn number<T: std::str::FromStr>(
    node: roxmltree::Node<'_, '_>,
    name: &str,
    path: &str,
) -> Result<T, MuseError> {
    text_of(node, name)
        .and_then(|t| t.parse().ok())
        .ok_or_else(|| {
            MuseError::Element(ElementError {
                path: format!("{path}/{name}"),
                what: "missing or not a number".into(),
            })
        })
}

/// One `LeadData` element: its lead name and samples in µV, its CRC checked (a mismatch is a
/// warning).
fn read_lead(
    node: roxmltree::Node,
    path: &str,
    rate: f64,
    limits: &Limits,
    warnings: &mut Vec<Warning>,
) -> Result<(String, Vec<f32>), MuseError> {
    let id = text_of(node, "LeadID").ok_or_else(|| {
        MuseError::Element(ElementError {
            path: format!("{path}/LeadID"),
            what: "missing".into(),
        })
    })?;
    let count: usize = number(node, "LeadSampleCountTotal", path)?;
    if count > limits.max_samples_per_lead {
        return Err(MuseError::Limit(
            OverLimit {
                what: "samples",
                found: count,
                limit: limits.max_samples_per_lead,
            }
            .at(path),
        ));
    }
    crate::ecg::check_sample_rate(rate)?;
    limits
        .check_duration(count, rate)
        .map_err(|over| over.at(path))?;
    let per_bit: f64 = number(node, "LeadAmplitudeUnitsPerBit", path)?;
    let scale = match text_of(node, "LeadAmplitudeUnits").as_deref() {
        Some("MICROVOLTS") | None => 1.0,
        Some("MILLIVOLTS") => 1000.0,
        Some(other) => {
            return Err(MuseError::Element(ElementError {
                path: format!("{path}/LeadAmplitudeUnits"),
                what: format!("unknown unit '{other}'"),
            }));
        }
    };
    let baseline: f64 = text_of(node, "FirstSampleBaseline")
        .and_then(|t| t.parse().ok())
        .unwrap_or(0.0);
    let data: String = text_of(node, "WaveFormData")
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    let raw = base64::engine::general_purpose::STANDARD
        .decode(data.as_bytes())
        .map_err(|e| {
            MuseError::Element(ElementError {
                path: format!("{path}/WaveFormData"),
                what: format!("not base64 ({e})"),
            })
        })?;
    if raw.len() < 2 * count {
        return Err(MuseError::Element(ElementError {
            path: format!("{path}/WaveFormData"),
            what: format!(
                "{} bytes decoded, but LeadSampleCountTotal {count} needs {}",
                raw.len(),
                2 * count
            ),
        }));
    }
    // Writers that do not compute the checksum put 0 (the synthetic sample does).
    if let Some(expected) = text_of(node, "LeadDataCRC32")
        .and_then(|t| t.parse::<u32>().ok())
        .filter(|&crc| crc != 0)
        && crc32(&raw) != expected
    {
        warnings.push(Warning::ChecksumMismatch {
            channel: id.clone(),
        });
    }
    let samples_uv = raw
        .chunks_exact(2)
        .take(count)
        .map(|c| {
            ((f64::from(i16::from_le_bytes([c[0], c[1]])) - baseline) * per_bit * scale) as f32
        })
        .collect();
    Ok((id, samples_uv))
}

/// Reads the rhythm leads of a MUSE file.
pub fn read_muse(bytes: &[u8], limits: &Limits) -> Result<Ecg, MuseError> {
    limits
        .check_bytes(bytes.len())
        .map_err(|over| over.at("RestingECG"))?;
    let text = decode_xml_text(bytes)?;
    let doc = parse_document(&text)?;
    let root = doc.root_element();
    if !root.has_tag_name("RestingECG") {
        return Err(MuseError::NotMuse(root.tag_name().name().to_string()));
    }
    let waveform = root
        .children()
        .filter(|n| n.has_tag_name("Waveform"))
        .find(|w| text_of(*w, "WaveformType").as_deref() == Some("Rhythm"))
        .ok_or(MuseError::NoRhythm)?;
    let path = "RestingECG/Waveform[Rhythm]";
    let base: f64 = number(waveform, "SampleBase", path)?;
    let exponent: i32 = text_of(waveform, "SampleExponent")
        .and_then(|t| t.parse().ok())
        .unwrap_or(0);
    let rate = base * 10f64.powi(exponent);
    let mut leads = Vec::new();
    let mut others = Vec::new();
    let mut warnings = Vec::new();
    let lead_nodes: Vec<_> = waveform
        .children()
        .filter(|n| n.has_tag_name("LeadData"))
        .collect();
    if lead_nodes.len() > limits.max_columns {
        return Err(MuseError::Limit(
            OverLimit {
                what: "leads",
                found: lead_nodes.len(),
                limit: limits.max_columns,
            }
            .at(path),
        ));
    }
    for (i, node) in lead_nodes.into_iter().enumerate() {
        let path = format!("{path}/LeadData[{}]", i + 1);
        let (id, samples_uv) = read_lead(node, &path, rate, limits, &mut warnings)?;
        match id.parse::<Lead>() {
            Ok(lead) => leads.push(LeadSignal {
                lead,
                samples_uv,
                derived: false,
            }),
            Err(_) => others.push(NamedSignal {
                name: id,
                samples_uv,
            }),
        }
    }
    let demographics = child(root, "TestDemographics");
    let acquired = demographics.map(|d| {
        [text_of(d, "AcquisitionDate"), text_of(d, "AcquisitionTime")]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ")
    });
    let hz = |name: &str| text_of(waveform, name).and_then(|t| t.parse::<f64>().ok());
    let info = AcquisitionInfo {
        device: demographics.and_then(|d| text_of(d, "AcquisitionDevice")),
        acquired: acquired.filter(|a| !a.is_empty()),
        // MUSE writes the high-pass corner in hundredths of a hertz (56 = 0.56 Hz).
        cart_filters: AcquisitionInfo::describe_filters(
            hz("HighPassFilter").map(|v| v / 100.0),
            hz("LowPassFilter"),
            hz("ACFilter"),
        ),
    };
    Ok(Ecg::new(leads, rate, warnings)?
        .with_info(info)
        .with_other_channels(others)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_matches_zlib() {
        // zlib.crc32(b"123456789") == 0xCBF43926 (the standard check value).
        assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
        assert_eq!(crc32(b""), 0);
    }

    #[test]
    fn not_muse_and_broken_xml() {
        assert!(matches!(
            read_muse(
                b"<?xml version=\"1.0\"?><AnnotatedECG/>",
                &Limits::default()
            ),
            Err(MuseError::NotMuse(_))
        ));
        assert!(matches!(
            read_muse(b"<RestingECG><Waveform>", &Limits::default()),
            Err(MuseError::Xml(_))
        ));
        assert!(matches!(
            read_muse(b"<RestingECG></RestingECG>", &Limits::default()),
            Err(MuseError::NoRhythm)
        ));
    }

    #[test]
    fn leads_other_channels_and_crc() {
        let lead = |id: &str, data: &str, crc: u32| {
            format!(
                "<LeadData><LeadID>{id}</LeadID><LeadSampleCountTotal>2</LeadSampleCountTotal><LeadAmplitudeUnitsPerBit>4.88</LeadAmplitudeUnitsPerBit><LeadAmplitudeUnits>MICROVOLTS</LeadAmplitudeUnits><LeadDataCRC32>{crc}</LeadDataCRC32><WaveFormData>{data}</WaveFormData></LeadData>"
            )
        };
        // "AQACAA==" holds the int16 LE samples 1, 2; V4R carries a wrong CRC.
        let crc = crc32(&[1, 0, 2, 0]);
        let xml = format!(
            "<RestingECG><Waveform><WaveformType>Rhythm</WaveformType><SampleBase>500</SampleBase>{}{}</Waveform></RestingECG>",
            lead("I", "AQACAA==", crc),
            lead("V4R", "AQACAA==", crc + 1)
        );
        let ecg = read_muse(xml.as_bytes(), &Limits::default()).unwrap();
        assert_eq!(ecg.lead(Lead::I).unwrap().samples_uv, vec![4.88, 9.76]);
        assert_eq!(ecg.other_channels()[0].name, "V4R");
        let kinds: Vec<&str> = ecg.warnings().iter().map(Warning::kind).collect();
        assert_eq!(kinds, ["checksum_mismatch"]);
    }
}
