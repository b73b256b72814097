//! DICOM ECG waveforms (PS3.3 C.10.9): 12-lead, General and Ambulatory ECG Waveform Storage,
//! little-endian, explicit or implicit VR, with or without the 128-byte preamble.
//!
//! Every multiplex group of the `WaveformSequence (5400,0100)` is read; the rhythm group (label
//! `RHYTHM`, else the one with most samples) is the record. Channels are mapped by their
//! `ChannelSourceSequence` code (SCPECG `5.6.3-9-N` or MDC `2:N`, N the SCP-ECG lead number),
//! falling back to the code meaning, never by position. Physical value = raw ×
//! `ChannelSensitivity` × `ChannelSensitivityCorrectionFactor` + `ChannelBaseline`, in the
//! sensitivity's units (µV or mV). Patient modules are skipped, never kept.
//!
//! Not supported (clear errors): big-endian and deflated transfer syntaxes, compressed pixel
//! encapsulation (irrelevant to waveforms), 8-bit sample interpretations other than SB/UB.

use crate::ecg::{AcquisitionInfo, Ecg, Lead, LeadSignal, NamedSignal};
use crate::formats::{ErrorKind, LimitAt, Limits, OverLimit};

/// Why a DICOM file could not be read. `tag` is `(gggg,eeee)`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum DicomError {
    /// The bytes end inside an element, or a length points past the end.
    #[error("byte {byte_offset}, tag {tag}: {what}")]
    Malformed {
        /// Where the element starts.
        byte_offset: usize,
        /// Its tag.
        tag: String,
        /// What is wrong.
        what: String,
    },
    /// A transfer syntax this reader does not decode.
    #[error("transfer syntax {0} is not supported (little-endian implicit or explicit VR only)")]
    TransferSyntax(String),
    /// Not an ECG waveform object.
    #[error("SOP class {0} is not an ECG waveform (12-lead, general or ambulatory ECG storage)")]
    NotEcg(String),
    /// A required attribute is missing or unusable.
    #[error("{path}, tag {tag}: {what}")]
    Attribute {
        /// Where: `WaveformSequence[1]/ChannelDefinitionSequence[3]` …
        path: String,
        /// The attribute's tag.
        tag: String,
        /// What is wrong.
        what: String,
    },
    /// Over the limits, at a place in the data set.
    #[error(transparent)]
    Limit(#[from] LimitAt),
    /// The DICOM file's leads broke an invariant of [`Ecg`].
    #[error(transparent)]
    Ecg(#[from] crate::ecg::EcgError),
}

impl DicomError {
    /// Whose fault this DICOM error is.
    pub fn kind(&self) -> ErrorKind {
        match self {
            DicomError::TransferSyntax(_) | DicomError::NotEcg(_) => ErrorKind::Unsupported,
            DicomError::Limit(_) => ErrorKind::Limit,
            _ => ErrorKind::Malformed,
        }
    }
}

type Tag = (u16, u16);

/// The elements of a data set or a sequence item, in file order.
type Elements<'a> = Vec<(Tag, Value<'a>)>;

fn tag_name(tag: Tag) -> String {
    format!("({:04X},{:04X})", tag.0, tag.1)
}

