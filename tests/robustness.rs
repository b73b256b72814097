//! Never a panic: every prefix (step 64 bytes) of the MUSE, Philips, aECG, DICOM and WFDB
//! fixtures, alone and
//! as part of its record, gives a record or a typed error. (The CSV reader's bad inputs are in
//! tests/fixtures/bad/; a prefix sweep of every format and a fuzz target are issue 4's.)
#![cfg(not(target_arch = "wasm32"))]

use ecg_stenosis::formats::{InputFile, Limits, ReadOptions, read_files};

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
    let cases: [(&[&str], usize); 11] = [
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
    ];
    for (files, cut) in cases {
        let tried = every_prefix(files, cut);
        println!("{}: {tried} prefixes of {}", files.join(" + "), files[cut]);
    }
}
