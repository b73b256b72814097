//! Local validation and site calibration (README, "Local validation"): the report's numbers
//! against scikit-learn and statsmodels, `evaluate` and `calibrate` run as a site would on
//! labelled synthetic ECGs, and the errors a bad labels file gets.

use std::path::Path;

use ecg_stenosis::evaluation::{
    auc, calibration_in_the_large, calibration_slope, decision_curve, reliability, roc_curve,
};
use ecg_stenosis::model::ModelFile;

use super::cli::{csv_rows, run, scratch};

/// tests/fixtures/validation/reference.json, written by `tools/make_validation_fixtures.py`
/// (the command, and scikit-learn, statsmodels and numpy's versions, are in the file).
fn reference() -> serde_json::Value {
    serde_json::from_str(include_str!("../fixtures/validation/reference.json")).unwrap()
}

fn floats(value: &serde_json::Value) -> Vec<f64> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect()
}

fn close(got: f64, want: f64, tolerance: f64, what: &str) {
    assert!(
        (got - want).abs() <= tolerance,
        "{what}: {got} against the reference's {want}"
    );
}

/// AUC equals `roc_auc_score`, the ROC points `roc_curve`, the reliability table
/// `calibration_curve`'s bins, the calibration fits statsmodels' logistic fits on the logit,
/// and net benefit its formula — on every stored data set (ties, six-decimal probabilities,
/// a weak model, probabilities exactly on the bin edges and at 0 and 1).
#[test]
fn the_report_numbers_equal_scikit_learn_and_statsmodels() {
    let reference = reference();
    let sets = reference["sets"].as_object().unwrap();
    assert_eq!(sets.len(), 4);
    for (name, set) in sets {
        let p = floats(&set["probabilities"]);
        let l: Vec<bool> = set["labels"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap() == 1)
            .collect();
        close(
            auc(&p, &l).unwrap(),
            set["auc"].as_f64().unwrap(),
            1e-9,
            &format!("{name} AUC"),
        );

        let roc = roc_curve(&p, &l).unwrap();
        let want = set["roc"].as_array().unwrap();
        assert_eq!(roc.len(), want.len(), "{name}: ROC points");
        for (i, (got, want)) in roc.iter().zip(want).enumerate() {
            match want[0].as_f64() {
                Some(t) => close(
                    got.threshold,
                    t,
                    1e-12,
                    &format!("{name} ROC {i} threshold"),
                ),
                None => assert!(got.threshold.is_infinite(), "{name}: first point at +inf"),
            }
            close(
                got.fpr,
                want[1].as_f64().unwrap(),
                1e-9,
                &format!("{name} ROC {i} fpr"),
            );
            close(
                got.tpr,
                want[2].as_f64().unwrap(),
                1e-9,
                &format!("{name} ROC {i} tpr"),
            );
        }

        let bins = reliability(&p, &l, 10);
        let r = &set["reliability"];
        let counts: Vec<u64> = r["count"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap())
            .collect();
        assert_eq!(
            bins.iter().map(|b| b.count as u64).collect::<Vec<_>>(),
            counts,
            "{name}: reliability counts"
        );
        for (b, (m, o)) in bins.iter().zip(
            floats(&r["mean_predicted"])
                .into_iter()
                .zip(floats(&r["observed"])),
        ) {
            close(
                b.mean_predicted,
                m,
                1e-9,
                &format!("{name} bin {} mean", b.from),
            );
            close(
                b.observed,
                o,
                1e-9,
                &format!("{name} bin {} observed", b.from),
            );
        }

        let fit = calibration_slope(&p, &l).unwrap();
        close(
            fit.intercept,
            set["calibration_intercept"].as_f64().unwrap(),
            1e-6,
            &format!("{name} calibration intercept"),
        );
        close(
            fit.slope,
            set["calibration_slope"].as_f64().unwrap(),
            1e-6,
            &format!("{name} calibration slope"),
        );
        close(
            calibration_in_the_large(&p, &l).unwrap(),
            set["calibration_in_the_large"].as_f64().unwrap(),
            1e-6,
            &format!("{name} calibration in the large"),
        );

        let curve = decision_curve(&p, &l);
        let want = floats(&set["net_benefit"]);
        assert_eq!(curve.len(), 50);
        for (i, (got, want)) in curve.iter().zip(want).enumerate() {
            close(got.threshold, (i + 1) as f64 / 100.0, 1e-12, "threshold");
            close(
                got.model,
                want,
                1e-9,
                &format!("{name} net benefit at {}", got.threshold),
            );
        }
    }
}