const ITEM: Tag = (0xFFFE, 0xE000);
const ITEM_END: Tag = (0xFFFE, 0xE00D);
const SEQUENCE_END: Tag = (0xFFFE, 0xE0DD);
const TRANSFER_SYNTAX: Tag = (0x0002, 0x0010);
const SOP_CLASS: Tag = (0x0008, 0x0016);
const WAVEFORM_SEQUENCE: Tag = (0x5400, 0x0100);
const CHANNELS: Tag = (0x003A, 0x0005);
const SAMPLES: Tag = (0x003A, 0x0010);
const SAMPLING_FREQUENCY: Tag = (0x003A, 0x001A);
const GROUP_LABEL: Tag = (0x003A, 0x0020);
const CHANNEL_DEFINITIONS: Tag = (0x003A, 0x0200);
const CHANNEL_SOURCE: Tag = (0x003A, 0x0208);
const SENSITIVITY: Tag = (0x003A, 0x0210);
const SENSITIVITY_UNITS: Tag = (0x003A, 0x0211);
const CORRECTION_FACTOR: Tag = (0x003A, 0x0212);
const BASELINE: Tag = (0x003A, 0x0213);
const CODE_VALUE: Tag = (0x0008, 0x0100);
const CODE_MEANING: Tag = (0x0008, 0x0104);
const BITS_ALLOCATED: Tag = (0x5400, 0x1004);
const MANUFACTURER: Tag = (0x0008, 0x0070);
const MODEL: Tag = (0x0008, 0x1090);
const ACQUISITION_DATETIME: Tag = (0x0008, 0x002A);
const CONTENT_DATE: Tag = (0x0008, 0x0023);
const CONTENT_TIME: Tag = (0x0008, 0x0033);
const FILTER_LOW: Tag = (0x003A, 0x0220);
const FILTER_HIGH: Tag = (0x003A, 0x0221);
const NOTCH: Tag = (0x003A, 0x0222);
const INTERPRETATION: Tag = (0x5400, 0x1006);
const WAVEFORM_DATA: Tag = (0x5400, 0x1010);

/// Tags that hold sequences: implicit VR needs this to know (a small dictionary of the ones an
/// ECG object uses; any element of undefined length is also read as a sequence).
fn implicit_is_sequence(tag: Tag) -> bool {
    matches!(
        tag,
        WAVEFORM_SEQUENCE | CHANNEL_DEFINITIONS | CHANNEL_SOURCE | SENSITIVITY_UNITS
    ) || matches!(
        tag,
        (0x003A, 0x0209) // channel source modifiers
            | (0x003A, 0x0300) // multiplexed audio channels
            | (0x0040, 0xA730) // content sequence
            | (0x0040, 0xA043) // concept name code
            | (0x0040, 0xA168) // concept code
            | (0x0008, 0x1032) // procedure code
            | (0x0008, 0x1111) // referenced performed procedure step
            | (0x0008, 0x1115) // referenced series
            | (0x0008, 0x1140) // referenced image
            | (0x0008, 0x1199) // referenced SOP
            | (0x0032, 0x1064) // requested procedure code
            | (0x0040, 0x0260) // performed protocol code
            | (0x0040, 0x0275) // request attributes
            | (0x0040, 0xB020) // waveform annotation
            | (0x003A, 0x0240) // channel filters? (source modifiers in some editions)
    )
}

