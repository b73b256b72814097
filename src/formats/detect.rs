//! Which format a file is, by its content (never its name), and reading a set of files into
//! records: a WFDB header claims the signal files it names; every other file is a record.

use crate::ecg::Ecg;
use crate::formats::aecg::{AecgError, read_aecg};
use crate::formats::csv::{CsvError, CsvOptions, read_csv};
use crate::formats::dicom::{DicomError, read_dicom};
use crate::formats::edf::{EdfError, looks_like_edf, read_edf};
use crate::formats::muse::{MuseError, read_muse};
use crate::formats::numpy::{NumpyError, read_npy_ecg, read_npz_ecg};
use crate::formats::patient::{PatientIdentifiers, patient_identifiers};
use crate::formats::philips::{PhilipsError, read_philips};
use crate::formats::scp::{ScpError, looks_like_scp, read_scp};
use crate::formats::wfdb::{WfdbError, looks_like_header, parse_header, read_wfdb};
use crate::formats::xml::sniff_root;
use crate::formats::{ErrorKind, Limits};

/// The formats recognised by content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Format {
    /// WFDB header (`.hea`) with its signal files.
    Wfdb,
    /// Delimited text with a header of lead names.
    Csv,
    /// EDF, EDF+ or BDF.
    Edf,
    /// SCP-ECG.
    Scp,
    /// A NumPy array.
    Npy,
    /// A ZIP archive, read as NumPy `.npz`.
    Zip,
    /// GE MUSE XML (`RestingECG`).
    Muse,
    /// HL7 annotated ECG (`AnnotatedECG`).
    Aecg,
    /// Philips Sierra / PhilipsECG XML (`restingecgdata`).
    Philips,
    /// XML of another dialect.
    Xml,
    /// DICOM.
    Dicom,
    /// A PDF: a printed ECG.
    Pdf,
    /// An image: a printed or photographed ECG.
    Image,
    /// Binary data of no known kind (for example a WFDB signal file without its header).
    Unknown,
}

impl Format {
    /// A stable lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            Format::Wfdb => "wfdb",
            Format::Csv => "csv",
            Format::Edf => "edf",
            Format::Scp => "scp-ecg",
            Format::Npy => "npy",
            Format::Zip => "npz",
            Format::Muse => "muse",
            Format::Aecg => "hl7-aecg",
            Format::Philips => "philips",
            Format::Xml => "xml",
            Format::Dicom => "dicom",
            Format::Pdf => "pdf",
            Format::Image => "image",
            Format::Unknown => "unknown",
        }
    }
}

/// Names the format of `bytes` from their first bytes.
pub fn detect(bytes: &[u8]) -> Format {
    let start = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let trimmed = start
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .map_or(&[][..], |i| &start[i..]);
    if bytes.starts_with(b"%PDF") {
        Format::Pdf
    } else if bytes.starts_with(b"\x89PNG")
        || bytes.starts_with(b"\xff\xd8\xff")
        || bytes.starts_with(b"GIF8")
        || bytes.starts_with(b"II*\0")
        || bytes.starts_with(b"MM\0*")
        || bytes.starts_with(b"BM")
        || (bytes.starts_with(b"RIFF") && bytes.get(8..12) == Some(b"WEBP"))
    {
        Format::Image
    } else if looks_like_edf(bytes) {
        Format::Edf
    } else if looks_like_scp(bytes) {
        Format::Scp
    } else if bytes.starts_with(b"\x93NUMPY") {
        Format::Npy
    } else if bytes.starts_with(b"PK\x03\x04") {
        Format::Zip
    } else if bytes.get(128..132) == Some(b"DICM") {
        Format::Dicom
    } else if trimmed.starts_with(b"<")
        || bytes.starts_with(b"\xff\xfe<")
        || bytes.starts_with(b"\xfe\xff\0<")
    {
        match sniff_root(bytes).as_deref() {
            Some("RestingECG") => Format::Muse,
            Some("AnnotatedECG") => Format::Aecg,
            Some("restingecgdata") => Format::Philips,
            _ => Format::Xml,
        }
    } else if looks_like_header(bytes) {
        Format::Wfdb
    } else if std::str::from_utf8(&bytes[..bytes.len().min(1024)]).is_ok()
        || std::str::from_utf8(&bytes[..bytes.len().min(1021)]).is_ok()
    {
        Format::Csv
    } else {
        Format::Unknown
    }
}

