//! Clinical context (issue 17) at the command line: `predict --context` adds the guideline
//! likelihoods and the combined category to each row; bad context rows are named by line;
//! `evaluate` on labels with the context columns reports the grey zone and the NRI, which this
//! test recomputes from the prediction table itself.

use ecg_stenosis::clinical::{ClinicalContext, Guideline};
use ecg_stenosis::model::metadata::{ClinicalContextRule, Stratum};

use crate::cli::{csv_rows, run, scratch};

fn col(header: &[String], name: &str) -> usize {
    header
        .iter()
        .position(|c| c == name)
        .unwrap_or_else(|| panic!("no column {name} in {header:?}"))
}

/// The highest stratum of a row's four vessels.
fn any_vessel(header: &[String], row: &[String]) -> Option<Stratum> {
    let mut best: Option<(usize, Stratum)> = None;
    for v in ["RCA", "LM", "LAD", "LCX"] {
        let s = match row[col(header, &format!("{v}_stratum"))].as_str() {
            "low" => Stratum::Low,
            "intermediate" => Stratum::Intermediate,
            "high" => Stratum::High,
            _ => continue,
        };
        let rank = Stratum::ALL.iter().position(|&t| t == s).unwrap();
        if best.is_none_or(|(r, _)| rank > r) {
            best = Some((rank, s));
        }
    }
    best.map(|(_, s)| s)
}

