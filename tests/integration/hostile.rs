//! Hostile and careless input (issue 15): one regression test per class of defect, on inputs
//! the tests generate. Each names the item of the issue it keeps closed.

use ecg_stenosis::formats::{
    ErrorKind, Format, InputFile, Limits, ReadOptions, RecordResult, read_files,
};
use ecg_stenosis::pipeline::{Options, csv_row};

use crate::cli::{csv_rows, run, scratch};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

fn fixture(path: &str) -> Vec<u8> {
    std::fs::read(format!("{FIXTURES}/{path}")).unwrap()
}

fn read_one(name: &str, bytes: Vec<u8>, rate: Option<f64>) -> RecordResult {
    let options = ReadOptions {
        sample_rate_hz: rate,
        ..ReadOptions::default()
    };
    let file = InputFile {
        name: name.into(),
        bytes,
    };
    read_files(&[file], &options, &Limits::default()).remove(0)
}

/// A1's leads without the time column, first `rows` rows: a CSV that needs a rate.
fn csv_without_time(rows: usize) -> String {
    let text = String::from_utf8(fixture("A0001.csv")).unwrap();
    text.lines()
        .take(rows + 1)
        .map(|line| line.split_once(',').unwrap().1.to_string() + "\n")
        .collect()
}

/// A MUSE file whose DTD declares one entity of `value_len` bytes and whose patient name
/// references it `refs` times.
fn muse_with_entity(value_len: usize, refs: usize) -> Vec<u8> {
    let text = String::from_utf8(fixture("muse/synthetic_muse.xml")).unwrap();
    let doctype = "<!DOCTYPE RestingECG SYSTEM \"restecg.dtd\">";
    assert!(text.contains(doctype));
    let subset = format!(
        "<!DOCTYPE RestingECG SYSTEM \"restecg.dtd\" [<!ENTITY big \"{}\">]>",
        "Smith".repeat(value_len / 5)
    );
    text.replacen(doctype, &subset, 1)
        .replacen(
            "<RestingECG>",
            &format!("<RestingECG><Note>{}</Note>", "&big;".repeat(refs)),
            1,
        )
        .into_bytes()
}

/// The ecgtoolkit DICOM with its SamplingFrequency (003A,001A) "500 " made "1E99".
fn dicom_at_1e99_hz() -> Vec<u8> {
    let mut dicom = fixture("dicom/ecgtoolkit_example_implicit_vr.dcm");
    let at = dicom
        .windows(12)
        .position(|w| w == b":\x00\x1a\x00\x04\x00\x00\x00500 ")
        .unwrap();
    dicom[at + 8..at + 12].copy_from_slice(b"1E99");
    dicom
}

/// Item 1: one flat entity referenced a million times is refused as a limit, naming the root
/// element, in milliseconds and without the gigabytes (main took 8.6 GB and 81 s).
#[test]
fn entity_expansion_is_bounded() {
    let bytes = muse_with_entity(2000, 1_000_000);
    assert!(bytes.len() > 5_000_000);
    let record = read_one("laughs.xml", bytes.clone(), None);
    assert_eq!(record.format, Format::Muse);
    let error = record.result.expect_err("refused");
    assert_eq!(error.kind(), ErrorKind::Limit, "{error}");
    let message = error.to_string();
    assert!(message.contains("RestingECG"), "{message}");
    assert!(message.contains("entities"), "{message}");
    assert!(!message.contains("Smith"), "{message}");
    // The identifiers path parses the same document through the same gate.
    let with_patient = ReadOptions {
        keep_patient_identifiers: true,
        ..ReadOptions::default()
    };
    let file = InputFile {
        name: "laughs.xml".into(),
        bytes,
    };
    let record = read_files(&[file], &with_patient, &Limits::default()).remove(0);
    assert!(record.result.is_err() && record.patient.is_none());
    // A few references to a small entity are still read.
    let record = read_one("few.xml", muse_with_entity(20, 3), None);
    assert!(record.result.is_ok(), "{:?}", record.result.err());
}

/// Item 9: the XML parser's messages quote names and text from the file; ours do not.
#[test]
fn xml_errors_carry_no_text_from_the_file() {
    let text = String::from_utf8(fixture("muse/synthetic_muse.xml")).unwrap();
    let broken = text.replacen("<RestingECG>", "<RestingECG><Name>&Smith;</Name>", 1);
    let error = read_one("x.xml", broken.into_bytes(), None)
        .result
        .expect_err("unknown entity");
    let message = error.to_string();
    assert!(!message.contains("Smith"), "{message}");
    assert!(message.contains("entity"), "{message}");
    let broken = text.replacen("<RestingECG>", "<RestingECG><Jones></Smith>", 1);
    let message = read_one("y.xml", broken.into_bytes(), None)
        .result
        .expect_err("mismatched tags")
        .to_string();
    assert!(
        !message.contains("Smith") && !message.contains("Jones"),
        "{message}"
    );
}