/// 300 labelled synthetic ECGs (`synth` writes labels.csv, moved out of the ECGs' folder).
fn labelled_synthetic(dir: &Path) -> (String, String) {
    let ecgs = dir.join("ecgs");
    let (code, _, stderr) = run(&[
        "synth",
        "--seed",
        "0",
        "--count",
        "300",
        "--out-dir",
        ecgs.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    let labels = dir.join("labels.csv");
    std::fs::rename(ecgs.join("labels.csv"), &labels).unwrap();
    (
        ecgs.to_str().unwrap().to_string(),
        labels.to_str().unwrap().to_string(),
    )
}

/// Per output of a `predict --csv` table: (probability, label) of every labelled record.
fn sensitivity_at(table: &str, labels: &str, vessel: &str, cutoff: f64) -> (f64, usize) {
    let rows = csv_rows(table);
    let file = rows[0].iter().position(|c| c == "file").unwrap();
    let col = rows[0]
        .iter()
        .position(|c| c == &format!("{vessel}_probability"))
        .unwrap();
    let label_rows = csv_rows(labels);
    let label_col = label_rows[0].iter().position(|c| c == vessel).unwrap();
    let (mut found, mut positives) = (0, 0);
    for row in &rows[1..] {
        let base = row[file].rsplit('/').next().unwrap();
        let label = label_rows[1..].iter().find(|l| l[0] == base).unwrap();
        if label[label_col] == "1" {
            positives += 1;
            if row[col].parse::<f64>().unwrap() >= cutoff {
                found += 1;
            }
        }
    }
    (f64::from(found) / f64::from(positives as u32), positives)
}

/// `evaluate --from-csv TABLE --labels LABELS --out OUT [--model MODEL]`.
fn evaluate_from_csv(
    table: &Path,
    labels: &str,
    out: &Path,
    model: Option<&Path>,
) -> (i32, String, String) {
    let mut args = vec![
        "evaluate",
        "--from-csv",
        table.to_str().unwrap(),
        "--labels",
        labels,
        "--out",
        out.to_str().unwrap(),
    ];
    if let Some(model) = model {
        args.extend(["--model", model.to_str().unwrap()]);
    }
    run(&args)
}

/// A site's whole path on labelled synthetic ECGs: `evaluate` reports the demonstration
/// model's card AUCs inside its bootstrap intervals and writes the report, its plots and
/// `report.html`; `--from-csv` on the campaign table gives the same report; `calibrate` to
/// sensitivity 0.9 writes a file whose rule-out cut-off keeps at least that sensitivity on
/// the data, with the card's `validation` entry, which `predict` then shows.
#[test]
fn evaluate_and_calibrate_on_labelled_synthetic_ecgs() {
    let dir = scratch("validation");
    let (ecgs, labels) = labelled_synthetic(&dir);
    let out = dir.join("report");
    let (code, stdout, stderr) = run(&[
        "evaluate",
        &ecgs,
        "--labels",
        &labels,
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("300 record(s), 300 labelled"), "{stdout}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    let card = ModelFile::from_bytes(super::common::DEMO).unwrap();
    // These ECGs are synthetic: the card's synthetic evaluation (beside the real-background
    // one since v2, issue 22) is the one to compare with.
    let metrics = &card.metadata().card.metrics;
    let card_vessels = &metrics.get("synthetic").unwrap_or(metrics)["vessels"];
    let vessels = report["vessels"].as_array().unwrap();
    assert_eq!(vessels.len(), 4);
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("<svg"), "report.html has its plots inline");
    assert!(
        html.contains("Demonstration model"),
        "report.html says what the model is"
    );
    for v in vessels {
        let name = v["vessel"].as_str().unwrap();
        let [lo, hi] = [
            v["auc_ci95"][0].as_f64().unwrap(),
            v["auc_ci95"][1].as_f64().unwrap(),
        ];
        let stated = card_vessels[name]["auc"].as_f64().unwrap();
        assert!(
            lo <= stated && stated <= hi,
            "{name}: the card's AUC {stated} lies outside [{lo}, {hi}]"
        );
        assert_eq!(v["n"], 300, "{name}");
        assert_eq!(v["decision_curve"].as_array().unwrap().len(), 50);
        assert!(v["strata"]["strata"].as_array().unwrap().len() == 3);
        for plot in ["roc", "calibration", "decision-curve"] {
            let svg = std::fs::read_to_string(out.join(format!("{name}-{plot}.svg"))).unwrap();
            assert!(
                svg.contains("<svg") && !svg.contains("style="),
                "{name}-{plot}.svg"
            );
        }
    }

    // The campaign's table instead of a second run: the same report.
    let table = dir.join("campaign.csv");
    let (code, csv, stderr) = run(&["predict", &ecgs, "--csv", "-"]);
    assert_eq!(code, 0, "{stderr}");
    std::fs::write(&table, &csv).unwrap();
    let from_csv = dir.join("from-csv");
    let (code, _, stderr) = evaluate_from_csv(&table, &labels, &from_csv, None);
    assert_eq!(code, 0, "{stderr}");
    let again: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(from_csv.join("report.json")).unwrap())
            .unwrap();
    for (a, b) in vessels.iter().zip(again["vessels"].as_array().unwrap()) {
        // The table's six decimals move an AUC only where two records tie in them.
        let (x, y) = (a["auc"].as_f64().unwrap(), b["auc"].as_f64().unwrap());
        assert!((x - y).abs() < 1e-3, "{}: {x} and {y}", a["vessel"]);
    }

    let labels_text = std::fs::read_to_string(&labels).unwrap();
    for recalibrate in [false, true] {
        let model = dir.join(format!("site-{recalibrate}.safetensors"));
        let mut args = vec![
            "calibrate",
            "--from-csv",
            table.to_str().unwrap(),
            "--labels",
            &labels,
            "--sensitivity",
            "0.9",
            "--specificity",
            "0.9",
            "--site",
            "Cardiology, St Elsewhere",
            "--date",
            "2026-12-01",
            "--out",
            model.to_str().unwrap(),
        ];
        if recalibrate {
            args.push("--recalibrate");
        }
        let (code, stdout, stderr) = run(&args);
        assert_eq!(code, 0, "{stderr}");
        assert!(stdout.contains("rule-out"), "{stdout}");
        let file = ModelFile::from_bytes(&std::fs::read(&model).unwrap()).unwrap();
        let metadata = file.metadata();
        assert_eq!(
            metadata.version,
            format!("{}+local.2026-12-01", card.metadata().version)
        );
        assert_eq!(
            metadata.recalibration.len(),
            if recalibrate { 4 } else { 0 }
        );
        assert_eq!(metadata.format_version, if recalibrate { 2 } else { 1 });
        let line = metadata.card.local_validation().unwrap();
        assert!(
            line.contains("calibrated locally at Cardiology, St Elsewhere on 2026-12-01"),
            "{line}"
        );
        assert_eq!(file.parameter_count(), card.parameter_count());

        // The calibrated model's own predictions: its rule-out cut-off finds ≥ 90 % of the
        // positives of every vessel.
        let (code, csv, stderr) = run(&[
            "predict",
            "--model",
            model.to_str().unwrap(),
            &ecgs,
            "--csv",
            "-",
        ]);
        assert_eq!(code, 0, "{stderr}");
        for vessel in &metadata.outputs {
            let cutoff = metadata.thresholds[vessel].rule_out.probability;
            let (sensitivity, positives) = sensitivity_at(&csv, &labels_text, vessel, cutoff);
            assert!(positives >= 5, "{vessel}: {positives} positives");
            assert!(
                sensitivity >= 0.9,
                "{vessel} (recalibrate {recalibrate}): sensitivity {sensitivity} at {cutoff}"
            );
        }
        let (code, stdout, _) = run(&[
            "predict",
            "--model",
            model.to_str().unwrap(),
            "tests/fixtures/A0001.csv",
        ]);
        assert_eq!(code, 0);
        assert!(
            stdout.contains("calibrated locally at Cardiology, St Elsewhere"),
            "{stdout}"
        );
    }

    // A table another model made is refused, by name.
    let other = dir.join("site-false.safetensors");
    let (code, _, stderr) = evaluate_from_csv(&table, &labels, &dir.join("x"), Some(&other));
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("campaign.csv: made by the model"),
        "{stderr}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// A bad labels file gets one line naming the file, the line and the column; a labels file
/// that names none of the records says so instead of an empty report.
#[test]
fn bad_labels_are_named_with_their_line_and_column() {
    let dir = scratch("bad-labels");
    let labels = dir.join("labels.csv");
    let cases: [(&str, &str); 7] = [
        (
            "file,RCA,LM,LAD,LCX\r\nA0001.csv,1,0,0,0\r\n\r\nA0001.csv,0,0,0,0\r\n",
            "line 4",
        ),
        (
            "file,RCA,LM,LAD,LCX\nA0001.csv,1,0,2,0\n",
            "line 2, column 'LAD'",
        ),
        (
            "file,RCA,LM,LAD,LCX\nA0001.csv,1,0,0,0\nA0001.csv,0,0,0,0\n",
            "line 3",
        ),
        (
            "file,RCA,LM,LAD,LCX\nnot-there.csv,1,0,0,0\n",
            "not-there.csv",
        ),
        ("name,RCA\nA0001.csv,1\n", "line 1"),
        ("file,RCA,LM\nA0001.csv,1\n", "line 2"),
        ("file,RCA,LM,LAD,LCX\nA0001.csv,yes,0,0,0\n", "column 'RCA'"),
    ];
    for (text, want) in cases {
        std::fs::write(&labels, text).unwrap();
        let (code, _, stderr) = run(&[
            "evaluate",
            "tests/fixtures/A0001.csv",
            "--labels",
            labels.to_str().unwrap(),
            "--out",
            dir.join("out").to_str().unwrap(),
        ]);
        assert_eq!(code, 1, "{text:?}: {stderr}");
        // One line of error (after the line saying the model ran, when it ran).
        let last = stderr.lines().last().unwrap_or_default();
        assert_eq!(
            stderr.matches("labels.csv").count(),
            1,
            "{text:?}: {stderr}"
        );
        assert!(last.contains("labels.csv: "), "{text:?}: {stderr}");
        assert!(last.contains(want), "{text:?} should name {want}: {stderr}");
        assert!(!stderr.contains("Usage"), "{stderr}");
    }
    assert!(
        !dir.join("out").exists(),
        "no report is written from bad labels"
    );
    std::fs::remove_dir_all(&dir).ok();
}