/// One parsed element: a value or nested items.
#[derive(Debug)]
enum Value<'a> {
    Bytes(&'a [u8]),
    Items(Vec<Vec<(Tag, Value<'a>)>>),
}

struct Parser<'a> {
    bytes: &'a [u8],
    explicit: bool,
    depth: usize,
}

impl<'a> Parser<'a> {
    fn err(&self, offset: usize, tag: Tag, what: impl Into<String>) -> DicomError {
        DicomError::Malformed {
            byte_offset: offset,
            tag: tag_name(tag),
            what: what.into(),
        }
    }

    fn u16_at(&self, pos: usize) -> Option<u16> {
        self.bytes
            .get(pos..pos + 2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]))
    }

    fn u32_at(&self, pos: usize) -> Option<u32> {
        self.bytes
            .get(pos..pos + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// Where a sequence or item of `length` bytes from `pos` ends: `None` for the undefined
    /// length (it ends at its delimiter), `Err` when it would end past the file.
    fn end_of(&self, pos: usize, length: u32) -> Result<Option<usize>, ()> {
        if length == u32::MAX {
            return Ok(None);
        }
        pos.checked_add(length as usize)
            .filter(|&e| e <= self.bytes.len())
            .map(Some)
            .ok_or(())
    }

    /// An element's VR (explicit syntax only) and value length, `pos` moved past them.
    fn vr_and_length(
        &self,
        pos: &mut usize,
        start: usize,
        tag: Tag,
        explicit: bool,
    ) -> Result<(Option<[u8; 2]>, u32), DicomError> {
        let short = |what| self.err(start, tag, what);
        if !explicit {
            let len = self
                .u32_at(*pos)
                .ok_or_else(|| short("the file ends inside a length"))?;
            *pos += 4;
            return Ok((None, len));
        }
        let vr = self
            .bytes
            .get(*pos..*pos + 2)
            .ok_or_else(|| short("the file ends inside a VR"))?;
        let vr = [vr[0], vr[1]];
        *pos += 2;
        // These VRs have two reserved bytes and a 32-bit length; the others a 16-bit length.
        let long = matches!(
            &vr,
            b"OB"
                | b"OW"
                | b"OF"
                | b"SQ"
                | b"UT"
                | b"UN"
                | b"UC"
                | b"UR"
                | b"OD"
                | b"OL"
                | b"OV"
                | b"SV"
                | b"UV"
        );
        if long {
            let len = self
                .u32_at(*pos + 2)
                .ok_or_else(|| short("the file ends inside a length"))?;
            *pos += 6;
            Ok((Some(vr), len))
        } else {
            let len = self
                .u16_at(*pos)
                .ok_or_else(|| short("the file ends inside a length"))?;
            *pos += 2;
            Ok((Some(vr), u32::from(len)))
        }
    }

    /// The items of a sequence from `pos` until `seq_end` (or its delimiter when undefined),
    /// `pos` moved past the last one read.
    fn items(
        &mut self,
        pos: &mut usize,
        seq_end: Option<usize>,
        tag: Tag,
        explicit: bool,
    ) -> Result<Vec<Elements<'a>>, DicomError> {
        let mut items = Vec::new();
        loop {
            if seq_end.is_some_and(|e| *pos >= e) {
                break;
            }
            let (Some(g), Some(e), Some(item_len)) = (
                self.u16_at(*pos),
                self.u16_at(*pos + 2),
                self.u32_at(*pos + 4),
            ) else {
                return Err(self.err(*pos, tag, "the file ends inside a sequence"));
            };
            let item_start = *pos;
            *pos += 8;
            match (g, e) {
                (0xFFFE, 0xE0DD) => break,
                (0xFFFE, 0xE000) => {
                    let item_end = self.end_of(*pos, item_len).map_err(|()| {
                        self.err(item_start, ITEM, "the item length points past the end")
                    })?;
                    let (elements, next) = self.elements(*pos, item_end, explicit)?;
                    items.push(elements);
                    *pos = item_end.unwrap_or(next);
                }
                _ => {
                    return Err(self.err(item_start, (g, e), "expected a sequence item"));
                }
            }
        }
        Ok(items)
    }

    /// Reads elements from `pos` until `end` (or an item/sequence delimiter when `end` is
    /// `None`). Returns the elements and the position after them.
    fn elements(
        &mut self,
        mut pos: usize,
        end: Option<usize>,
        explicit: bool,
    ) -> Result<(Vec<(Tag, Value<'a>)>, usize), DicomError> {
        let mut out = Vec::new();
        loop {
            if end.is_some_and(|e| pos >= e) || (end.is_none() && pos >= self.bytes.len()) {
                return Ok((out, pos));
            }
            let start = pos;
            let (Some(group), Some(element)) = (self.u16_at(pos), self.u16_at(pos + 2)) else {
                return Err(self.err(start, (0, 0), "the file ends inside an element tag"));
            };
            let tag = (group, element);
            pos += 4;
            if tag == ITEM_END || tag == SEQUENCE_END {
                return Ok((out, pos + 4));
            }
            // The file meta group is always explicit VR.
            let (vr, length) =
                self.vr_and_length(&mut pos, start, tag, explicit || group == 0x0002)?;
            let undefined = length == u32::MAX;
            let is_sequence = match vr {
                Some(vr) => &vr == b"SQ" || (undefined && &vr == b"UN"),
                None => implicit_is_sequence(tag) || undefined,
            };
            if is_sequence {
                self.depth += 1;
                if self.depth > 16 {
                    return Err(self.err(start, tag, "sequences nested deeper than 16 levels"));
                }
                let seq_end = self.end_of(pos, length).map_err(|()| {
                    self.err(start, tag, "the sequence length points past the end")
                })?;
                let items = self.items(&mut pos, seq_end, tag, explicit)?;
                self.depth -= 1;
                if let Some(e) = seq_end {
                    pos = e;
                }
                out.push((tag, Value::Items(items)));
            } else {
                if undefined {
                    return Err(self.err(
                        start,
                        tag,
                        "undefined length outside a sequence (encapsulated data is not supported)",
                    ));
                }
                let value_end = pos
                    .checked_add(length as usize)
                    .filter(|&e| e <= self.bytes.len() && end.is_none_or(|end| e <= end))
                    .ok_or_else(|| {
                        self.err(
                            start,
                            tag,
                            format!("a length of {length} bytes points past the end"),
                        )
                    })?;
                out.push((tag, Value::Bytes(&self.bytes[pos..value_end])));
                pos = value_end;
            }
        }
    }
}

fn find<'v, 'a>(elements: &'v [(Tag, Value<'a>)], tag: Tag) -> Option<&'v Value<'a>> {
    elements.iter().find(|(t, _)| *t == tag).map(|(_, v)| v)
}