/// Item 2: rates no ECG has, from the user or from a file, are refused where the record is
/// built (main panicked in the quality gate, or described 1e-300 Hz as 18446744073709551615 s).
#[test]
fn absurd_rates_are_refused_with_the_rate_named() {
    let csv = csv_without_time(5000).into_bytes();
    for (rate, shown) in [(1e30, "1e30 Hz"), (f64::NAN, "NaN Hz"), (-500.0, "-500 Hz")] {
        let error = read_one("a.csv", csv.clone(), Some(rate))
            .result
            .expect_err("refused");
        assert_eq!(error.kind(), ErrorKind::InvalidInput);
        assert!(error.to_string().contains(shown), "{error}");
    }
    let dicom = dicom_at_1e99_hz();
    let mut edf = fixture("edf/A0001.edf");
    edf[244..252].copy_from_slice(b"1e-300  ");
    let mut slow_edf = fixture("edf/A0001.edf");
    slow_edf[244..252].copy_from_slice(b"1e300   ");
    for (name, bytes, shown) in [
        ("rate.dcm", dicom, "1e99 Hz"),
        ("rate.edf", edf, "Hz is outside"),
        ("slow.edf", slow_edf, "1e300 s, longer than"),
    ] {
        let error = read_one(name, bytes, None).result.expect_err(name);
        let message = error.to_string();
        assert!(message.contains(shown), "{name}: {message}");
        assert!(!message.contains("18446744073709551615"), "{message}");
    }
    let header = String::from_utf8(fixture("wfdb/A0001.hea")).unwrap();
    for (rate, shown) in [
        ("1e300", "1e300 Hz"),
        ("-500", "-500 Hz"),
        ("NaN", "NaN Hz"),
    ] {
        let bad = header.replacen("A0001 12 500 7500", &format!("A0001 12 {rate} 7500"), 1);
        let files = [
            InputFile {
                name: "A0001.hea".into(),
                bytes: bad.into_bytes(),
            },
            InputFile {
                name: "A0001.mat".into(),
                bytes: fixture("wfdb/A0001.mat"),
            },
        ];
        // Item 11: a header with an impossible rate is a WFDB header, not a CSV.
        let record = read_files(&files, &ReadOptions::default(), &Limits::default()).remove(0);
        assert_eq!(record.format, Format::Wfdb, "{rate}");
        let error = record.result.expect_err(rate);
        assert!(error.to_string().contains(shown), "{rate}: {error}");
    }
}

/// Item 2 on the command line: one file with an absurd rate in a batch is one row with its
/// error; the CSV is written and the good file has its estimate (main exited 101, no CSV).
#[test]
fn a_batch_with_an_absurd_rate_still_writes_every_row() {
    let dir = scratch("absurd-rate");
    let dicom = dicom_at_1e99_hz();
    let bad = dir.join("rate.dcm");
    std::fs::write(&bad, dicom).unwrap();
    let out = dir.join("out.csv");
    let (code, _, stderr) = run(&[
        "predict",
        "--csv",
        out.to_str().unwrap(),
        bad.to_str().unwrap(),
        "tests/fixtures/A0001.csv",
    ]);
    assert_eq!(code, 1, "{stderr}");
    let rows = csv_rows(&std::fs::read_to_string(&out).unwrap());
    assert_eq!(rows.len(), 3, "{rows:?}");
    let error = rows[0].iter().position(|c| c == "error").unwrap();
    assert!(rows[1][error].contains("1e99 Hz"), "{:?}", rows[1]);
    assert!(rows[2][2].parse::<f64>().is_ok(), "{:?}", rows[2]);
}

/// Item 7: a record sampled at 1 Hz gets no estimate: unusable, with that reason.
#[test]
fn a_one_hertz_record_is_unusable() {
    let session = crate::common::demo();
    let record = read_one("slow.csv", csv_without_time(200).into_bytes(), Some(1.0));
    let report =
        ecg_stenosis::model::runner::block_on(session.analyse(record, Options::default())).report;
    assert!(report.vessels.is_empty());
    let error = report.error.expect("no estimate");
    assert_eq!(error.kind, ErrorKind::Quality);
    assert!(error.message.contains("1 Hz"), "{}", error.message);
}

