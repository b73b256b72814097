//! A screening campaign at the command line: `predict DIR` walks folders in path order, WFDB
//! headers take the signal files in their own folder, `--jobs` keeps the order, and
//! `--pseudonymise` leaves no file name in any output.

use std::path::Path;
use std::process::Command;

use crate::cli::{csv_rows, scratch};

fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Runs the binary in `dir`: (exit code, stdout, stderr).
fn run_in(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_ecg-stenosis"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the binary runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// `root/=site/` with two folders holding a WFDB record of the same name (different records),
/// a CSV, a PDF and a text file that is no ECG, one folder deeper than the other.
fn campaign(root: &Path) {
    let site = root.join("=site");
    let a = site.join("a");
    let b = site.join("b/deeper");
    for dir in [&a, &b] {
        std::fs::create_dir_all(dir).unwrap();
    }
    let copy = |from: &str, to: &Path| std::fs::copy(fixture(from), to).unwrap();
    copy("wfdb/A0001.hea", &a.join("A0001.hea"));
    copy("wfdb/A0001.mat", &a.join("A0001.mat"));
    // b's A0001 is A0002's signal under A0001's name: a header that took a's signal file
    // would give a's probabilities.
    let header = std::fs::read_to_string(fixture("wfdb/A0002.hea")).unwrap();
    std::fs::write(b.join("A0001.hea"), header.replace("A0002", "A0001")).unwrap();
    copy("wfdb/A0002.mat", &b.join("A0001.mat"));
    copy("A0001.csv", &site.join("A0001.csv"));
    copy("bad/printed.pdf", &b.join("printed.pdf"));
    std::fs::write(a.join("notes.txt"), "not an ECG\n").unwrap();
}

#[test]
fn predict_walks_a_folder_in_path_order_and_jobs_keep_it() {
    let root = scratch("campaign-walk");
    campaign(&root);
    let table = |jobs: &str| {
        let (code, stdout, stderr) =
            run_in(&root, &["predict", "=site", "--csv", "-", "--jobs", jobs]);
        assert_eq!(code, 1, "bad files make the exit status 1: {stderr}");
        csv_rows(&stdout)
    };
    let one = table("1");
    let two = table("2");
    std::fs::remove_dir_all(&root).ok();
    let files: Vec<&str> = one[1..].iter().map(|row| row[0].as_str()).collect();
    assert_eq!(
        files,
        [
            "'=site/A0001.csv",
            "'=site/a/A0001.hea + =site/a/A0001.mat",
            "'=site/a/notes.txt",
            "'=site/b/deeper/A0001.hea + =site/b/deeper/A0001.mat",
            "'=site/b/deeper/printed.pdf",
        ],
        "sorted by path, each header with the signal file beside it, every cell starting with \
         = neutralised"
    );
    let error = one[0].iter().position(|h| h == "error").unwrap();
    let timing = one[0].iter().position(|h| h == "total_ms").unwrap();
    assert!(
        one[3][error].contains("names no ECG lead"),
        "notes.txt: {:?}",
        one[3]
    );
    assert!(one[5][error].to_lowercase().contains("pdf"), "{:?}", one[5]);
    assert_ne!(one[2][2], one[4][2], "two different records under one name");
    let without_timing = |rows: &[Vec<String>]| -> Vec<Vec<String>> {
        rows.iter()
            .map(|row| {
                let mut row = row.clone();
                row.remove(timing);
                row
            })
            .collect()
    };
    assert_eq!(
        without_timing(&one),
        without_timing(&two),
        "--jobs 2 keeps the rows and their order"
    );
}

#[test]
fn pseudonymise_leaves_no_file_name_in_any_output() {
    let root = scratch("campaign-pseudonyms");
    campaign(&root);
    let (_, csv, _) = run_in(&root, &["predict", "=site", "--csv", "-", "--pseudonymise"]);
    let (_, json, stderr) = run_in(&root, &["predict", "=site", "--json", "--pseudonymise"]);
    std::fs::remove_dir_all(&root).ok();
    for text in [&csv, &json, &stderr] {
        for name in ["site", "A0001", "notes", "printed", "deeper"] {
            assert!(!text.contains(name), "{name} left in: {text}");
        }
    }
    let rows = csv_rows(&csv);
    let names: Vec<&str> = rows[1..].iter().map(|row| row[0].as_str()).collect();
    assert_eq!(names.len(), 5);
    for (i, name) in names.iter().enumerate() {
        assert!(name.starts_with(&format!("record-{:05}-", i + 1)), "{name}");
        assert_eq!(name.len(), "record-00001-".len() + 8, "{name}");
    }
    // The hash is of the contents: the two A0001 records (different signals) differ.
    assert_ne!(names[1][13..], names[3][13..]);
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(json["records"][0]["sources"][0], names[0]);
}

#[test]
fn the_cohort_view_counts_every_estimate_whatever_the_jobs() {
    let root = scratch("campaign-cohort");
    campaign(&root);
    let cohort = |jobs: &str| {
        let (code, stdout, stderr) = run_in(
            &root,
            &[
                "predict",
                "=site",
                "--csv",
                "-",
                "--jobs",
                jobs,
                "--cohort-json",
                "cohort.json",
                "--cohort-svg",
                "cohort.svg",
                "--cohort-saliency",
            ],
        );
        assert_eq!(code, 1, "bad files make the exit status 1: {stderr}");
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(root.join("cohort.json")).unwrap())
                .unwrap();
        let svg = std::fs::read_to_string(root.join("cohort.svg")).unwrap();
        (csv_rows(&stdout), json, svg)
    };
    let (rows, one, svg) = cohort("1");
    let (_, two, _) = cohort("2");
    let (code, _, stderr) = run_in(&root, &["predict", "=site", "--cohort-saliency"]);
    std::fs::remove_dir_all(&root).ok();
    assert_ne!(code, 0);
    assert!(stderr.contains("--cohort-saliency needs"), "{stderr}");
    assert_eq!(one, two, "the cohort does not depend on --jobs");

    let error = rows[0].iter().position(|h| h == "error").unwrap();
    let estimates: Vec<&Vec<String>> = rows[1..].iter().filter(|r| r[error].is_empty()).collect();
    assert!(!estimates.is_empty());
    assert_eq!(one["records"], estimates.len());
    assert_eq!(
        (one["grid_rate_hz"].as_f64(), one["grid_r_index"].as_u64()),
        (Some(250.0), Some(75))
    );
    for output in one["outputs"].as_array().unwrap() {
        let vessel = output["vessel"].as_str().unwrap();
        let stratum = rows[0]
            .iter()
            .position(|h| *h == format!("{vessel}_stratum"))
            .unwrap();
        let count = |s: &str| estimates.iter().filter(|r| r[stratum] == s).count();
        assert_eq!(output["high_records"], count("high"), "{vessel}");
        assert_eq!(output["low_records"], count("low"), "{vessel}");
        assert_eq!(output["attribution_records"], estimates.len());
        let shares: f64 = output["attribution"]
            .as_array()
            .unwrap()
            .iter()
            .map(|lead| {
                ["P", "QRS", "ST-T"]
                    .iter()
                    .map(|p| lead[p].as_f64().unwrap())
                    .sum::<f64>()
            })
            .sum();
        assert!((shares - 1.0).abs() < 1e-9, "{vessel}: {shares}");
        for group in ["high", "low"] {
            let beat = &output["mean_beats"][group]["II"];
            if count(group) > 0 {
                assert_eq!(beat.as_array().unwrap().len(), 201, "{vessel} {group}");
            } else {
                assert!(beat.is_null(), "{vessel} {group}");
            }
        }
        assert!(
            svg.contains(&format!(
                "{vessel}: {} records at high risk, {} at low risk",
                count("high"),
                count("low")
            )),
            "{vessel}"
        );
    }
    assert!(svg.contains("a demonstration model, not clinically validated"));
}