/// Three records, two with a context row: a 58-year-old man with atypical pain and two risk
/// factors (ESC 2019 17 %, over 15 %; ESC 2024 11 %, low: worked in `clinical`'s tests), a
/// 25-year-old (outside both tables: said, not extrapolated), and one without a row.
#[test]
fn predict_context_adds_the_likelihoods_and_the_combined_category() {
    let dir = scratch("clinical-predict");
    let context = dir.join("context.csv");
    std::fs::write(
        &context,
        "file,age,sex,symptoms,risk_factors\r\nA0001.csv,58,m,atypical,hypertension+smoking\r\n\
         A0002.hea,25,F,typical,\r\n",
    )
    .unwrap();
    let out = dir.join("table.csv");
    let (code, _, stderr) = run(&[
        "predict",
        "tests/fixtures/A0001.csv",
        "tests/fixtures/wfdb/A0002.hea",
        "tests/fixtures/wfdb/A0002.mat",
        "tests/fixtures/edf/A0001.edf",
        "--context",
        context.to_str().unwrap(),
        "--csv",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    let rows = csv_rows(&std::fs::read_to_string(&out).unwrap());
    let h = &rows[0];
    assert_eq!(rows.len(), 4, "{rows:?}");
    let man = &rows[1];
    assert_eq!(man[col(h, "esc2019_ptp_percent")], "17");
    assert_eq!(man[col(h, "esc2019_ptp_category")], "over_15");
    assert_eq!(man[col(h, "esc2024_ptp_percent")], "11");
    assert_eq!(man[col(h, "esc2024_ptp_category")], "low");
    let stratum = any_vessel(h, man).expect("A0001 has an estimate");
    assert_eq!(man[col(h, "any_vessel_stratum")], stratum.name());
    let rule = ClinicalContextRule::demonstration();
    let want = rule
        .combine(ecg_stenosis::clinical::Category::Low, stratum)
        .unwrap();
    assert_eq!(man[col(h, "combined_category")], want.combined.key());
    let young = &rows[2];
    assert!(young[0].contains("A0002.hea"), "{young:?}");
    assert_eq!(young[col(h, "esc2019_ptp_percent")], "");
    let notes = &young[col(h, "context_notes")];
    assert!(
        notes.contains("ESC 2019: age 25 is below the table's range"),
        "{notes}"
    );
    assert!(notes.contains("ESC 2024: age 25"), "{notes}");
    assert_eq!(young[col(h, "combined_category")], "");
    let none = &rows[3];
    assert!(none[col(h, "context_notes")].contains("no row in the context file"));

    // The JSON report carries the same, with the rule's words and its demonstration flag.
    let (code, stdout, stderr) = run(&[
        "predict",
        "tests/fixtures/A0001.csv",
        "--context",
        context.to_str().unwrap(),
        "--json",
    ]);
    // The context row for A0002 names no record of this run: said by line, exit 1.
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("line 3: matches no record given"),
        "{stderr}"
    );
    let batch: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let c = &batch["records"][0]["clinical_context"];
    assert_eq!(c["likelihoods"][1]["guideline"], "esc2024");
    assert_eq!(c["likelihoods"][1]["percent"], 11.0);
    assert_eq!(c["combined"]["demonstration"], true);
    assert!(
        c["combined"]["wording"]
            .as_str()
            .unwrap()
            .starts_with("Demonstration rule")
    );
    // Without --context, no such part and no such columns.
    let (_, stdout, _) = run(&["predict", "tests/fixtures/A0001.csv", "--csv", "-"]);
    assert!(!stdout.contains("esc2019") && !stdout.contains("context_notes"));
}

#[test]
fn bad_context_rows_are_named_with_their_line_and_column() {
    let dir = scratch("clinical-bad");
    let cases = [
        (
            "file,age,sex,symptoms\nA0001.csv,abc,m,typical\n",
            "line 2, column 'age': 'abc' is not an age",
        ),
        (
            "file,age,sex,symptoms\nx.csv,50,m,typical\nA0001.csv,60,,typical\n",
            "line 3, column 'sex': missing",
        ),
        (
            "file,age,sex,symptoms\nA0001.csv,60,m,crushing\n",
            "line 2, column 'symptoms': 'crushing'",
        ),
        ("file,age,sex\nA0001.csv,60,m\n", "no 'symptoms' column"),
        (
            "file,age,sex,symptoms,risk_factors\nA0001.csv,60,m,typical,9\n",
            "line 2, column 'risk_factors'",
        ),
    ];
    for (i, (text, needle)) in cases.into_iter().enumerate() {
        let path = dir.join(format!("context-{i}.csv"));
        std::fs::write(&path, text).unwrap();
        let (code, stdout, stderr) = run(&[
            "predict",
            "tests/fixtures/A0001.csv",
            "--context",
            path.to_str().unwrap(),
        ]);
        assert_eq!(code, 1, "{text}: {stderr}");
        assert!(stderr.contains(needle), "{text}: {stderr}");
        assert!(
            stdout.is_empty(),
            "nothing analysed before the context file is good"
        );
    }
}

/// `evaluate --from-csv` with labels that carry age, sex, symptoms and risk factors: the
/// report's grey-zone counts and NRIs equal those counted here from the prediction table's
/// strata, the ESC 2024 likelihood of each row and the demonstration rule.
#[test]
fn evaluate_reports_grey_zone_and_nri_that_the_table_recomputes() {
    let dir = scratch("clinical-evaluate");
    let ecgs = dir.join("ecgs");
    let (code, _, stderr) = run(&[
        "synth",
        "--seed",
        "3",
        "--count",
        "120",
        "--out-dir",
        ecgs.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    let labels = csv_rows(&std::fs::read_to_string(ecgs.join("labels.csv")).unwrap());
    std::fs::remove_file(ecgs.join("labels.csv")).unwrap();
    let lh = labels[0].clone();
    let symptoms = [
        "typical",
        "atypical",
        "non-anginal",
        "dyspnoea",
        "none",
        "atypical+dyspnoea",
    ];
    let mut text = format!("{},age,sex,symptoms,risk_factors\n", lh.join(","));
    let mut contexts = Vec::new();
    for (i, row) in labels[1..].iter().enumerate() {
        let age = (28 + (i * 7) % 56).to_string();
        let sex = if i % 2 == 0 { "m" } else { "f" };
        let (sy, rf) = (symptoms[i % symptoms.len()], (i % 6).to_string());
        text += &format!("{},{age},{sex},{sy},{rf}\n", row.join(","));
        contexts.push(ClinicalContext::parse(&age, sex, sy, &rf).unwrap());
    }
    let labels_path = dir.join("labels.csv");
    std::fs::write(&labels_path, &text).unwrap();
    let table = dir.join("table.csv");
    let (code, _, stderr) = run(&[
        "predict",
        ecgs.to_str().unwrap(),
        "--csv",
        table.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    let out = dir.join("report");
    let (code, _, stderr) = run(&[
        "evaluate",
        "--from-csv",
        table.to_str().unwrap(),
        "--labels",
        labels_path.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    let c = &report["clinical_context"];

    let rows = csv_rows(&std::fs::read_to_string(&table).unwrap());
    let h = &rows[0];
    let rule = ClinicalContextRule::demonstration();
    let (mut n, mut out_of_range, mut grey) = (0usize, 0usize, [0usize; 2]);
    let mut moves = [0i64; 4]; // events up, events down, non-events up, non-events down
    let mut events = 0usize;
    for (label, context) in labels[1..].iter().zip(&contexts) {
        let file = &label[col(&lh, "file")];
        let row = rows[1..]
            .iter()
            .find(|r| r[0].rsplit('/').next() == Some(file.as_str()))
            .unwrap();
        let Some(stratum) = any_vessel(h, row) else {
            continue;
        };
        let Ok(l) = context.likelihood(Guideline::Esc2024) else {
            out_of_range += 1;
            continue;
        };
        let combined = rule.combine(l.category, stratum).unwrap().combined;
        let event = ["RCA", "LM", "LAD", "LCX"]
            .iter()
            .any(|v| label[col(&lh, v)] == "1");
        n += 1;
        events += usize::from(event);
        let g = Guideline::Esc2024.grey_zone();
        grey[0] += usize::from(l.category == g);
        grey[1] += usize::from(combined == g);
        let (up, down) = (
            combined.rank() > l.category.rank(),
            combined.rank() < l.category.rank(),
        );
        let k = if event { 0 } else { 2 };
        moves[k] += i64::from(up);
        moves[k + 1] += i64::from(down);
    }
    assert!(
        out_of_range > 0,
        "ages 28, 29 and over 80 are outside ESC 2024's table"
    );
    assert_eq!(c["n"], n);
    assert_eq!(c["events"], events);
    assert_eq!(c["out_of_range"], out_of_range);
    assert_eq!(c["grey_zone"], "low");
    assert_eq!(c["grey_zone_before"]["count"], grey[0]);
    assert_eq!(c["grey_zone_after"]["count"], grey[1]);
    let nonevents = n - events;
    let nri_e = (moves[0] - moves[1]) as f64 / events as f64;
    let nri_n = (moves[3] - moves[2]) as f64 / nonevents as f64;
    let got = |k: &str| c[k]["value"].as_f64().unwrap();
    assert!((got("nri_events") - nri_e).abs() < 1e-12, "{c}");
    assert!((got("nri_nonevents") - nri_n).abs() < 1e-12, "{c}");
    assert!((got("nri_total") - nri_e - nri_n).abs() < 1e-12, "{c}");
    for k in ["nri_events", "nri_nonevents", "nri_total"] {
        let ci = &c[k]["ci95"];
        let (lo, hi) = (ci[0].as_f64().unwrap(), ci[1].as_f64().unwrap());
        assert!(lo <= got(k) + 1e-12 && got(k) <= hi + 1e-12, "{k}: {c}");
    }
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(
        html.contains("Clinical context") && html.contains("a demonstration that no validation")
    );
}
