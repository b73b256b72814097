//! HL7 annotated ECG (aECG, "FDA XML", namespace `urn:hl7-org:v3`).
//!
//! `AnnotatedECG/component/series` (the rhythm series: `code` RHYTHM, else the first) →
//! `component/sequenceSet` → `component/sequence`. One sequence is the time axis (`GLIST_TS` or
//! `GLIST_PQ` with an `increment`: the sample interval, in s or ms); the others are leads coded
//! `MDC_ECG_LEAD_*` with `SLIST_PQ` values: physical = `origin` + `scale` × each of the
//! space-separated `digits`, in the units given (µV or mV). Median beats (`derivedSeries`) and
//! annotations are not read. A series with several sequence sets (segments) uses the first,
//! with a warning.

use crate::ecg::{AcquisitionInfo, Ecg, Lead, LeadSignal, NamedSignal, Warning};
use crate::formats::xml::{ElementError, XmlError, decode_xml_text, parse_document};
use crate::formats::{ErrorKind, LimitAt, Limits, OverLimit};

/// Why an aECG file could not be read. `path` is the XML element path.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum AecgError {
    /// Not well-formed XML.
    #[error("line {}: not well-formed XML ({})", .0.line, .0.what)]
    Xml(#[from] XmlError),
    /// A required element or attribute is missing or unusable.
    #[error(transparent)]
    Element(#[from] ElementError),
    /// Over the limits, at an element of the document.
    #[error(transparent)]
    Limit(#[from] LimitAt),
    /// The aECG file's leads broke an invariant of [`Ecg`].
    #[error(transparent)]
    Ecg(#[from] crate::ecg::EcgError),
}

impl AecgError {
    /// Whose fault this aECG error is.
    pub fn kind(&self) -> ErrorKind {
        match self {
            AecgError::Limit(_) => ErrorKind::Limit,
            AecgError::Xml(e) => e.kind,
            _ => ErrorKind::Malformed,
        }
    }
}

type Node<'a, 'i> = roxmltree::Node<'a, 'i>;

fn children<'a, 'i>(node: Node<'a, 'i>, name: &'static str) -> impl Iterator<Item = Node<'a, 'i>> {
    node.children().filter(move |n| n.has_tag_name(name))
}

fn child<'a, 'i>(node: Node<'a, 'i>, name: &'static str) -> Option<Node<'a, 'i>> {
    children(node, name).next()
}

/// `component/<name>` children of `node`.
fn components<'a, 'i>(
    node: Node<'a, 'i>,
    name: &'static str,
) -> impl Iterator<Item = Node<'a, 'i>> {
    children(node, "component").filter_map(move |c| child(c, name))
}

fn code_of(node: Node<'_, '_>) -> Option<String> {
    child(node, "code")
        .and_then(|c| c.attribute("code"))
        .map(str::to_string)
}

/// A `value`/`unit` pair in µV.
fn microvolts(node: Option<Node<'_, '_>>, path: &str) -> Result<f64, AecgError> {
    let bad = |what: &str| {
        AecgError::Element(ElementError {
            path: path.to_string(),
            what: what.to_string(),
        })
    };
    let node = node.ok_or_else(|| bad("missing"))?;
    let value: f64 = node
        .attribute("value")
        .and_then(|v| v.trim().parse().ok())
        .filter(|v: &f64| v.is_finite())
        .ok_or_else(|| bad("value is missing or not a number"))?;
    let scale = match node.attribute("unit").unwrap_or("uV") {
        "uV" | "µV" => 1.0,
        "mV" => 1000.0,
        "V" => 1e6,
        "nV" => 1e-3,
        other => return Err(bad(&format!("unit '{other}' is not a voltage"))),
    };
    Ok(value * scale)
}

/// Reads the rhythm leads of an HL7 aECG file.
pub fn read_aecg(bytes: &[u8], limits: &Limits) -> Result<Ecg, AecgError> {
    limits
        .check_bytes(bytes.len())
        .map_err(|over| over.at("AnnotatedECG"))?;
    let text = decode_xml_text(bytes)?;
    let doc = parse_document(&text)?;
    let root = doc.root_element();
    let series: Vec<_> = components(root, "series").collect();
    let (index, series) = series
        .iter()
        .enumerate()
        .find(|(_, s)| code_of(**s).as_deref() == Some("RHYTHM"))
        .or_else(|| series.iter().enumerate().next())
        .ok_or_else(|| {
            AecgError::Element(ElementError {
                path: "AnnotatedECG/component/series".into(),
                what: "no series: the file holds no waveform".into(),
            })
        })?;
    let path = format!("AnnotatedECG/component/series[{}]", index + 1);
    let sets: Vec<_> = components(*series, "sequenceSet").collect();
    let set = sets.first().ok_or_else(|| {
        AecgError::Element(ElementError {
            path: format!("{path}/component/sequenceSet"),
            what: "missing".into(),
        })
    })?;
    let mut warnings = Vec::new();
    if sets.len() > 1 {
        warnings.push(Warning::SegmentsIgnored {
            used: 1,
            total: sets.len(),
        });
    }
    let path = format!("{path}/component/sequenceSet[1]");
    let mut interval_secs = None;
    let mut leads = Vec::new();
    let mut others = Vec::new();
    for (i, sequence) in components(*set, "sequence").enumerate() {
        let spath = format!("{path}/component[{}]/sequence", i + 1);
        let code = code_of(sequence).unwrap_or_default();
        let value = child(sequence, "value");
        if code.starts_with("TIME_") {
            interval_secs = Some(time_increment_secs(value, &spath)?);
            continue;
        }
        let Some(value) = value else { continue };
        let lead = code.parse::<Lead>().ok();
        let origin = match child(value, "origin") {
            Some(node) => microvolts(Some(node), &format!("{spath}/value/origin")),
            None => Ok(0.0),
        };
        let scale = microvolts(child(value, "scale"), &format!("{spath}/value/scale"));
        let (origin, scale) = match (lead, origin, scale) {
            (_, Ok(origin), Ok(scale)) => (origin, scale),
            // A non-lead sequence in other units (respiration, pressure …) is not an ECG channel.
            (None, _, _) => {
                warnings.push(Warning::ChannelIgnored { name: code });
                continue;
            }
            (Some(_), Err(e), _) | (Some(_), _, Err(e)) => return Err(e),
        };
        let samples_uv = digits_uv(value, &spath, (origin, scale), limits)?;
        if leads.len() + others.len() >= limits.max_columns {
            return Err(AecgError::Limit(
                OverLimit {
                    what: "leads",
                    found: leads.len() + 1,
                    limit: limits.max_columns,
                }
                .at(path),
            ));
        }
        match lead {
            Some(lead) => leads.push(LeadSignal {
                lead,
                samples_uv,
                derived: false,
            }),
            None => others.push(NamedSignal {
                name: code,
                samples_uv,
            }),
        }
    }
    let interval = interval_secs.ok_or_else(|| {
        AecgError::Element(ElementError {
            path: format!("{path}/component/sequence"),
            what: "no time sequence (TIME_ABSOLUTE or TIME_RELATIVE with an increment)".into(),
        })
    })?;
    Ok(Ecg::new(leads, 1.0 / interval, warnings)?
        .with_info(acquisition_info(*series))
        .with_other_channels(others)?)
}

/// The sampling interval of a `TIME_*` sequence's `increment`, seconds.
fn time_increment_secs(value: Option<roxmltree::Node>, spath: &str) -> Result<f64, AecgError> {
    let increment = value.and_then(|v| child(v, "increment"));
    let bad = || {
        AecgError::Element(ElementError {
            path: format!("{spath}/value/increment"),
            what: "missing or not a positive number".into(),
        })
    };
    let step: f64 = increment
        .and_then(|n| n.attribute("value"))
        .and_then(|v| v.trim().parse().ok())
        .filter(|v: &f64| v.is_finite() && *v > 0.0)
        .ok_or_else(bad)?;
    let unit = increment.and_then(|n| n.attribute("unit")).unwrap_or("s");
    Ok(match unit {
        "ms" => step / 1000.0,
        "us" => step / 1e6,
        _ => step,
    })
}

/// A sequence's `digits` as µV: `origin + scale × digit`, within the samples limit.
fn digits_uv(
    value: roxmltree::Node,
    spath: &str,
    (origin, scale): (f64, f64),
    limits: &Limits,
) -> Result<Vec<f32>, AecgError> {
    let digits = child(value, "digits")
        .and_then(|d| d.text())
        .unwrap_or_default();
    let mut samples_uv = Vec::new();
    for (k, token) in digits.split_ascii_whitespace().enumerate() {
        if k >= limits.max_samples_per_lead {
            return Err(AecgError::Limit(
                OverLimit {
                    what: "samples",
                    found: k + 1,
                    limit: limits.max_samples_per_lead,
                }
                .at(format!("{spath}/value/digits")),
            ));
        }
        let digit: f64 = token.parse().map_err(|_| {
            AecgError::Element(ElementError {
                path: format!("{spath}/value/digits"),
                what: format!("sample {} is not a number", k + 1),
            })
        })?;
        samples_uv.push((origin + scale * digit) as f32);
    }
    Ok(samples_uv)
}

/// The device and acquisition time a series states.
fn acquisition_info(series: roxmltree::Node) -> AcquisitionInfo {
    let device = series
        .descendants()
        .find(|n| n.has_tag_name("manufacturerModelName"))
        .and_then(|n| n.text())
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty());
    let acquired = series
        .descendants()
        .find(|n| n.has_tag_name("effectiveTime"))
        .and_then(|t| child(t, "low").or(Some(t)))
        .and_then(|n| n.attribute("value"))
        .map(str::to_string);
    AcquisitionInfo {
        device,
        acquired,
        cart_filters: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"<AnnotatedECG xmlns="urn:hl7-org:v3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<component><series><code code="RHYTHM"/><component><sequenceSet>
<component><sequence><code code="TIME_ABSOLUTE"/><value xsi:type="GLIST_TS"><head value="0"/><increment value="2" unit="ms"/></value></sequence></component>
<component><sequence><code code="MDC_ECG_LEAD_I"/><value xsi:type="SLIST_PQ"><origin value="0.1" unit="mV"/><scale value="5" unit="uV"/><digits>1 2 -3</digits></value></sequence></component>
</sequenceSet></component></series></component></AnnotatedECG>"#;

    #[test]
    fn origin_scale_and_increment() {
        let ecg = read_aecg(MINIMAL.as_bytes(), &Limits::default()).unwrap();
        assert_eq!(ecg.sample_rate_hz(), 500.0);
        assert_eq!(
            ecg.lead(Lead::I).unwrap().samples_uv,
            vec![105.0, 110.0, 85.0]
        );
    }

    #[test]
    fn errors_name_the_element() {
        let no_time = MINIMAL.replace("TIME_ABSOLUTE", "SOMETHING");
        let err = read_aecg(no_time.as_bytes(), &Limits::default()).unwrap_err();
        assert!(err.to_string().contains("no time sequence"), "{err}");
        let bad_digit = MINIMAL.replace("1 2 -3", "1 x -3");
        let err = read_aecg(bad_digit.as_bytes(), &Limits::default()).unwrap_err();
        assert!(
            err.to_string()
                .contains("sequence: sample 2 is not a number")
                || err.to_string().contains("digits: sample 2"),
            "{err}"
        );
    }

    #[test]
    fn other_channels_are_kept_and_non_voltages_left_out() {
        let extra = r#"<component><sequence><code code="MDC_ECG_LEAD_V4R"/><value xsi:type="SLIST_PQ"><origin value="0" unit="uV"/><scale value="1" unit="uV"/><digits>4 5 6</digits></value></sequence></component>
<component><sequence><code code="MDC_PRESS_BLD"/><value xsi:type="SLIST_PQ"><origin value="0" unit="mm[Hg]"/><scale value="1" unit="mm[Hg]"/><digits>80 81 82</digits></value></sequence></component>
</sequenceSet>"#;
        let text = MINIMAL.replacen("</sequenceSet>", extra, 1);
        let ecg = read_aecg(text.as_bytes(), &Limits::default()).unwrap();
        assert_eq!(ecg.other_channels()[0].name, "MDC_ECG_LEAD_V4R");
        assert_eq!(ecg.other_channels()[0].samples_uv, vec![4.0, 5.0, 6.0]);
        assert_eq!(ecg.other_channels().len(), 1);
        assert_eq!(ecg.warnings()[0].kind(), "channel_ignored");
    }
}
