//! The native command-line tool, run as a user would.

use std::process::Command;

use ecg_stenosis::model::ModelFile;
use ecg_stenosis::model::state::StoredDtype;

pub fn run(args: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_ecg-stenosis"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the binary runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn inspect_reports_the_record() {
    let (code, stdout, _) = run(&["inspect", "tests/fixtures/A0001.csv"]);
    assert_eq!(code, 0);
    assert!(stdout.contains("sample_rate_hz: 500\n"), "{stdout}");
    assert!(stdout.contains("samples_per_lead: 7500\n"), "{stdout}");
    assert_eq!(stdout.matches("\nlead ").count(), 12, "{stdout}");
}

#[test]
fn render_writes_an_svg_with_every_lead() {
    let out = std::env::temp_dir().join(format!("ecg-stenosis-cli-{}.svg", std::process::id()));
    let (code, _, stderr) = run(&[
        "render",
        "tests/fixtures/A0001.csv",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    let svg = std::fs::read_to_string(&out).unwrap();
    std::fs::remove_file(&out).ok();
    assert!(svg.starts_with("<svg"));
    for lead in ["aVR", "V6"] {
        assert!(svg.contains(lead), "{lead} label missing");
    }
}

#[test]
fn bad_input_exits_1_with_the_line_and_usage_errors_2() {
    let (code, _, stderr) = run(&["inspect", "tests/fixtures/bad/ragged.csv"]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("line 4: 2 values, but the header has 3 columns (malformed)"),
        "{stderr}"
    );
    let (code, _, stderr) = run(&[
        "inspect",
        "tests/fixtures/bad/no-rate.csv",
        "--sample-rate-hz",
        "abc",
    ]);
    assert_eq!(code, 2);
    assert!(stderr.contains("'abc' is not a number"), "{stderr}");
    let (code, _, stderr) = run(&["frobnicate", "tests/fixtures/A0001.csv"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("unknown command 'frobnicate'"), "{stderr}");
}

/// A scratch directory for one test.
pub fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("ecg-stenosis-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The first record of the golden input as a [12, 5000] .npy.
fn one_record_npy(dir: &std::path::Path) -> String {
    use ecg_stenosis::formats::{Limits, read_npy_f32, write_npy_f32};
    let all = read_npy_f32(
        &std::fs::read("tests/fixtures/model/golden-input.npy").unwrap(),
        &Limits::default(),
    )
    .unwrap();
    let path = dir.join("x.npy");
    std::fs::write(&path, write_npy_f32(&[12, 5000], &all.values[..12 * 5000])).unwrap();
    path.to_str().unwrap().to_string()
}

fn predict_json(model: &str, tensor: &str) -> serde_json::Value {
    let (code, stdout, stderr) = run(&[
        "predict",
        "--model",
        model,
        "--tensor",
        tensor,
        "--json",
        "--backend",
        "cpu",
    ]);
    assert_eq!(code, 0, "{stderr}");
    serde_json::from_str(&stdout).unwrap()
}

fn logits(report: &serde_json::Value) -> Vec<f64> {
    report["logits"][0]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect()
}

/// `convert` reads the PyTorch reference's checkpoints in all three layouts (written by
/// `/tmp/torchenv/bin/python tools/make_model_fixtures.py`, torch 2.15.0) and the converted
/// files give the reference's logits (tiny-logits.json) within 1e-5.
#[test]
fn convert_round_trips_every_checkpoint_layout_and_f16_halves_the_file() {
    let dir = scratch("convert");
    let tensor = one_record_npy(&dir);
    let reference: serde_json::Value =
        serde_json::from_slice(&std::fs::read("tests/fixtures/model/tiny-logits.json").unwrap())
            .unwrap();
    let reference: Vec<f64> = reference["logits"][0]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    for (layout, says) in [
        ("flat", "a flat state dict"),
        ("state_dict", "dropped"),
        ("model", "stripped the 'module.' prefix"),
    ] {
        let out = dir.join(format!("{layout}.safetensors"));
        let (code, stdout, stderr) = run(&[
            "convert",
            &format!("tests/fixtures/model/tiny-{layout}.pth"),
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{layout}: {stderr}");
        assert!(stdout.contains(says), "{layout}: {stdout}");
        let report = predict_json(out.to_str().unwrap(), &tensor);
        let diff = logits(&report)
            .iter()
            .zip(&reference)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        println!("{layout}: max |Δlogit| vs PyTorch = {diff:.2e}");
        assert!(diff <= 1e-5, "{layout}: {diff}");
        assert_eq!(report["backend"], "cpu");
        assert_eq!(report["outputs"][2], "LAD");
    }

    let f16 = dir.join("f16.safetensors");
    let (code, _, stderr) = run(&[
        "convert",
        "tests/fixtures/model/tiny-flat.pth",
        "--out",
        f16.to_str().unwrap(),
        "--dtype",
        "f16",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let f32_size = std::fs::metadata(dir.join("flat.safetensors"))
        .unwrap()
        .len() as f64;
    let f16_size = std::fs::metadata(&f16).unwrap().len() as f64;
    println!("f16 file / f32 file = {:.3}", f16_size / f32_size);
    assert!(f16_size / f32_size < 0.55, "{f16_size} vs {f32_size}");
    let diff = logits(&predict_json(f16.to_str().unwrap(), &tensor))
        .iter()
        .zip(&reference)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    println!("f16: max |Δlogit| vs PyTorch f32 = {diff:.2e}");
    assert!(diff < 1e-2, "{diff}");
    std::fs::remove_dir_all(&dir).ok();
}

/// The number `convert` prints for a model file: the largest logit change it measured.
fn printed_logit_change(stdout: &str) -> f64 {
    let line = stdout
        .lines()
        .find(|l| l.starts_with("largest logit change over 16 generated ECGs: "))
        .unwrap_or_else(|| panic!("no logit change in {stdout}"));
    line["largest logit change over 16 generated ECGs: ".len()..]
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

/// `convert` re-stores a model file's weights: f32 → f16 halves the file, keeps its metadata
/// and moves the logits by what it prints (checked here against `predict` on the golden
/// input); f16 → f32 is exact; `--metadata` is refused for a model file.
#[test]
fn convert_restores_a_model_file_in_another_dtype_and_says_how_far_the_logits_moved() {
    let dir = scratch("restore");
    let tensor = one_record_npy(&dir);
    let source = "tests/fixtures/model/golden-bn.safetensors";
    let half = dir.join("half.safetensors");
    let (code, stdout, stderr) = run(&[
        "convert",
        source,
        "--dtype",
        "f16",
        "--out",
        half.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    println!("{stdout}");
    assert!(stdout.contains("weights F16 (were F32)"), "{stdout}");
    let change = printed_logit_change(&stdout);
    assert!(change > 0.0 && change < 1e-2, "{change}");
    let ratio = std::fs::metadata(&half).unwrap().len() as f64
        / std::fs::metadata(source).unwrap().len() as f64;
    assert!(ratio < 0.55, "{ratio}");
    let before = predict_json(source, &tensor);
    let after = predict_json(half.to_str().unwrap(), &tensor);
    assert_eq!(before["model"], after["model"], "the metadata is kept");
    let diff = logits(&before)
        .iter()
        .zip(&logits(&after))
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    println!("golden input: max |Δlogit| f32 → f16 = {diff:.2e}");
    assert!(diff < 1e-2, "{diff}");

    // Mixed precision: the input and output layers kept in f32.
    let mixed = dir.join("mixed.safetensors");
    let (code, stdout, stderr) = run(&[
        "convert",
        source,
        "--dtype",
        "f16",
        "--keep-f32",
        "first_conv.",
        "--keep-f32",
        "dense.",
        "--out",
        mixed.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("weights F16+F32 (were F32)"), "{stdout}");
    let kept = ModelFile::from_path(&mixed).unwrap();
    for (name, tensor) in kept.stored_tensors() {
        let f32 = name.starts_with("first_conv.") || name.starts_with("dense.");
        if tensor.dtype.is_float() {
            assert_eq!(
                tensor.dtype == StoredDtype::F32,
                f32,
                "{name}: {:?}",
                tensor.dtype
            );
        }
    }
    let (code, _, stderr) = run(&[
        "convert",
        source,
        "--dtype",
        "f16",
        "--keep-f32",
        "first_cnov.",
        "--out",
        mixed.to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("'first_cnov.' is the beginning of no tensor name"),
        "{stderr}"
    );

    let back = dir.join("back.safetensors");
    let (code, stdout, stderr) = run(&[
        "convert",
        half.to_str().unwrap(),
        "--out",
        back.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(printed_logit_change(&stdout), 0.0, "f16 → f32 is exact");

    let (code, _, stderr) = run(&[
        "convert",
        source,
        "--metadata",
        "tests/fixtures/model/tiny-logits.json",
        "--out",
        back.to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("carries its own metadata"), "{stderr}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn convert_writes_the_metadata_it_is_given_and_refuses_what_does_not_fit() {
    let dir = scratch("metadata");
    let tensor = one_record_npy(&dir);
    let golden = std::fs::read("tests/fixtures/model/golden-bn.safetensors").unwrap();
    let (_, strings) = ecg_stenosis::model::state::read_safetensors(&golden).unwrap();
    let mut doc: serde_json::Value = serde_json::from_str(&strings["ecg_stenosis"]).unwrap();
    doc["name"] = "tiny with a card".into();
    doc["architecture"]["filter_list"] = serde_json::json!([16, 32]);
    doc["architecture"]["m_blocks_list"] = serde_json::json!([1, 1]);
    doc["architecture"]["groups_width"] = 16.into();
    let meta = dir.join("meta.json");
    std::fs::write(&meta, doc.to_string()).unwrap();
    let out = dir.join("carded.safetensors");
    let args = |meta: &std::path::Path| {
        vec![
            "convert".to_string(),
            "tests/fixtures/model/tiny-state_dict.pth".into(),
            "--out".into(),
            out.to_str().unwrap().into(),
            "--metadata".into(),
            meta.to_str().unwrap().into(),
        ]
    };
    let owned = args(&meta);
    let (code, _, stderr) = run(&owned.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, 0, "{stderr}");
    let report = predict_json(out.to_str().unwrap(), &tensor);
    assert_eq!(report["model"]["name"], "tiny with a card");
    assert_eq!(report["warnings"], serde_json::json!([]));

    // Metadata for another architecture: every mismatching tensor is listed.
    doc["architecture"]["filter_list"] = serde_json::json!([16, 48]);
    std::fs::write(&meta, doc.to_string()).unwrap();
    let owned = args(&meta);
    let (code, _, stderr) = run(&owned.iter().map(String::as_str).collect::<Vec<_>>());
    // A run failure (the file does not fit): exit 1, not the usage error's 2.
    assert_eq!(code, 1);
    assert!(
        stderr.contains(
            "stage_list.1.block_list.0.conv3.conv.weight: shape [32, 32, 1], expected [48, 48, 1]"
        ),
        "{stderr}"
    );

    // Not a checkpoint at all.
    let (code, _, stderr) = run(&["convert", "tests/fixtures/A0001.csv", "--out", "/dev/null"]);
    assert_eq!(code, 1);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("not a readable PyTorch checkpoint"),
        "{stderr}"
    );

    // A tensor of the wrong shape for the model.
    let (code, _, stderr) = run(&[
        "predict",
        "--model",
        out.to_str().unwrap(),
        "--tensor",
        "tests/fixtures/model/golden-input.npy",
        "--backend",
        "cpu",
    ]);
    assert_eq!(code, 0, "a [2, 12, 5000] batch is fine: {stderr}");
    let (code, _, stderr) = run(&[
        "predict",
        "--model",
        out.to_str().unwrap(),
        "--tensor",
        &tensor,
        "--backend",
        "bogus",
    ]);
    assert_eq!(code, 2);
    assert!(stderr.contains("expected auto, cpu or gpu"), "{stderr}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn inspect_json_with_beats_and_quality_for_a_wfdb_record() {
    let (code, stdout, stderr) = run(&[
        "inspect",
        "tests/fixtures/wfdb/A0002.hea",
        "tests/fixtures/wfdb/A0002.mat",
        "--json",
        "--beats",
        "--quality",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let records = report["records"].as_array().unwrap();
    assert_eq!(
        records.len(),
        1,
        "a header and its signal file are one record"
    );
    let record = &records[0];
    assert_eq!(record["format"], "wfdb");
    assert_eq!(record["sources"].as_array().unwrap().len(), 2);
    assert_eq!(record["sample_rate_hz"], 500.0);
    let leads = record["leads"].as_array().unwrap();
    assert_eq!(leads.len(), 12);
    assert_eq!(leads[3]["name"], "aVR");
    assert_eq!(leads[0]["uv"].as_array().unwrap().len(), 5000);
    // A0002: 13 beats at 77 bpm, regular, clean.
    assert_eq!(record["beats"]["r_peaks"].as_array().unwrap().len(), 13);
    let rate = record["beats"]["heart_rate_bpm"].as_f64().unwrap();
    assert!((rate - 77.0).abs() < 1.0, "{rate}");
    assert_eq!(record["quality"]["verdict"], "ok");
}

#[test]
fn unreadable_files_are_named_and_the_others_still_reported() {
    let (code, stdout, stderr) = run(&[
        "inspect",
        "--json",
        "tests/fixtures/bad/printed.pdf",
        "tests/fixtures/wfdb/A0002.hea",
        "tests/fixtures/wfdb/A0002.mat",
        "tests/fixtures/wfdb/A0001.mat",
    ]);
    assert_eq!(code, 1);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{stderr}");
    assert!(
        lines[0].starts_with(
            "ecg-stenosis: tests/fixtures/bad/printed.pdf: pdf: this is a printed ECG"
        ),
        "{stderr}"
    );
    assert!(
        lines[1].contains("A0001.mat: unknown:") && lines[1].contains(".hea header"),
        "{stderr}"
    );
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["records"].as_array().unwrap().len(), 1);
}

#[test]
fn preprocess_writes_the_model_input_scipy_computes() {
    use ecg_stenosis::formats::{Limits, read_npy_f32};
    let dir = scratch("preprocess");
    let out = dir.join("x.npy");
    let (code, stdout, stderr) = run(&[
        "preprocess",
        "tests/fixtures/wfdb/A0001.hea",
        "tests/fixtures/wfdb/A0001.mat",
        "tests/fixtures/wfdb/A0002.hea",
        "tests/fixtures/wfdb/A0002.mat",
        "--recipe",
        "ecgfounder",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("float32 [2, 12, 5000], recipe ecgfounder"),
        "{stdout}"
    );
    let written = read_npy_f32(&std::fs::read(&out).unwrap(), &Limits::default()).unwrap();
    assert_eq!(written.shape, vec![2, 12, 5000]);
    for (i, name) in ["A0001", "A0002"].iter().enumerate() {
        let golden = read_npy_f32(
            &std::fs::read(format!("tests/fixtures/golden/{name}.ecgfounder.npy")).unwrap(),
            &Limits::default(),
        )
        .unwrap();
        let row = &written.values[i * 60_000..(i + 1) * 60_000];
        let worst = row
            .iter()
            .zip(&golden.values)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        assert!(worst <= 1e-5, "{name}: {worst}");
    }
    // One record: [12, 5000]; a record too short without --allow-padding: nothing written.
    let (code, stdout, _) = run(&[
        "preprocess",
        "tests/fixtures/wfdb/A0002.hea",
        "tests/fixtures/wfdb/A0002.mat",
        "--recipe",
        "per_lead_zscore",
        "--start-secs",
        "1",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    assert!(!stdout.contains("wrote"), "{stdout}");
    let (code, stdout, stderr) = run(&[
        "preprocess",
        "tests/fixtures/wfdb/A0002.hea",
        "tests/fixtures/wfdb/A0002.mat",
        "--recipe",
        "per_lead_zscore",
        "--start-secs",
        "1",
        "--allow-padding",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("zeros were appended"), "{stdout}");
    assert!(stdout.contains("float32 [12, 5000]"), "{stdout}");
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn preprocess_refuses_an_unusable_ecg_unless_overridden() {
    let dir = scratch("unusable");
    // A0001 with lead V3 disconnected (every value 0).
    let csv = std::fs::read_to_string("tests/fixtures/A0001.csv").unwrap();
    let mut lines = csv.lines();
    let header = lines.next().unwrap();
    let v3 = header.split(',').position(|h| h == "V3").unwrap();
    let mut flat = String::from(header);
    flat.push('\n');
    for line in lines {
        let cells: Vec<&str> = line
            .split(',')
            .enumerate()
            .map(|(i, c)| if i == v3 { "0" } else { c })
            .collect();
        flat.push_str(&cells.join(","));
        flat.push('\n');
    }
    let input = dir.join("flat-v3.csv");
    std::fs::write(&input, flat).unwrap();
    let out = dir.join("x.npy");
    let args = [
        "preprocess",
        input.to_str().unwrap(),
        "--recipe",
        "ecgfounder",
        "--out",
        out.to_str().unwrap(),
    ];
    // `render` outlines the flagged lead as the page does, and names the reason.
    let svg = dir.join("flat.svg");
    let (code, _, stderr) = run(&[
        "render",
        input.to_str().unwrap(),
        "--out",
        svg.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    let drawn = std::fs::read_to_string(&svg).unwrap();
    assert!(
        drawn.contains("V3: flat"),
        "the flat lead is named on the sheet"
    );
    let (code, _, stderr) = run(&[
        "render",
        "tests/fixtures/A0001.csv",
        "--out",
        svg.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(!std::fs::read_to_string(&svg).unwrap().contains("V3: flat"));

    let (code, stdout, stderr) = run(&args);
    assert_eq!(code, 1, "{stdout}");
    assert!(stderr.contains("unusable (lead V3 is flat"), "{stderr}");
    assert!(!out.exists());
    let mut overridden = args.to_vec();
    overridden.push("--override-quality");
    let (code, stdout, stderr) = run(&overridden);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("quality override: unusable ECG prepared at the user's request"),
        "{stdout}"
    );
    assert!(out.exists());
    std::fs::remove_dir_all(dir).ok();
}

/// Acquisition details come through; the patient identifiers inside the same files never do
/// (names and IDs as the files hold them: ZZDEMOPTONLY in the Philips export, Clark /
/// SBJ-123 in the ecgtoolkit DICOM, 642341 in the Mortara DICOM, SYNTH0001 in the MUSE file).
#[test]
fn inspect_reports_the_acquisition_but_no_patient_identifier() {
    let files = [
        "tests/fixtures/philips/3191723_v1.04_utf16.xml",
        "tests/fixtures/dicom/ecgtoolkit_example_implicit_vr.dcm",
        "tests/fixtures/dicom/pydicom_mortara_1000hz.dcm",
        "tests/fixtures/muse/synthetic_muse.xml",
        "tests/fixtures/muse/guangxi_sinus_rhythm.xml",
    ];
    let mut args = vec!["inspect", "--json", "--beats", "--quality"];
    args.extend(files);
    let (code, stdout, stderr) = run(&args);
    assert_eq!(code, 0, "{stderr}");
    // (The Philips patient ID, 9999, is left out: those digits occur in the sample values.)
    for identifier in ["ZZDEMOPTONLY", "Clark", "SBJ-123", "642341", "SYNTH0001"] {
        assert!(!stdout.contains(identifier), "{identifier} leaked");
        assert!(!stderr.contains(identifier), "{identifier} leaked");
    }
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let acquisition = |i: usize| &report["records"][i]["acquisition"];
    assert_eq!(acquisition(0)["device"], "PageWriter Touch");
    assert_eq!(acquisition(0)["acquired"], "2010-01-19 15:19:22");
    assert_eq!(acquisition(2)["device"], "Mortara Instrument, Inc. el250");
    assert_eq!(
        acquisition(2)["cart_filters"],
        "high-pass 0.05 Hz, low-pass 300 Hz"
    );
    assert_eq!(acquisition(4)["device"], "MAC P");
    assert_eq!(
        acquisition(4)["cart_filters"],
        "high-pass 0.56 Hz, low-pass 150 Hz, mains 50 Hz"
    );
}

/// `synth` writes CSVs that read back as the generator's records (to the 0.1 µV the CSV keeps)
/// and a labels.csv with the truth; bad options are usage errors.
#[test]
fn synth_writes_records_that_read_back_and_their_labels() {
    use ecg_stenosis::synth::{SynthConfig, generate};
    let dir = scratch("synth");
    let (code, stdout, stderr) = run(&[
        "synth",
        "--seed",
        "40",
        "--count",
        "2",
        "--out-dir",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("not patients"), "{stdout}");
    let labels = std::fs::read_to_string(dir.join("labels.csv")).unwrap();
    let rows: Vec<&str> = labels.lines().collect();
    assert_eq!(
        rows[0],
        "file,seed,RCA,LM,LAD,LCX,RCA_pattern,LM_pattern,LAD_pattern,LCX_pattern,confounder,heart_rate_bpm"
    );
    assert_eq!(rows.len(), 3);
    for (row, seed) in rows[1..].iter().zip([40u64, 41]) {
        let case = generate(seed, &SynthConfig::default());
        let fields: Vec<&str> = row.split(',').collect();
        assert_eq!(fields[0], format!("synthetic-{seed}.csv"));
        let stenosis: Vec<bool> = fields[2..6].iter().map(|f| *f == "1").collect();
        assert_eq!(stenosis, case.stenosis);
        let path = dir.join(fields[0]);
        let (code, stdout, stderr) = run(&["inspect", path.to_str().unwrap(), "--json"]);
        assert_eq!(code, 0, "{stderr}");
        let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        let leads = report["records"][0]["leads"].as_array().unwrap();
        assert_eq!(leads.len(), 12);
        let mut worst = 0.0f64;
        for (lead, expected) in leads.iter().zip(case.ecg.leads()) {
            assert_eq!(lead["name"], expected.lead.name());
            for (got, want) in lead["uv"]
                .as_array()
                .unwrap()
                .iter()
                .zip(&expected.samples_uv)
            {
                worst = worst.max((got.as_f64().unwrap() - f64::from(*want)).abs());
            }
        }
        assert!(worst <= 0.051, "seed {seed}: {worst} µV");
    }
    std::fs::remove_dir_all(&dir).ok();
    for bad in [
        &["synth", "--out-dir", "x"][..],
        &["synth", "--seed", "-1", "--out-dir", "x"],
        &[
            "synth",
            "--seed",
            "1",
            "--pattern",
            "RCX=1",
            "--out-dir",
            "x",
        ],
        &[
            "synth",
            "--seed",
            "1",
            "--pattern",
            "RCA=2",
            "--out-dir",
            "x",
        ],
        &[
            "synth",
            "--seed",
            "1",
            "--confounder",
            "stemi",
            "--out-dir",
            "x",
        ],
    ] {
        let (code, _, stderr) = run(bad);
        assert_eq!(code, 2, "{bad:?}: {stderr}");
    }
}

/// `predict FILE` without `--model` uses the built-in demonstration model: four vessels with a
/// probability and a stratum, its disclaimer with every record; an unreadable file is named on
/// stderr (exit 1) and the readable ones are still predicted.
#[test]
fn predict_files_with_the_demonstration_model() {
    let (code, stdout, stderr) = run(&[
        "predict",
        "tests/fixtures/wfdb/A0002.hea",
        "tests/fixtures/wfdb/A0002.mat",
        "tests/fixtures/bad/no-rate.csv",
        "--json",
    ]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("no-rate.csv"), "{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["model"]["demonstration"], true);
    let records = report["records"].as_array().unwrap();
    assert_eq!(
        records.len(),
        2,
        "one report per record, the unreadable one too"
    );
    let record = &records[0];
    assert!(
        record["model"]["disclaimer"]
            .as_str()
            .unwrap()
            .contains("synthetic")
    );
    let failed = &records[1];
    assert_eq!(failed["sources"][0], "tests/fixtures/bad/no-rate.csv");
    assert_eq!(failed["error"]["kind"], "invalid_input");
    assert_eq!(failed["vessels"], serde_json::json!({}));
    assert_eq!(record["quality"]["verdict"], "ok");
    for vessel in ["RCA", "LM", "LAD", "LCX"] {
        let v = &record["vessels"][vessel];
        let p = v["probability"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&p), "{vessel}: {p}");
        assert!(
            ["low", "intermediate", "high"].contains(&v["stratum"].as_str().unwrap()),
            "{vessel}: {v}"
        );
    }
    // Plain text: one line per vessel and the disclaimer after them.
    let (code, stdout, _) = run(&["predict", "tests/fixtures/A0001.csv"]);
    assert_eq!(code, 0);
    let lines: Vec<&str> = stdout.lines().collect();
    let first = lines.iter().position(|l| l.starts_with("RCA ")).unwrap();
    for (k, vessel) in ["RCA", "LM", "LAD", "LCX"].iter().enumerate() {
        assert!(lines[first + k].starts_with(vessel), "{stdout}");
    }
    assert!(
        lines[first + 4].starts_with("note: Demonstration model"),
        "{stdout}"
    );
}

/// Numbers within `tolerance`, everything else equal; `timing_ms` only checked for shape
/// (milliseconds vary from run to run).
fn same_json(got: &serde_json::Value, want: &serde_json::Value, path: &str, tolerance: f64) {
    use serde_json::Value;
    match (got, want) {
        (Value::Number(a), Value::Number(b)) => {
            let (a, b) = (a.as_f64().unwrap(), b.as_f64().unwrap());
            assert!((a - b).abs() <= tolerance, "{path}: {a} vs {b}");
        }
        (Value::Object(a), Value::Object(b)) => {
            let keys_a: Vec<&String> = a.keys().collect();
            let keys_b: Vec<&String> = b.keys().collect();
            assert_eq!(keys_a, keys_b, "{path}: keys (and their order)");
            for (key, value) in a {
                if key == "timing_ms" {
                    let stages = ["read", "quality", "preprocess", "inference"];
                    let sum: f64 = stages.iter().map(|s| value[s].as_f64().unwrap()).sum();
                    assert!(stages.iter().all(|s| value[s].as_f64().unwrap() >= 0.0));
                    assert!((value["total"].as_f64().unwrap() - sum).abs() < 1e-6);
                    continue;
                }
                same_json(value, &b[key], &format!("{path}.{key}"), tolerance);
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            assert_eq!(a.len(), b.len(), "{path}: length");
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                same_json(x, y, &format!("{path}[{i}]"), tolerance);
            }
        }
        _ => assert_eq!(got, want, "{path}"),
    }
}

/// The JSON report of one fixture, pinned: every field, in order, as README ("The JSON
/// report") documents it. Regenerate after an intended change with
/// `ecg-stenosis predict tests/fixtures/wfdb/A0002.hea tests/fixtures/wfdb/A0002.mat --json
/// --backend cpu` (timings set to null). Its probabilities also agree with PyTorch's
/// (tools/make_saliency_fixtures.py, A0002.reference.json) to 1e-6.
#[test]
fn golden_report_of_a0002() {
    let (code, stdout, stderr) = run(&[
        "predict",
        "tests/fixtures/wfdb/A0002.hea",
        "tests/fixtures/wfdb/A0002.mat",
        "--json",
        "--backend",
        "cpu",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let got: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let want: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string("tests/fixtures/golden/report-A0002.json").unwrap(),
    )
    .unwrap();
    same_json(&got, &want, "report", 1e-6);
    let reference: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string("tests/fixtures/golden/A0002.reference.json").unwrap(),
    )
    .unwrap();
    for vessel in ["RCA", "LM", "LAD", "LCX"] {
        let p = got["records"][0]["vessels"][vessel]["probability"]
            .as_f64()
            .unwrap();
        let torch = reference["probabilities"][vessel].as_f64().unwrap();
        println!("{vessel}: {p:.9} (PyTorch {torch:.9})");
        assert!((p - torch).abs() < 1e-6, "{vessel}: {p} vs PyTorch {torch}");
    }
}

/// `saliency` against PyTorch autograd (tools/make_saliency_fixtures.py): the map on the
/// record's time base (A0002 is 500 Hz, so the first 5000 samples are the model input's and
/// the rest, never seen by the network, is zero) and the lead shares.
#[test]
fn saliency_maps_equal_pytorch_autograd() {
    use ecg_stenosis::formats::{Limits, read_npy_f32};
    let dir = scratch("saliency");
    let reference: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string("tests/fixtures/golden/A0002.reference.json").unwrap(),
    )
    .unwrap();
    for case in reference["saliency"].as_array().unwrap() {
        let vessel = case["vessel"].as_str().unwrap();
        let method = case["method"].as_str().unwrap();
        let steps = case["steps"].to_string();
        let out = dir.join(format!("{vessel}.npy"));
        let mut args = vec![
            "saliency",
            "tests/fixtures/wfdb/A0002.hea",
            "tests/fixtures/wfdb/A0002.mat",
            "--vessel",
            vessel,
            "--method",
            method,
            "--out",
            out.to_str().unwrap(),
            "--json",
            "--backend",
            "cpu",
        ];
        if method != "grad-x-input" {
            args.extend(["--steps", &steps]);
        }
        let (code, stdout, stderr) = run(&args);
        assert_eq!(code, 0, "{stderr}");
        let summary: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        assert_eq!(summary["vessel"], vessel);
        assert_eq!(summary["method"], method);
        let map = read_npy_f32(&std::fs::read(&out).unwrap(), &Limits::default()).unwrap();
        let samples = map.shape[1];
        assert_eq!(map.shape[0], 12);
        let golden = read_npy_f32(
            &std::fs::read(format!(
                "tests/fixtures/golden/{}",
                case["file"].as_str().unwrap()
            ))
            .unwrap(),
            &Limits::default(),
        )
        .unwrap();
        assert_eq!(golden.shape, vec![12, 5000]);
        let scale = golden.values.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        let mut worst = 0.0f32;
        for lead in 0..12 {
            for i in 0..samples {
                let got = map.values[lead * samples + i];
                let want = if i < 5000 {
                    golden.values[lead * 5000 + i]
                } else {
                    0.0
                };
                worst = worst.max((got - want).abs());
            }
        }
        let lead_names = [
            "I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6",
        ];
        let mut worst_share = 0.0f64;
        for (k, name) in lead_names.iter().enumerate() {
            let got = summary["lead_share"][name].as_f64().unwrap();
            let want = case["lead_share"][k].as_f64().unwrap();
            worst_share = worst_share.max((got - want).abs());
        }
        println!(
            "{vessel} {method}: max |Δ| {worst:.2e} of max |map| {scale:.2e} ({:.2e} relative); lead shares max |Δ| {worst_share:.2e}",
            worst / scale
        );
        assert!(
            worst <= 1e-4 * scale,
            "{vessel} {method}: {worst} of {scale}"
        );
        assert!(worst_share < 1e-4, "{vessel} {method}: {worst_share}");
        let phases = &summary["phase_share"];
        let total: f64 = ["P", "QRS", "ST-T"]
            .iter()
            .map(|p| phases[p].as_f64().unwrap())
            .sum();
        assert!((total - 1.0).abs() < 1e-9, "{phases}");
    }
}

/// A minimal RFC 4180 reader, as a spreadsheet reads CSV: quoted fields may hold commas,
/// doubled quotes and line breaks.
pub fn csv_rows(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    assert!(!quoted, "unterminated quote");
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}

/// `predict --csv`: one header row and one row per input, readable files or not, every row
/// as wide as the header; the batch goes on past the bad ones (exit status 1).
#[test]
fn batch_csv_has_one_row_per_file() {
    let dir = scratch("csv");
    let out = dir.join("batch.csv");
    let (code, stdout, stderr) = run(&[
        "predict",
        "tests/fixtures/wfdb/A0001.hea",
        "tests/fixtures/wfdb/A0001.mat",
        "tests/fixtures/bad/ragged.csv",
        "tests/fixtures/does-not-exist.xml",
        "tests/fixtures/A0001.csv",
        "--csv",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    let text = std::fs::read_to_string(&out).unwrap();
    let rows = csv_rows(&text);
    let header = &rows[0];
    assert_eq!(
        header[..4],
        ["file", "format", "RCA_probability", "RCA_stratum"]
    );
    assert_eq!(rows.len(), 5, "{text}");
    for row in &rows {
        assert_eq!(row.len(), header.len(), "{row:?}");
    }
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    let by_file = |file: &str| rows.iter().find(|r| r[0] == file).unwrap();
    let wfdb = by_file("tests/fixtures/wfdb/A0001.hea + tests/fixtures/wfdb/A0001.mat");
    let csv = by_file("tests/fixtures/A0001.csv");
    for vessel in ["RCA", "LM", "LAD", "LCX"] {
        let p: f64 = wfdb[column(&format!("{vessel}_probability"))]
            .parse()
            .unwrap();
        assert!((0.0..=1.0).contains(&p));
        // The same record as CSV gives the same numbers.
        assert_eq!(
            wfdb[column(&format!("{vessel}_probability"))],
            csv[column(&format!("{vessel}_probability"))]
        );
    }
    assert_eq!(wfdb[column("demonstration_model")], "true");
    let ragged = by_file("tests/fixtures/bad/ragged.csv");
    assert_eq!(
        ragged[column("error")],
        "line 4: 2 values, but the header has 3 columns"
    );
    assert_eq!(ragged[column("RCA_probability")], "");
    let missing = by_file("tests/fixtures/does-not-exist.xml");
    assert!(
        missing[column("error")].starts_with("cannot read"),
        "{missing:?}"
    );
}

/// Every command explains itself: `COMMAND --help` and `help COMMAND` print the same help,
/// with the command's usage and each of its flags, on stdout, exit 0.
#[test]
fn every_command_has_its_own_help() {
    let commands: [(&str, &[&str]); 11] = [
        (
            "inspect",
            &["--json", "--beats", "--quality", "--sample-rate-hz"],
        ),
        (
            "preprocess",
            &[
                "--recipe",
                "--model",
                "--out",
                "--start-secs",
                "--allow-padding",
                "--override-quality",
            ],
        ),
        (
            "render",
            &["--out", "--layout", "--speed", "--gain", "--start-secs"],
        ),
        ("convert", &["--out", "--metadata", "--dtype"]),
        (
            "predict",
            &[
                "--model",
                "--tensor",
                "--json",
                "--csv",
                "--backend",
                "--override-quality",
            ],
        ),
        (
            "saliency",
            &["--vessel", "--method", "--steps", "--out", "--model"],
        ),
        (
            "synth",
            &[
                "--seed",
                "--count",
                "--out-dir",
                "--pattern",
                "--confounder",
                "--clean",
            ],
        ),
        (
            "train-demo",
            &["--out", "--steps", "--batch", "--validation", "--dtype"],
        ),
        (
            "evaluate",
            &[
                "--labels",
                "--from-csv",
                "--out",
                "--model",
                "--bootstrap",
                "--seed",
            ],
        ),
        (
            "calibrate",
            &[
                "--labels",
                "--from-csv",
                "--sensitivity",
                "--specificity",
                "--recalibrate",
                "--site",
                "--date",
                "--out",
            ],
        ),
        ("completions", &["<SHELL>", "bash"]),
    ];
    for (command, flags) in commands {
        let (code, help, stderr) = run(&[command, "--help"]);
        assert_eq!(code, 0, "{command}: {stderr}");
        assert!(
            help.contains(&format!("Usage: ecg-stenosis {command}")),
            "{command}: {help}"
        );
        for flag in flags {
            assert!(
                help.contains(flag),
                "{command} --help does not mention {flag}:\n{help}"
            );
        }
        // Flags of other commands are not offered here.
        // (evaluate and calibrate run the model on the ECG files given, as predict does.)
        if !["predict", "saliency", "preprocess", "evaluate", "calibrate"].contains(&command) {
            assert!(!help.contains("--override-quality"), "{command}: {help}");
        }
        let (code, same, _) = run(&["help", command]);
        assert_eq!(code, 0);
        assert_eq!(same, help, "help {command} differs from {command} --help");
    }
    let (code, overview, _) = run(&["--help"]);
    assert_eq!(code, 0);
    for (command, _) in commands {
        assert!(overview.contains(&format!("  {command} ")), "{overview}");
    }
}

/// A usage error exits 2 with the message and that command's short usage; a run failure
/// exits 1 with one line naming the file and the fault, and no usage.
#[test]
fn usage_errors_exit_2_with_usage_and_run_failures_exit_1_with_one_line() {
    let (code, _, stderr) = run(&["render", "tests/fixtures/A0001.csv"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--out"), "{stderr}");
    assert!(stderr.contains("Usage: ecg-stenosis render"), "{stderr}");
    let (code, _, stderr) = run(&[
        "render",
        "tests/fixtures/A0001.csv",
        "--out",
        "x.svg",
        "--speed",
        "33",
    ]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("Usage: ecg-stenosis render"), "{stderr}");
    let (code, _, stderr) = run(&[
        "predict",
        "--json",
        "--csv",
        "-",
        "tests/fixtures/A0001.csv",
    ]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("Usage: ecg-stenosis predict"), "{stderr}");

    // A model file whose metadata is broken: one line with the file, no usage.
    let dir = scratch("run-failure");
    let model = dir.join("not-a-model.safetensors");
    std::fs::write(&model, b"\x08\x00\x00\x00\x00\x00\x00\x00{\"a\":1}").unwrap();
    let (code, _, stderr) = run(&[
        "predict",
        "--model",
        model.to_str().unwrap(),
        "tests/fixtures/A0001.csv",
    ]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("not-a-model.safetensors"), "{stderr}");
    assert!(!stderr.contains("Usage:"), "{stderr}");
    let missing = dir.join("missing.csv");
    let (code, _, stderr) = run(&["inspect", missing.to_str().unwrap()]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("missing.csv: cannot read"), "{stderr}");
    std::fs::remove_dir_all(&dir).ok();
}

/// `completions SHELL` writes a script that completes the commands and their flags.
#[test]
fn shell_completions_name_every_command() {
    for shell in ["bash", "zsh", "fish"] {
        let (code, script, stderr) = run(&["completions", shell]);
        assert_eq!(code, 0, "{shell}: {stderr}");
        for word in ["inspect", "predict", "saliency", "override-quality"] {
            assert!(script.contains(word), "{shell} completion lacks {word}");
        }
    }
    let (code, _, _) = run(&["completions", "tcsh-of-the-future"]);
    assert_eq!(code, 2);
}

/// The batch table: one header, one row per report with the same number of cells, names with
/// commas or quotes quoted (RFC 4180), and an unreadable input keeps its row with its error.
#[test]
fn the_batch_table_quotes_what_needs_it_and_keeps_every_row() {
    use ecg_stenosis::pipeline::{ErrorKind, csv_table};
    let demo = crate::common::demo();
    let outputs = demo.metadata().outputs.clone();
    let reports = vec![
        demo.failed(
            vec!["a, \"b\".csv".into()],
            ErrorKind::Io,
            "cannot read: permission denied".into(),
        ),
        demo.failed(
            vec!["plain.csv".into()],
            ErrorKind::Malformed,
            "line 2: bad".into(),
        ),
    ];
    let table = csv_table(&reports, &outputs);
    let lines: Vec<&str> = table.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 3, "{table}");
    assert!(
        lines[0].starts_with("file,format,RCA_probability,RCA_stratum,"),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].starts_with("\"a, \"\"b\"\".csv\",unknown,"),
        "{}",
        lines[1]
    );
    assert!(
        lines[1].contains(",cannot read: permission denied,"),
        "{}",
        lines[1]
    );
    assert!(lines[2].starts_with("plain.csv,unknown,"), "{}", lines[2]);
    // Every row has the header's cells (the quoted name holds one comma inside its quotes).
    let cells = |line: &str| line.split(',').count();
    assert_eq!(cells(lines[2]), cells(lines[0]));
    assert_eq!(cells(lines[1]), cells(lines[0]) + 1);
}
