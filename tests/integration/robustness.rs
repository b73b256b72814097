//! Never a panic: every prefix (step 64 bytes) of the MUSE, Philips, aECG, DICOM, SCP, EDF and
//! WFDB fixtures, alone and
//! as part of its record, gives a record or a typed error. (The CSV reader's bad inputs are in
//! tests/fixtures/bad/; a prefix sweep of every format and a fuzz target are issue 4's.)

use ecg_stenosis::formats::{InputFile, Limits, ReadOptions, read_files};

use crate::common::fuzz_input;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
const STEP: usize = 64;

fn bytes(path: &str) -> Vec<u8> {
    std::fs::read(format!("{FIXTURES}/{path}")).unwrap()
}

/// Reads `files` with the file at `cut` truncated to every prefix; returns how many were tried.
fn every_prefix(files: &[&str], cut: usize) -> usize {
    let full: Vec<Vec<u8>> = files.iter().map(|f| bytes(f)).collect();
    let mut tried = 0;
    for len in (0..full[cut].len()).step_by(STEP) {
        let inputs: Vec<InputFile> = files
            .iter()
            .zip(&full)
            .enumerate()
            .map(|(i, (name, b))| InputFile {
                name: name.to_string(),
                bytes: if i == cut {
                    b[..len].to_vec()
                } else {
                    b.clone()
                },
            })
            .collect();
        let records = read_files(&inputs, &ReadOptions::default(), &Limits::default());
        for record in records {
            if let Err(e) = record.result {
                // Typed and printable: kind and message exist for every error.
                assert!(!e.to_string().is_empty());
                let _ = e.kind();
            }
        }
        tried += 1;
    }
    tried
}

#[test]
fn prefixes_of_every_reader_fixture() {
    let binformats: Vec<String> = std::iter::once("wfdb/binformats.hea".to_string())
        .chain((0..10).map(|i| format!("wfdb/binformats.d{i}")))
        .collect();
    let binformats: Vec<&str> = binformats.iter().map(String::as_str).collect();
    let cases: [(&[&str], usize); 16] = [
        (&["scp/ecgtoolkit_example.scp"], 0),
        (&["scp/constructed_bimodal.scp"], 0),
        (&["edf/A0001.edf"], 0),
        (&["philips/129DYPRG_v1.03.xml"], 0),
        (&["philips/3191723_v1.04_utf16.xml"], 0),
        (&["hl7-aecg/ecgtoolkit_example.xml"], 0),
        (&["muse/guangxi_sinus_rhythm.xml"], 0),
        (&["muse/synthetic_muse.xml"], 0),
        (&["dicom/ecgtoolkit_example_implicit_vr.dcm"], 0),
        (&["dicom/pydicom_mortara_1000hz.dcm"], 0),
        (&["wfdb/A0002.hea", "wfdb/A0002.mat"], 0),
        (&["wfdb/A0002.hea", "wfdb/A0002.mat"], 1),
        (&binformats, 6),
        (&binformats, 10),
        (&["wfdb/mixed_spf.hea", "wfdb/mixed_spf.dat"], 0),
        (&["wfdb/mixed_spf.hea", "wfdb/mixed_spf.dat"], 1),
    ];
    for (files, cut) in cases {
        let tried = every_prefix(files, cut);
        println!("{}: {tried} prefixes of {}", files.join(" + "), files[cut]);
    }
}