/// Item 6: cells a spreadsheet would run as a formula, from file names and from the files'
/// own texts, are written as text.
#[test]
fn csv_cells_cannot_start_a_formula() {
    let session = crate::common::demo();
    let outputs = session.metadata().outputs.clone();
    for (name, message) in [
        ("=HYPERLINK(\"http://x\",\"y\")", "+1"),
        ("@SUM(A1)", "-2+3"),
        ("\tx", "\r=1"),
    ] {
        let report = session.failed(vec![name.into()], ErrorKind::Io, message.into());
        let line = csv_row(&report, &outputs);
        let cells = &csv_rows(&line)[0];
        assert!(cells[0].starts_with('\''), "{cells:?}");
        assert!(
            cells.iter().any(|c| c == &format!("'{message}")),
            "{cells:?}"
        );
    }
    // From the command line, with a file named like a formula.
    let dir = scratch("formula");
    std::fs::copy(
        format!("{FIXTURES}/A0001.csv"),
        dir.join("=cmd|' calc'!A0.csv"),
    )
    .unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_ecg-stenosis"))
        .args(["predict", "--csv", "-", "=cmd|' calc'!A0.csv"])
        .current_dir(&dir)
        .output()
        .unwrap();
    let rows = csv_rows(&String::from_utf8(output.stdout).unwrap());
    assert_eq!(rows[1][0], "'=cmd|' calc'!A0.csv");
}