/// Why a file (or a set of files forming one record) could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ReadError {
    /// A PDF or an image.
    #[error(
        "this is a printed ECG ({0}), not a signal file: export the signal (XML, DICOM, SCP, WFDB, EDF, CSV) from the cart or ECG system"
    )]
    Printed(&'static str),
    /// A format recognised but not read by this version.
    #[error("{0} files are not read by this version")]
    NotYetSupported(&'static str),
    /// Binary data of no known ECG format.
    #[error("not a recognised ECG file (a WFDB signal file needs its .hea header given with it)")]
    Unrecognised,
    /// A WFDB record.
    #[error(transparent)]
    Wfdb(#[from] WfdbError),
    /// Delimited text.
    #[error(transparent)]
    Csv(#[from] CsvError),
    /// DICOM waveform.
    #[error(transparent)]
    Dicom(#[from] DicomError),
    /// GE MUSE XML.
    #[error(transparent)]
    Muse(#[from] MuseError),
    /// HL7 aECG.
    #[error(transparent)]
    Aecg(#[from] AecgError),
    /// Philips XML.
    #[error(transparent)]
    Philips(#[from] PhilipsError),
    /// The system could not read the file (its own words, e.g. "permission denied").
    #[error("cannot read: {0}")]
    Io(String),
    /// The file is larger than the byte limit: refused before it is read.
    #[error("{0}")]
    TooLarge(super::OverLimit),
    /// EDF / BDF.
    #[error(transparent)]
    Edf(#[from] EdfError),
    /// SCP-ECG.
    #[error(transparent)]
    Scp(#[from] ScpError),
    /// NumPy `.npy` / `.npz`.
    #[error(transparent)]
    Numpy(#[from] NumpyError),
}

impl ReadError {
    /// Whose fault this is.
    pub fn kind(&self) -> ErrorKind {
        match self {
            ReadError::Io(_) => ErrorKind::Io,
            ReadError::TooLarge(_) => ErrorKind::Limit,
            ReadError::Printed(_) | ReadError::NotYetSupported(_) | ReadError::Unrecognised => {
                ErrorKind::Unsupported
            }
            ReadError::Wfdb(e) => e.kind(),
            ReadError::Csv(e) => e.kind(),
            ReadError::Muse(e) => e.kind(),
            ReadError::Aecg(e) => e.kind(),
            ReadError::Philips(e) => e.kind(),
            ReadError::Edf(e) => e.kind(),
            ReadError::Scp(e) => e.kind(),
            ReadError::Numpy(e) => e.kind(),
            ReadError::Dicom(e) => e.kind(),
        }
    }
}

/// One file handed over: its name (for WFDB cross-references and messages only) and bytes.
#[derive(Debug, Clone)]
pub struct InputFile {
    /// File name as the user gave it (the last path component is used to match WFDB names).
    pub name: String,
    /// Its content.
    pub bytes: Vec<u8>,
}

/// What the caller knows that files may not say, and what it asks for.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ReadOptions {
    /// Sample rate for files that do not give theirs (CSV without a time column, NumPy).
    pub sample_rate_hz: Option<f64>,
    /// Also read the patient identifiers inside the files (name, ID, birth date) into
    /// [`RecordResult::patient`]. Off by default; the command line and the page never set it.
    pub keep_patient_identifiers: bool,
}

/// One record read from one or more files.
#[derive(Debug, Clone)]
pub struct RecordResult {
    /// The files it came from.
    pub sources: Vec<String>,
    /// Its format.
    pub format: Format,
    /// The record (limb leads derived when absent), or why not.
    pub result: Result<Ecg, ReadError>,
    /// The patient identifiers, only when [`ReadOptions::keep_patient_identifiers`] asked.
    pub patient: Option<PatientIdentifiers>,
    /// Time spent recognising and reading it, milliseconds.
    pub read_ms: f64,
}

fn base_name(name: &str) -> &str {
    name.rsplit(['/', '\\']).next().unwrap_or(name)
}

/// The folder part of a path (`a/b/100.hea` → `a/b`; empty for a bare name).
fn folder(name: &str) -> &str {
    name.rfind(['/', '\\']).map_or("", |i| &name[..i])
}

/// Which files form one record, in the order of each record's first file: a WFDB header with
/// the signal files it names, every other file alone. A signal file is matched by its last
/// path component: the one in the header's own folder (`a/100.hea` takes `a/100.dat`, not
/// `b/100.dat`), else the only one of that name anywhere in the set; when several other
/// folders hold one, none is taken (reading the header then says which file is missing). `files` holds each file's name and bytes; for a file
/// that is not a WFDB header its first [`HEAD_BYTES`] are enough, so a caller can plan a batch
/// before reading it whole.
pub fn group_records(files: &[(&str, &[u8])]) -> Vec<Vec<usize>> {
    let mut claimed = vec![false; files.len()];
    let mut groups = Vec::with_capacity(files.len());
    for (i, (header_name, bytes)) in files.iter().enumerate() {
        let mut group = vec![i];
        if detect(bytes) == Format::Wfdb
            && let Ok(header) = parse_header(bytes)
        {
            let here = folder(header_name);
            for spec in &header.signals {
                let wanted = base_name(&spec.file);
                let named = |(name, _): &&(&str, &[u8])| base_name(name) == wanted;
                let beside = files.iter().position(|f| named(&f) && folder(f.0) == here);
                let only = || {
                    let mut found = files.iter().enumerate().filter(|(_, f)| named(f));
                    match (found.next(), found.next()) {
                        (Some((j, _)), None) => Some(j),
                        _ => None,
                    }
                };
                if let Some(j) = beside.or_else(only)
                    && !group.contains(&j)
                {
                    claimed[j] = true;
                    group.push(j);
                }
            }
        }
        groups.push(group);
    }
    groups.retain(|group| !claimed[group[0]]);
    groups
}

/// How much of a file [`detect`] and [`group_records`] look at (all of it for a WFDB header).
pub const HEAD_BYTES: usize = 1 << 20;

/// Reads every record in `files`. A WFDB header takes the signal files it names (matched by
/// file name); files taken that way are not records of their own. Records come in the order of
/// their first file.
pub fn read_files(
    files: &[InputFile],
    options: &ReadOptions,
    limits: &Limits,
) -> Vec<RecordResult> {
    let heads: Vec<(&str, &[u8])> = files
        .iter()
        .map(|f| (f.name.as_str(), f.bytes.as_slice()))
        .collect();
    group_records(&heads)
        .into_iter()
        .map(|group| read_record(files, &group, options, limits))
        .collect()
}

/// The record `group` (from [`group_records`]) of `files` forms.
fn read_record(
    files: &[InputFile],
    group: &[usize],
    options: &ReadOptions,
    limits: &Limits,
) -> RecordResult {
    let started = crate::clock::now_ms();
    let file = &files[group[0]];
    let format = detect(&file.bytes);
    let sources = group.iter().map(|&j| files[j].name.clone()).collect();
    let result = match format {
        Format::Wfdb => {
            let lookup = |name: &str| -> Option<&[u8]> {
                group[1..]
                    .iter()
                    .map(|&j| &files[j])
                    .find(|f| base_name(&f.name) == base_name(name))
                    .map(|f| f.bytes.as_slice())
            };
            read_wfdb(&file.bytes, &lookup, limits)
                .and_then(|r| r.into_ecg())
                .map_err(ReadError::from)
        }
        Format::Csv => read_csv(
            &file.bytes,
            &CsvOptions {
                sample_rate_hz: options.sample_rate_hz,
            },
            limits,
        )
        .map_err(ReadError::from),
        Format::Pdf => Err(ReadError::Printed("PDF")),
        Format::Image => Err(ReadError::Printed("image")),
        Format::Edf => read_edf(&file.bytes, limits).map_err(ReadError::from),
        Format::Scp => read_scp(&file.bytes, limits).map_err(ReadError::from),
        Format::Npy => {
            read_npy_ecg(&file.bytes, options.sample_rate_hz, limits).map_err(ReadError::from)
        }
        Format::Zip => {
            read_npz_ecg(&file.bytes, options.sample_rate_hz, limits).map_err(ReadError::from)
        }
        Format::Muse => read_muse(&file.bytes, limits).map_err(ReadError::from),
        Format::Aecg => read_aecg(&file.bytes, limits).map_err(ReadError::from),
        Format::Philips => read_philips(&file.bytes, limits).map_err(ReadError::from),
        Format::Xml => Err(ReadError::NotYetSupported(
            "XML files other than GE MUSE, HL7 aECG and Philips",
        )),
        Format::Dicom => read_dicom(&file.bytes, limits).map_err(ReadError::from),
        Format::Unknown => Err(ReadError::Unrecognised),
    };
    let result = result.map(Ecg::derive_limb_leads);
    let patient = (options.keep_patient_identifiers && result.is_ok())
        .then(|| patient_identifiers(format, &file.bytes))
        .flatten();
    RecordResult {
        sources,
        format,
        result,
        patient,
        read_ms: crate::clock::since_ms(started),
    }
}

impl RecordResult {
    /// A file that could not be handed to a reader at all (the system could not read it, or
    /// it is over the byte limit), as a record with that error, so a batch keeps its row.
    pub fn unreadable(name: String, error: ReadError) -> Self {
        RecordResult {
            sources: vec![name],
            format: Format::Unknown,
            result: Err(error),
            patient: None,
            read_ms: 0.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detection_by_content() {
        assert_eq!(detect(b"%PDF-1.7\n"), Format::Pdf);
        assert_eq!(detect(b"\x89PNG\r\n\x1a\n"), Format::Image);
        assert_eq!(detect(b"\xff\xd8\xff\xe0"), Format::Image);
        assert_eq!(detect(b"\x93NUMPY\x01\x00"), Format::Npy);
        assert_eq!(
            detect(b"\xef\xbb\xbf<?xml version=\"1.0\"?><svg/>"),
            Format::Xml
        );
        assert_eq!(detect(b"<?xml version=\"1.0\"?>\n<!DOCTYPE RestingECG SYSTEM \"restecg.dtd\">\n<RestingECG>"), Format::Muse);
        assert_eq!(
            detect(b"<AnnotatedECG xmlns=\"urn:hl7-org:v3\">"),
            Format::Aecg
        );
        assert_eq!(
            detect(b"100 2 360 650000\n100.dat 212 200 11 1024 995 -22131 0 MLII\n"),
            Format::Wfdb
        );
        assert_eq!(detect(b"time (s),I,II\n0,0.1,0.2\n"), Format::Csv);
        assert_eq!(detect(&[0x80, 0x81, 0xfe, 0x00, 0x13]), Format::Unknown);
        let mut dicom = vec![0u8; 132];
        dicom[128..].copy_from_slice(b"DICM");
        assert_eq!(detect(&dicom), Format::Dicom);
    }

    #[test]
    fn printed_ecgs_and_orphan_signal_files_get_clear_errors() {
        let files = vec![
            InputFile {
                name: "scan.pdf".into(),
                bytes: b"%PDF-1.4 ...".to_vec(),
            },
            InputFile {
                name: "100.dat".into(),
                bytes: vec![0x80, 0x81, 0xfe, 0x00],
            },
        ];
        let records = read_files(&files, &ReadOptions::default(), &Limits::default());
        assert_eq!(records.len(), 2);
        let message = records[0].result.as_ref().unwrap_err().to_string();
        assert!(message.contains("printed ECG"), "{message}");
        assert!(matches!(records[1].result, Err(ReadError::Unrecognised)));
    }
}