/// Each binary reader called directly (past detection, which a truncated SCP or EDF file would
/// fail) on every prefix of its fixtures; every reader on copies with one byte flipped (every
/// 251st byte for the binary formats, every 997th for the large XML files, whose prefixes the
/// test above already sweeps).
#[test]
fn readers_directly_on_prefixes_and_flipped_bytes() {
    use ecg_stenosis::formats::{aecg, dicom, edf, muse, philips, scp};
    type Reader = fn(&[u8], &Limits) -> Result<(), String>;
    fn wrap<E: std::fmt::Display>(r: Result<ecg_stenosis::ecg::Ecg, E>) -> Result<(), String> {
        r.map(|_| ()).map_err(|e| e.to_string())
    }
    let readers: [(&str, Reader, bool); 9] = [
        (
            "A0001.csv",
            |b, l| {
                let options = ecg_stenosis::formats::CsvOptions {
                    sample_rate_hz: Some(500.0),
                };
                wrap(ecg_stenosis::formats::read_csv(b, &options, l))
            },
            true,
        ),
        (
            "wfdb/s0010_re.hea",
            |b, l| {
                let dat: &[u8] = include_bytes!("../fixtures/wfdb/s0010_re.dat");
                let xyz: &[u8] = include_bytes!("../fixtures/wfdb/s0010_re.xyz");
                let files = |name: &str| match name {
                    "s0010_re.dat" => Some(dat),
                    "s0010_re.xyz" => Some(xyz),
                    _ => None,
                };
                wrap(
                    ecg_stenosis::formats::wfdb::read_wfdb(b, &files, l).and_then(|r| r.into_ecg()),
                )
            },
            true,
        ),
        (
            "scp/ecgtoolkit_example.scp",
            |b, l| wrap(scp::read_scp(b, l)),
            true,
        ),
        ("edf/A0001.edf", |b, l| wrap(edf::read_edf(b, l)), true),
        (
            "dicom/ecgtoolkit_example_implicit_vr.dcm",
            |b, l| wrap(dicom::read_dicom(b, l)),
            true,
        ),
        (
            "dicom/pydicom_mortara_1000hz.dcm",
            |b, l| wrap(dicom::read_dicom(b, l)),
            true,
        ),
        (
            "muse/guangxi_sinus_rhythm.xml",
            |b, l| wrap(muse::read_muse(b, l)),
            false,
        ),
        (
            "philips/3191723_v1.04_utf16.xml",
            |b, l| wrap(philips::read_philips(b, l)),
            false,
        ),
        (
            "hl7-aecg/ecgtoolkit_example.xml",
            |b, l| wrap(aecg::read_aecg(b, l)),
            false,
        ),
    ];
    let limits = Limits::default();
    for (path, read, binary) in readers {
        let full = bytes(path);
        assert!(read(&full, &limits).is_ok(), "{path} reads");
        let (mut errors, mut prefixes) = (0, 0);
        if binary {
            for len in (0..full.len()).step_by(STEP) {
                errors += usize::from(read(&full[..len], &limits).is_err());
                prefixes += 1;
            }
        }
        let flip_step = if binary { 251 } else { 997 };
        let mut flipped = 0;
        for at in (0..full.len()).step_by(flip_step) {
            let mut damaged = full.clone();
            damaged[at] ^= 0x5a;
            flipped += usize::from(read(&damaged, &limits).is_err());
        }
        println!(
            "{path}: {errors} of {prefixes} prefixes and {flipped} of {} flipped copies refused, none panicked",
            full.len().div_ceil(flip_step)
        );
    }
}

/// Every file of tests/fixtures/bad/ and tests/fixtures/bad/fuzz/ (inputs a fuzzer once crashed
/// on), read and taken on the way the fuzz target does it: typed errors, or records through the
/// quality gate and preprocessing, never a panic.
#[test]
fn regression_inputs_never_panic() {
    let mut count = 0;
    for dir in ["bad", "bad/fuzz"] {
        let Ok(entries) = std::fs::read_dir(format!("{FIXTURES}/{dir}")) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if !path.is_file() || path.extension().is_some_and(|e| e == "md") {
                continue;
            }
            fuzz_input::exercise(&std::fs::read(&path).unwrap(), &Limits::default());
            count += 1;
        }
    }
    println!("{count} regression inputs read without a panic");
    assert!(count > 0);
}

/// A recording longer than `Limits::max_duration_secs` is refused with a limit error before
/// its samples are decoded, in every format that gives length and rate up front.
#[test]
fn duration_limit() {
    let limits = Limits {
        max_duration_secs: 5.0,
        ..Limits::default()
    };
    for files in [
        &["wfdb/A0002.hea", "wfdb/A0002.mat"][..],
        &["edf/A0001.edf"],
        &["dicom/ecgtoolkit_example_implicit_vr.dcm"],
        &["muse/guangxi_sinus_rhythm.xml"],
        &["philips/3191723_v1.04_utf16.xml"],
        &["scp/ecgtoolkit_example.scp"],
    ] {
        let inputs: Vec<InputFile> = files
            .iter()
            .map(|f| InputFile {
                name: f.to_string(),
                bytes: bytes(f),
            })
            .collect();
        let record = read_files(&inputs, &ReadOptions::default(), &limits).remove(0);
        let error = record.result.expect_err(files[0]);
        assert_eq!(
            error.kind(),
            ecg_stenosis::formats::ErrorKind::Limit,
            "{}",
            files[0]
        );
        assert!(
            error.to_string().contains("seconds of recording"),
            "{error}"
        );
    }
}