/// Item 4: unreadable paths are per-file errors in their place (exit 1), not usage errors; a
/// file over the byte limit is refused by its declared size, and something without one
/// (`/dev/zero`) is read only up to the limit.
#[test]
fn unreadable_and_oversized_paths_are_per_file_errors() {
    let dir = scratch("unreadable");
    let huge = dir.join("huge.csv");
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(300 << 20)
        .unwrap();
    let (code, stdout, stderr) = run(&[
        "inspect",
        "does-not-exist.csv",
        huge.to_str().unwrap(),
        dir.to_str().unwrap(),
        "tests/fixtures/A0001.csv",
    ]);
    assert_eq!(code, 1, "{stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 3, "{stderr}");
    assert!(lines[0].contains("does-not-exist.csv") && lines[0].contains("(io)"));
    assert!(
        lines[1].contains("huge.csv")
            && lines[1].contains("314572800, more than the limit of 268435456")
            && lines[1].contains("(limit)"),
        "{}",
        lines[1]
    );
    // A folder stands for the files under it (issue 21): its huge.csv is refused again.
    assert!(
        lines[2].contains("huge.csv") && lines[2].contains("(limit)"),
        "{}",
        lines[2]
    );
    assert!(stdout.contains("A0001.csv"), "{stdout}");
    if std::path::Path::new("/dev/zero").exists() {
        let (code, _, stderr) = run(&["inspect", "/dev/zero"]);
        assert_eq!(code, 1);
        assert!(stderr.contains("more than the limit"), "{stderr}");
    }
}

/// Item 11: rows come in the order the files were given, unreadable ones included (main put
/// the unopenable first).
#[test]
fn batch_rows_keep_the_input_order() {
    let (code, stdout, _) = run(&[
        "predict",
        "--csv",
        "-",
        "tests/fixtures/A0001.csv",
        "missing-1.csv",
        "tests/fixtures/wfdb/A0002.hea",
        "tests/fixtures/wfdb/A0002.mat",
        "missing-2.csv",
    ]);
    assert_eq!(code, 1);
    let files: Vec<String> = csv_rows(&stdout)[1..]
        .iter()
        .map(|r| r[0].clone())
        .collect();
    assert_eq!(
        files,
        [
            "tests/fixtures/A0001.csv",
            "missing-1.csv",
            "tests/fixtures/wfdb/A0002.hea + tests/fixtures/wfdb/A0002.mat",
            "missing-2.csv",
        ]
    );
}

/// Item 11: a closed standard output (`… | head -1`) ends the printing, not the command: no
/// panic, and the CSV it was asked to write is whole.
#[test]
fn a_closed_pipe_is_not_a_panic() {
    use std::process::{Command, Stdio};
    let dir = scratch("pipe");
    let out = dir.join("rows.csv");
    let mut child = Command::new(env!("CARGO_BIN_EXE_ecg-stenosis"))
        .args(["inspect", "--beats"])
        .args(std::iter::repeat_n("tests/fixtures/A0001.csv", 30))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let mut child = Command::new(env!("CARGO_BIN_EXE_ecg-stenosis"))
        .args(["predict", "--csv", out.to_str().unwrap()])
        .args(std::iter::repeat_n("tests/fixtures/A0001.csv", 3))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(csv_rows(&std::fs::read_to_string(&out).unwrap()).len(), 4);
}

/// A readable DICOM whose only (0010,0010) bytes are the end of the file, inside a private
/// element's value, followed by "PN": main's identifier scan read past the end there (the
/// page's print path with identifiers ticked panicked, and the page stopped working).
pub fn crafted_dicom() -> Vec<u8> {
    let mut bytes = fixture("dicom/pydicom_mortara_1000hz.dcm");
    let name = [0x10, 0x00, 0x10, 0x00];
    // The real patient name becomes (0010,0011); the same four bytes inside the waveform
    // data (two samples of 16) become 17 and 16.
    while let Some(at) = bytes.windows(4).position(|w| w == name) {
        bytes[at + 2] = 0x11;
    }
    bytes.extend_from_slice(&[0x11, 0x00, 0x10, 0x00, b'L', b'O', 6, 0]);
    bytes.extend_from_slice(&[0x10, 0x00, 0x10, 0x00, b'P', b'N']);
    bytes
}

/// Item 10: the crafted DICOM reads, and asking for its identifiers gives none, no panic; nor
/// does an SCP whose section pointer is absurd.
#[test]
fn crafted_identifier_elements_do_not_panic() {
    use ecg_stenosis::formats::patient::patient_identifiers;
    let options = ReadOptions {
        keep_patient_identifiers: true,
        ..ReadOptions::default()
    };
    let file = InputFile {
        name: "crafted.dcm".into(),
        bytes: crafted_dicom(),
    };
    let record = read_files(&[file], &options, &Limits::default()).remove(0);
    assert!(record.result.is_ok(), "{:?}", record.result.err());
    assert!(record.patient.is_none_or(|p| p.name.is_none()));
    let mut scp = fixture("scp/ecgtoolkit_example.scp");
    let pointer = 6 + 16 + 10;
    scp[pointer + 2..pointer + 6].copy_from_slice(&u32::MAX.to_le_bytes());
    scp[pointer + 6..pointer + 10].copy_from_slice(&u32::MAX.to_le_bytes());
    let _ = patient_identifiers(Format::Scp, &scp);
}

/// An `.npz` whose central directory lists `count` arrays, none with a conventional name.
fn npz_with_members(count: usize) -> Vec<u8> {
    let mut central = Vec::new();
    for i in 0..count {
        let name = format!("array_{i:05}.npy");
        central.extend_from_slice(b"PK\x01\x02");
        central.extend_from_slice(&[0; 24]);
        central.extend_from_slice(&(name.len() as u16).to_le_bytes());
        central.extend_from_slice(&[0; 16]);
        central.extend_from_slice(name.as_bytes());
    }
    let mut bytes = b"PK\x03\x04".to_vec();
    bytes.extend_from_slice(&[0; 26]);
    let directory_at = bytes.len() as u32;
    bytes.extend_from_slice(&central);
    bytes.extend_from_slice(b"PK\x05\x06\0\0\0\0");
    bytes.extend_from_slice(&(count as u16).to_le_bytes());
    bytes.extend_from_slice(&(count as u16).to_le_bytes());
    bytes.extend_from_slice(&(central.len() as u32).to_le_bytes());
    bytes.extend_from_slice(&directory_at.to_le_bytes());
    bytes.extend_from_slice(&[0, 0]);
    bytes
}

/// Item 11: an error over an archive of 65 535 arrays names a few of them, not all (main's
/// message was 197 kB).
#[test]
fn long_lists_in_errors_are_cut() {
    let error = read_one("many.npz", npz_with_members(65_535), Some(500.0))
        .result
        .expect_err("no conventional name");
    let message = error.to_string();
    assert!(message.len() < 400, "{} bytes: {message}", message.len());
    assert!(message.contains("array_00000"), "{message}");
    assert!(message.contains("and 65530 more"), "{message}");
}

/// Item 11: a MUSE file with more than 4 KiB of comment before its root is still MUSE.
#[test]
fn a_long_prolog_does_not_hide_the_dialect() {
    let text = String::from_utf8(fixture("muse/synthetic_muse.xml")).unwrap();
    let root = text.find("<RestingECG").unwrap();
    let padded = format!(
        "{}<!-- {} -->\n{}",
        &text[..root],
        "x".repeat(64 * 1024),
        &text[root..]
    );
    let record = read_one("long.xml", padded.into_bytes(), None);
    assert_eq!(record.format, Format::Muse);
    assert!(record.result.is_ok());
}
