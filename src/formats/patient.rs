//! Patient identifiers, read only when a caller explicitly asks
//! ([`ReadOptions::keep_patient_identifiers`](crate::formats::ReadOptions)).
//!
//! The readers never touch these fields; this module is the one place that does, so a record
//! read with the default options cannot carry them. They never appear in errors, warnings or
//! logs. The command line never asks for them; the page asks only when the user ticks "include
//! the patient identifiers" for a printed report (`App::patient_identifiers`, in the worker).

use crate::formats::Format;
use crate::formats::xml::{decode_xml_text, parse_document};

/// Who the ECG belongs to, as the file says.
#[derive(Clone, Default, PartialEq)]
pub struct PatientIdentifiers {
    /// Name as the file writes it ("Last, First" where the parts are separate).
    pub name: Option<String>,
    /// Patient or subject identifier.
    pub id: Option<String>,
    /// Date of birth as the file writes it.
    pub birth_date: Option<String>,
}

impl std::fmt::Debug for PatientIdentifiers {
    /// Never prints the values: a `{:?}` in a log must not leak them.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PatientIdentifiers { .. }")
    }
}

/// Longest identifier kept, in characters: a name or an ID is short, a crafted file's is not.
const MAX_CHARS: usize = 128;

fn non_empty(value: Option<String>) -> Option<String> {
    value
        .map(|v| v.trim().chars().take(MAX_CHARS).collect::<String>())
        .filter(|v| !v.is_empty())
}

fn join_name(last: Option<String>, first: Option<String>) -> Option<String> {
    match (non_empty(last), non_empty(first)) {
        (Some(l), Some(f)) => Some(format!("{l}, {f}")),
        (l, f) => l.or(f),
    }
}

fn xml_identifiers(bytes: &[u8], format: Format) -> Option<PatientIdentifiers> {
    let text = decode_xml_text(bytes).ok()?;
    let doc = parse_document(&text).ok()?;
    let find = |name: &str| {
        doc.descendants()
            .find(|n| n.has_tag_name(name))
            .and_then(|n| n.text())
            .map(str::to_string)
    };
    Some(match format {
        Format::Muse => PatientIdentifiers {
            name: join_name(find("PatientLastName"), find("PatientFirstName")),
            id: non_empty(find("PatientID")),
            birth_date: non_empty(find("DateofBirth")),
        },
        Format::Philips => {
            let patient = doc
                .descendants()
                .find(|n| n.has_tag_name("generalpatientdata"))?;
            let within = |name: &str| {
                patient
                    .descendants()
                    .find(|n| n.has_tag_name(name))
                    .and_then(|n| n.text())
                    .map(str::to_string)
            };
            PatientIdentifiers {
                name: join_name(within("lastname"), within("firstname")),
                id: non_empty(within("patientid")),
                birth_date: non_empty(within("dateofbirth")),
            }
        }
        Format::Aecg => {
            let subject = doc.descendants().find(|n| n.has_tag_name("trialSubject"))?;
            let id = subject
                .children()
                .find(|n| n.has_tag_name("id"))
                .and_then(|n| n.attribute("extension"))
                .map(str::to_string);
            let person = subject
                .descendants()
                .find(|n| n.has_tag_name("subjectDemographicPerson"));
            PatientIdentifiers {
                name: non_empty(
                    person
                        .and_then(|p| p.children().find(|n| n.has_tag_name("name")))
                        .and_then(|n| n.text())
                        .map(str::to_string),
                ),
                id: non_empty(id),
                birth_date: person
                    .and_then(|p| p.children().find(|n| n.has_tag_name("birthTime")))
                    .and_then(|n| n.attribute("value"))
                    .map(str::to_string),
            }
        }
        _ => return None,
    })
}

/// DICOM (0010,0010) name, (0010,0020) ID, (0010,0030) birth date: a linear scan for the three
/// top-level elements, explicit or implicit VR.
fn dicom_identifiers(bytes: &[u8]) -> Option<PatientIdentifiers> {
    let value = |element: u16| -> Option<String> {
        let tag = [0x10, 0x00, element as u8, (element >> 8) as u8];
        let at = bytes.windows(4).position(|w| w == tag)?;
        let rest = bytes.get(at + 4..)?;
        let (len, start) = if rest
            .get(..2)
            .is_some_and(|vr| vr.iter().all(u8::is_ascii_uppercase))
        {
            let b = rest.get(2..4)?;
            (usize::from(u16::from_le_bytes([b[0], b[1]])), 4)
        } else {
            let b = rest.get(..4)?;
            (u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize, 4)
        };
        let raw = rest.get(start..start + len.min(256))?;
        non_empty(Some(
            String::from_utf8_lossy(raw)
                .trim_matches(char::from(0))
                .replace('^', ", "),
        ))
    };
    Some(PatientIdentifiers {
        name: value(0x0010),
        id: value(0x0020),
        birth_date: value(0x0030),
    })
}

/// EDF: the local patient field, "code sex birthdate name" in EDF+ ("X" for unknown).
fn edf_identifiers(bytes: &[u8]) -> Option<PatientIdentifiers> {
    let field = String::from_utf8_lossy(bytes.get(8..88)?).to_string();
    let parts: Vec<&str> = field.split_whitespace().collect();
    let known = |s: Option<&&str>| s.filter(|v| **v != "X").map(|v| v.replace('_', " "));
    Some(PatientIdentifiers {
        id: known(parts.first()),
        birth_date: known(parts.get(2)),
        name: known(parts.get(3)),
    })
}

/// SCP-ECG section 1 tags 0 (last name), 1 (first name), 2 (patient ID), 5 (birth date).
fn scp_identifiers(bytes: &[u8]) -> Option<PatientIdentifiers> {
    let u32_at = |at: usize| {
        bytes
            .get(at..at + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
    };
    // Section 0's pointer for section 1 (the second pointer entry).
    let pointers = 6 + 16;
    let mut at = pointers;
    let (start, len) = loop {
        let id = bytes
            .get(at..at + 2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]))?;
        if id == 1 {
            break (u32_at(at + 6)?.checked_sub(1)?, u32_at(at + 2)?);
        }
        at += 10;
        if at > pointers + 10 * 32 {
            return None;
        }
    };
    let section = bytes.get(start..start.checked_add(len)?)?;
    let mut out = PatientIdentifiers::default();
    let (mut last, mut first) = (None, None);
    for entry in super::scp::section1_tags(section) {
        let (tag, value) = entry.ok()?;
        let text = || {
            non_empty(Some(
                String::from_utf8_lossy(value)
                    .trim_matches(char::from(0))
                    .to_string(),
            ))
        };
        match (tag, value) {
            (0, _) => last = text(),
            (1, _) => first = text(),
            (2, _) => out.id = text(),
            (5, [y0, y1, m, d, ..]) => {
                out.birth_date = Some(format!(
                    "{:04}-{m:02}-{d:02}",
                    u16::from_le_bytes([*y0, *y1])
                ));
            }
            _ => {}
        }
    }
    out.name = join_name(last, first);
    Some(out)
}

/// The patient identifiers in a file of `format`, when it has any this reader knows.
pub fn patient_identifiers(format: Format, bytes: &[u8]) -> Option<PatientIdentifiers> {
    match format {
        Format::Muse | Format::Philips | Format::Aecg => xml_identifiers(bytes, format),
        Format::Dicom => dicom_identifiers(bytes),
        Format::Edf => edf_identifiers(bytes),
        Format::Scp => scp_identifiers(bytes),
        _ => None,
    }
    .filter(|p| p.name.is_some() || p.id.is_some() || p.birth_date.is_some())
}