fn text(elements: &[(Tag, Value<'_>)], tag: Tag) -> Option<String> {
    match find(elements, tag)? {
        Value::Bytes(b) => Some(
            String::from_utf8_lossy(b)
                .trim_matches(|c: char| c == '\0' || c.is_whitespace())
                .to_string(),
        ),
        Value::Items(_) => None,
    }
}

fn items<'v, 'a>(elements: &'v [(Tag, Value<'a>)], tag: Tag) -> &'v [Vec<(Tag, Value<'a>)>] {
    match find(elements, tag) {
        Some(Value::Items(items)) => items,
        _ => &[],
    }
}

fn uint(elements: &[(Tag, Value<'_>)], tag: Tag) -> Option<u64> {
    match find(elements, tag)? {
        Value::Bytes(b) if b.len() == 2 => Some(u64::from(u16::from_le_bytes([b[0], b[1]]))),
        Value::Bytes(b) if b.len() == 4 => {
            Some(u64::from(u32::from_le_bytes([b[0], b[1], b[2], b[3]])))
        }
        _ => None,
    }
}

fn decimal(elements: &[(Tag, Value<'_>)], tag: Tag) -> Option<f64> {
    text(elements, tag)?
        .split('\\')
        .next()?
        .trim()
        .parse()
        .ok()
        .filter(|v: &f64| v.is_finite())
}

/// The lead a channel's source code names: SCP-ECG lead numbers (via SCPECG `5.6.3-9-N` or MDC
/// `2:N`), else the code meaning ("Lead I (Einthoven)", "aVR, augmented voltage, right").
fn channel_lead(source: &[(Tag, Value<'_>)]) -> Result<Lead, String> {
    let code = text(source, CODE_VALUE).unwrap_or_default();
    let number = code
        .strip_prefix("5.6.3-9-")
        .or_else(|| code.strip_prefix("2:"))
        .and_then(|n| n.parse::<u32>().ok());
    let by_number = number.and_then(|n| match n {
        1 => Some(Lead::I),
        2 => Some(Lead::II),
        3 => Some(Lead::V1),
        4 => Some(Lead::V2),
        5 => Some(Lead::V3),
        6 => Some(Lead::V4),
        7 => Some(Lead::V5),
        8 => Some(Lead::V6),
        61 => Some(Lead::III),
        62 => Some(Lead::AVR),
        63 => Some(Lead::AVL),
        64 => Some(Lead::AVF),
        _ => None,
    });
    if let Some(lead) = by_number {
        return Ok(lead);
    }
    let meaning = text(source, CODE_MEANING).unwrap_or_default();
    let short = meaning
        .split([',', '('])
        .next()
        .unwrap_or_default()
        .trim()
        .to_string();
    short
        .parse::<Lead>()
        .map_err(|_| if meaning.is_empty() { code } else { meaning })
}

/// One multiplex group, decoded.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// `MultiplexGroupLabel` (RHYTHM, MEDIAN BEAT …), empty when absent.
    pub label: String,
    /// Sampling frequency.
    pub sample_rate_hz: f64,
    /// Channels mapped to leads, in file order.
    pub leads: Vec<LeadSignal>,
    /// Channels that are not standard leads, under their code meaning (or code).
    pub others: Vec<NamedSignal>,
    /// The first channel's filter settings.
    pub filters: Option<String>,
}

/// Reads every multiplex group of a DICOM ECG waveform object, and the device and acquisition
/// time of the object (patient modules are skipped).
pub fn read_dicom_groups(
    bytes: &[u8],
    limits: &Limits,
) -> Result<(Vec<Group>, AcquisitionInfo), DicomError> {
    limits
        .check_bytes(bytes.len())
        .map_err(|over| over.at("file"))?;
    let start = if bytes.get(128..132) == Some(b"DICM") {
        132
    } else {
        0
    };
    // Meta group first (explicit VR), to learn the transfer syntax.
    let mut parser = Parser {
        bytes,
        explicit: true,
        depth: 0,
    };
    let mut pos = start;
    let mut syntax = String::from("1.2.840.10008.1.2.1");
    if parser.u16_at(pos) == Some(0x0002) {
        // The meta group (always explicit VR), one element at a time until the group changes.
        let mut p = pos;
        let mut meta_elements = Vec::new();
        while parser.u16_at(p) == Some(0x0002) {
            let (mut one, next) = parser.elements_one(p)?;
            meta_elements.append(&mut one);
            p = next;
        }
        if let Some(ts) = text(&meta_elements, TRANSFER_SYNTAX) {
            syntax = ts;
        }
        pos = p;
    } else if start == 0 {
        // No preamble, no meta: guess implicit VR when the first element has no VR letters.
        let looks_explicit = bytes
            .get(4..6)
            .is_some_and(|vr| vr.iter().all(u8::is_ascii_uppercase));
        if !looks_explicit {
            syntax = "1.2.840.10008.1.2".into();
        }
    }
    parser.explicit = match syntax.as_str() {
        "1.2.840.10008.1.2" => false,
        "1.2.840.10008.1.2.1" => true,
        other => return Err(DicomError::TransferSyntax(other.to_string())),
    };
    let explicit = parser.explicit;
    let (dataset, _) = parser.elements(pos, None, explicit)?;
    if let Some(class) = text(&dataset, SOP_CLASS)
        && !class.starts_with("1.2.840.10008.5.1.4.1.1.9.1.")
    {
        return Err(DicomError::NotEcg(class));
    }
    let groups = items(&dataset, WAVEFORM_SEQUENCE);
    if groups.is_empty() {
        return Err(DicomError::Attribute {
            path: "dataset".into(),
            tag: tag_name(WAVEFORM_SEQUENCE),
            what: "no WaveformSequence: this object holds no waveform".into(),
        });
    }
    let groups = groups
        .iter()
        .enumerate()
        .map(|(g, group)| read_group(group, &format!("WaveformSequence[{}]", g + 1), limits))
        .collect::<Result<Vec<_>, _>>()?;
    let device: Vec<String> = [text(&dataset, MANUFACTURER), text(&dataset, MODEL)]
        .into_iter()
        .flatten()
        .filter(|t| !t.is_empty() && t != "Unknown")
        .collect();
    let acquired = text(&dataset, ACQUISITION_DATETIME).or_else(|| {
        let parts: Vec<String> = [text(&dataset, CONTENT_DATE), text(&dataset, CONTENT_TIME)]
            .into_iter()
            .flatten()
            .collect();
        (!parts.is_empty()).then(|| parts.join(" "))
    });
    let info = AcquisitionInfo {
        device: (!device.is_empty()).then(|| device.join(" ")),
        acquired: acquired.filter(|a| !a.is_empty()),
        cart_filters: None,
    };
    Ok((groups, info))
}

impl<'a> Parser<'a> {
    /// Parses exactly one element at `pos` (used for the meta group).
    fn elements_one(&mut self, pos: usize) -> Result<(Vec<(Tag, Value<'a>)>, usize), DicomError> {
        // Length of one explicit element: tag 4, VR 2, then 2 (short) or 2 + 4 (long).
        let vr = self
            .bytes
            .get(pos + 4..pos + 6)
            .ok_or_else(|| self.err(pos, (0x0002, 0), "the file ends inside the meta group"))?;
        let long = matches!(vr, b"OB" | b"OW" | b"UN" | b"SQ" | b"UT");
        let header = if long { 12 } else { 8 };
        let len = if long {
            self.u32_at(pos + 8).map(|v| v as usize)
        } else {
            self.u16_at(pos + 6).map(usize::from)
        }
        .ok_or_else(|| self.err(pos, (0x0002, 0), "the file ends inside the meta group"))?;
        let end = pos
            .checked_add(header + len)
            .filter(|&e| e <= self.bytes.len())
            .ok_or_else(|| self.err(pos, (0x0002, 0), "a meta element runs past the end"))?;
        self.elements(pos, Some(end), true)
    }
}

/// A standard lead, or the name of a channel that is not one.
type LeadOrName = Result<Lead, String>;

/// A multiplex group's interleaved samples: `width` bytes each, little endian.
struct Multiplex<'a> {
    data: &'a [u8],
    channels: usize,
    width: usize,
    signed: bool,
}

impl Multiplex<'_> {
    /// The stored value of one channel at one frame.
    fn raw(&self, frame: usize, channel: usize) -> f64 {
        let at = (frame * self.channels + channel) * self.width;
        let b = &self.data[at..at + self.width];
        match (self.width, self.signed) {
            (2, true) => f64::from(i16::from_le_bytes([b[0], b[1]])),
            (2, false) => f64::from(u16::from_le_bytes([b[0], b[1]])),
            (1, true) => f64::from(b[0] as i8),
            (1, false) => f64::from(b[0]),
            (_, true) => f64::from(i32::from_le_bytes([b[0], b[1], b[2], b[3]])),
            (_, false) => f64::from(u32::from_le_bytes([b[0], b[1], b[2], b[3]])),
        }
    }
}

/// One channel: its lead (or its name when not a standard lead) and its samples in µV
/// (sensitivity × correction + baseline, in the definition's unit).
fn read_channel(
    definition: &[(Tag, Value<'_>)],
    cpath: &str,
    multiplex: &Multiplex,
    c: usize,
    samples: usize,
) -> Result<(LeadOrName, Vec<f32>), DicomError> {
    let source =
        items(definition, CHANNEL_SOURCE)
            .first()
            .ok_or_else(|| DicomError::Attribute {
                path: cpath.to_string(),
                tag: tag_name(CHANNEL_SOURCE),
                what: "missing".into(),
            })?;
    let lead = channel_lead(source);
    let sensitivity = decimal(definition, SENSITIVITY).unwrap_or(1.0);
    let correction = decimal(definition, CORRECTION_FACTOR).unwrap_or(1.0);
    let baseline = decimal(definition, BASELINE).unwrap_or(0.0);
    let unit = items(definition, SENSITIVITY_UNITS)
        .first()
        .and_then(|u| text(u, CODE_VALUE))
        .unwrap_or_else(|| "uV".into());
    let to_uv = match unit.as_str() {
        "uV" | "µV" => 1.0,
        "mV" => 1000.0,
        "V" => 1e6,
        other => {
            return Err(DicomError::Attribute {
                path: cpath.to_string(),
                tag: tag_name(SENSITIVITY_UNITS),
                what: format!("unit '{other}' is not a voltage"),
            });
        }
    };
    let samples_uv = (0..samples)
        .map(|f| ((multiplex.raw(f, c) * sensitivity * correction + baseline) * to_uv) as f32)
        .collect();
    Ok((lead, samples_uv))
}

fn read_group(
    group: &[(Tag, Value<'_>)],
    path: &str,
    limits: &Limits,
) -> Result<Group, DicomError> {
    let missing = |tag: Tag, what: &str| DicomError::Attribute {
        path: path.to_string(),
        tag: tag_name(tag),
        what: what.to_string(),
    };
    let channels = uint(group, CHANNELS).ok_or_else(|| missing(CHANNELS, "missing"))? as usize;
    let samples = uint(group, SAMPLES).ok_or_else(|| missing(SAMPLES, "missing"))? as usize;
    if channels > limits.max_columns {
        return Err(DicomError::Limit(
            OverLimit {
                what: "channels",
                found: channels,
                limit: limits.max_columns,
            }
            .at(path),
        ));
    }
    if samples > limits.max_samples_per_lead {
        return Err(DicomError::Limit(
            OverLimit {
                what: "samples",
                found: samples,
                limit: limits.max_samples_per_lead,
            }
            .at(path),
        ));
    }
    let rate = decimal(group, SAMPLING_FREQUENCY)
        .filter(|r| *r > 0.0)
        .ok_or_else(|| missing(SAMPLING_FREQUENCY, "missing or not a positive number"))?;
    crate::ecg::check_sample_rate(rate)?;
    limits
        .check_duration(samples, rate)
        .map_err(|over| over.at(path))?;
    let bits = uint(group, BITS_ALLOCATED).unwrap_or(16);
    let interpretation = text(group, INTERPRETATION).unwrap_or_else(|| "SS".into());
    let width = match (bits, interpretation.as_str()) {
        (16, "SS" | "US") => 2,
        (8, "SB" | "UB") => 1,
        (32, "SL" | "UL") => 4,
        _ => {
            return Err(DicomError::Attribute {
                path: path.into(),
                tag: tag_name(INTERPRETATION),
                what: format!("{bits}-bit '{interpretation}' samples are not supported"),
            });
        }
    };
    let data = match find(group, WAVEFORM_DATA) {
        Some(Value::Bytes(b)) => *b,
        _ => return Err(missing(WAVEFORM_DATA, "missing")),
    };
    let needed = channels * samples * width;
    if data.len() < needed {
        return Err(DicomError::Attribute {
            path: path.into(),
            tag: tag_name(WAVEFORM_DATA),
            what: format!(
                "{} bytes, but {channels} channels × {samples} samples need {needed}",
                data.len()
            ),
        });
    }
    let definitions = items(group, CHANNEL_DEFINITIONS);
    if definitions.len() != channels {
        return Err(DicomError::Attribute {
            path: path.into(),
            tag: tag_name(CHANNEL_DEFINITIONS),
            what: format!(
                "{} channel definitions for {channels} channels",
                definitions.len()
            ),
        });
    }
    let multiplex = Multiplex {
        data,
        channels,
        width,
        signed: interpretation.starts_with('S'),
    };
    let mut leads = Vec::new();
    let mut others = Vec::new();
    for (c, definition) in definitions.iter().enumerate() {
        let cpath = format!("{path}/ChannelDefinitionSequence[{}]", c + 1);
        let (lead, samples_uv) = read_channel(definition, &cpath, &multiplex, c, samples)?;
        match lead {
            Ok(lead) => leads.push(LeadSignal {
                lead,
                samples_uv,
                derived: false,
            }),
            Err(name) => others.push(NamedSignal { name, samples_uv }),
        }
    }
    let filters = definitions.first().and_then(|d| {
        AcquisitionInfo::describe_filters(
            decimal(d, FILTER_LOW),
            decimal(d, FILTER_HIGH),
            decimal(d, NOTCH),
        )
    });
    Ok(Group {
        label: text(group, GROUP_LABEL).unwrap_or_default(),
        sample_rate_hz: rate,
        leads,
        others,
        filters,
    })
}

/// Reads the rhythm group of a DICOM ECG as an [`Ecg`].
pub fn read_dicom(bytes: &[u8], limits: &Limits) -> Result<Ecg, DicomError> {
    let (groups, mut info) = read_dicom_groups(bytes, limits)?;
    let rhythm = groups
        .iter()
        .position(|g| g.label.eq_ignore_ascii_case("RHYTHM"))
        .or_else(|| {
            (0..groups.len())
                .max_by_key(|&i| groups[i].leads.first().map_or(0, |l| l.samples_uv.len()))
        })
        .unwrap_or(0);
    let group = groups
        .into_iter()
        .nth(rhythm)
        .ok_or(DicomError::Attribute {
            path: "dataset".into(),
            tag: tag_name(WAVEFORM_SEQUENCE),
            what: "empty".into(),
        })?;
    info.cart_filters = group.filters;
    Ok(Ecg::new(group.leads, group.sample_rate_hz, Vec::new())?
        .with_info(info)
        .with_other_channels(group.others)?)
}
