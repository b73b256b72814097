//! The validation report: per output, the discrimination (AUC with its bootstrap interval,
//! ROC), the calibration (reliability table, intercept and slope, Brier), the decision curve,
//! the strata at the model file's cut-offs, and subgroup AUCs by sex and age band.

use serde::{Deserialize, Serialize};

use super::table::{Labels, Matched, Prediction};
use crate::evaluation::{
    LogisticFit, NetBenefit, ReliabilityBin, RocPoint, auc, auc_bootstrap_ci, brier,
    calibration_in_the_large, calibration_slope, decision_curve, reliability, roc_curve,
};
use crate::model::{ModelMetadata, Stratum, Thresholds};

/// How a report is computed.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ReportOptions {
    /// Bootstrap resamples of each AUC interval.
    pub bootstrap_resamples: usize,
    /// Seed of the bootstrap (output `k` uses `seed + k`).
    pub seed: u64,
    /// Equal-width bins of the reliability table.
    pub reliability_bins: usize,
}

impl Default for ReportOptions {
    fn default() -> Self {
        Self {
            bootstrap_resamples: 2000,
            seed: 1,
            reliability_bins: 10,
        }
    }
}

/// The whole report (`report.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValidationReport {
    /// The model evaluated: name and version.
    pub model: String,
    /// Its version.
    pub model_version: String,
    /// True for the demonstration model (synthetic training data).
    pub demonstration_model: bool,
    /// The model card's disclaimer.
    pub disclaimer: String,
    /// How it was computed.
    pub options: ReportOptions,
    /// Records given, labelled, and labelled without an estimate (left out of every metric).
    pub records: RecordCounts,
    /// Columns of the labels file that were not used.
    pub ignored_columns: Vec<String>,
    /// Per output with a labels column, in the model's order.
    pub vessels: Vec<VesselReport>,
    /// What combining the guideline likelihood with the ECG changes, when the model file has
    /// a rule and the labels file the context columns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clinical_context: Option<super::context::ContextValidation>,
}

/// How many records went where.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordCounts {
    /// Records with a prediction row (estimate or error).
    pub given: usize,
    /// Of them, named by a label row.
    pub labelled: usize,
    /// Labelled, but the model gave no estimate (unreadable, unusable …): in no metric.
    pub labelled_without_estimate: usize,
    /// Not named by any label row.
    pub unlabelled: usize,
}

/// One output's evaluation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VesselReport {
    /// Output name.
    pub vessel: String,
    /// Cases: labelled 0 or 1 for this output and with an estimate.
    pub n: usize,
    /// Of them, labelled 1.
    pub positives: usize,
    /// ROC AUC (`null` with a single class).
    pub auc: Option<f64>,
    /// Percentile bootstrap 95 % interval.
    pub auc_ci95: Option<[f64; 2]>,
    /// The ROC curve (scikit-learn's points).
    pub roc: Vec<RocPoint>,
    /// Mean squared error of the probability.
    pub brier: f64,
    /// Reliability table (non-empty bins).
    pub reliability: Vec<ReliabilityBin>,
    /// Calibration-in-the-large: the intercept with the slope held at 1 (0 is calibrated).
    pub calibration_intercept: Option<f64>,
    /// The logistic fit `logit P(y) = a + b · logit(p)` (slope 1 and intercept 0 is
    /// calibrated; a slope below 1 means too extreme probabilities).
    pub calibration_fit: Option<LogisticFit>,
    /// Net benefit at threshold probabilities 1 … 50 %.
    pub decision_curve: Vec<NetBenefit>,
    /// The strata at the model file's cut-offs (absent when the file has none).
    pub strata: Option<StrataReport>,
    /// AUC per sex and age band.
    pub subgroups: Vec<SubgroupReport>,
}

/// The strata at the model file's cut-offs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StrataReport {
    /// The cut-offs used.
    pub thresholds: Thresholds,
    /// Low, intermediate, high.
    pub strata: Vec<StratumRow>,
    /// "Not low" (at or above the rule-out cut-off) as a positive test.
    pub rule_out: TestPerformance,
    /// "High" (at or above the rule-in cut-off) as a positive test.
    pub rule_in: TestPerformance,
    /// Share of cases in the intermediate stratum.
    pub intermediate_share: f64,
}

/// One stratum's cases.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StratumRow {
    /// Which.
    pub stratum: Stratum,
    /// Cases in it.
    pub n: usize,
    /// Share of all cases.
    pub share: f64,
    /// Of them, positive.
    pub positives: usize,
    /// Observed prevalence in the stratum (`null` when empty).
    pub prevalence: Option<f64>,
}

/// A cut-off as a test: each value `null` when its denominator is empty.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestPerformance {
    /// Positives at or above the cut-off / positives.
    pub sensitivity: Option<f64>,
    /// Negatives below / negatives.
    pub specificity: Option<f64>,
    /// Positives among those at or above.
    pub ppv: Option<f64>,
    /// Negatives among those below.
    pub npv: Option<f64>,
}

impl TestPerformance {
    fn of(probabilities: &[f64], labels: &[bool], cutoff: f64) -> Self {
        let (mut tp, mut fp, mut tn, mut fn_) = (0usize, 0usize, 0usize, 0usize);
        for (&p, &l) in probabilities.iter().zip(labels) {
            match (p >= cutoff, l) {
                (true, true) => tp += 1,
                (true, false) => fp += 1,
                (false, false) => tn += 1,
                (false, true) => fn_ += 1,
            }
        }
        let ratio = |a: usize, b: usize| (a + b > 0).then(|| a as f64 / (a + b) as f64);
        Self {
            sensitivity: ratio(tp, fn_),
            specificity: ratio(tn, fp),
            ppv: ratio(tp, fp),
            npv: ratio(tn, fn_),
        }
    }
}

/// One subgroup's discrimination.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubgroupReport {
    /// `sex` or `age`.
    pub by: String,
    /// The sex as written, or the age band (`<50`, `50-59`, `60-69`, `>=70`).
    pub group: String,
    /// Cases.
    pub n: usize,
    /// Of them, positive.
    pub positives: usize,
    /// AUC (`null` with a single class).
    pub auc: Option<f64>,
    /// Its bootstrap interval.
    pub auc_ci95: Option<[f64; 2]>,
}

/// The age bands of the subgroup table.
pub fn age_band(years: f64) -> &'static str {
    match years {
        y if y < 50.0 => "<50",
        y if y < 60.0 => "50-59",
        y if y < 70.0 => "60-69",
        _ => ">=70",
    }
}

/// One output's cases: probability, outcome, and the label row each came from.
pub struct Cases {
    /// The probabilities.
    pub probabilities: Vec<f64>,
    /// The outcomes.
    pub labels: Vec<bool>,
    /// Label row indices.
    pub rows: Vec<usize>,
}

/// The cases of output `k`: matched pairs labelled 0 or 1 for it, with an estimate.
pub fn cases(labels: &Labels, predictions: &[Prediction], matched: &Matched, k: usize) -> Cases {
    let mut out = Cases {
        probabilities: Vec::new(),
        labels: Vec::new(),
        rows: Vec::new(),
    };
    for &(r, p) in &matched.pairs {
        if let (Some(outcome), Some(Some(probability))) = (
            labels.rows[r].outcomes[k],
            predictions[p].probabilities.get(k),
        ) {
            out.probabilities.push(*probability);
            out.labels.push(outcome);
            out.rows.push(r);
        }
    }
    out
}

/// The report of `predictions` (in the model's output order) against `labels`.
pub fn validation_report(
    metadata: &ModelMetadata,
    labels: &Labels,
    predictions: &[Prediction],
    matched: &Matched,
    options: ReportOptions,
) -> ValidationReport {
    let labelled_without_estimate = matched
        .pairs
        .iter()
        .filter(|&&(_, p)| predictions[p].probabilities.iter().all(Option::is_none))
        .count();
    let vessels = metadata
        .outputs
        .iter()
        .enumerate()
        .filter(|(_, o)| labels.labelled_outputs.contains(o))
        .map(|(k, vessel)| {
            let cases = cases(labels, predictions, matched, k);
            vessel_report(vessel, k, &cases, labels, metadata, &options)
        })
        .collect();
    ValidationReport {
        model: metadata.name.clone(),
        model_version: metadata.version.clone(),
        demonstration_model: metadata.card.demonstration,
        disclaimer: metadata.card.disclaimer.clone(),
        options,
        records: RecordCounts {
            given: predictions.len(),
            labelled: matched.pairs.len(),
            labelled_without_estimate,
            unlabelled: matched.unlabelled,
        },
        ignored_columns: labels.ignored_columns.clone(),
        vessels,
        clinical_context: super::context::report_section(
            metadata,
            labels,
            predictions,
            matched,
            options.bootstrap_resamples,
            options.seed,
        ),
    }
}

fn interval(p: &[f64], l: &[bool], options: &ReportOptions, seed: u64) -> Option<[f64; 2]> {
    auc_bootstrap_ci(p, l, options.bootstrap_resamples, seed).map(|(a, b)| [a, b])
}

fn vessel_report(
    vessel: &str,
    k: usize,
    cases: &Cases,
    labels: &Labels,
    metadata: &ModelMetadata,
    options: &ReportOptions,
) -> VesselReport {
    let (p, l) = (&cases.probabilities, &cases.labels);
    let seed = options.seed.wrapping_add(k as u64);
    let strata = metadata.thresholds.get(vessel).map(|t| strata(p, l, t));
    let mut subgroups = Vec::new();
    let mut groups: Vec<(&str, String, Vec<usize>)> = Vec::new();
    for (i, &r) in cases.rows.iter().enumerate() {
        let row = &labels.rows[r];
        let keys = [
            row.sex.clone().map(|s| ("sex", s)),
            row.age.map(|a| ("age", age_band(a).to_string())),
        ];
        for (by, group) in keys.into_iter().flatten() {
            match groups.iter_mut().find(|g| g.0 == by && g.1 == group) {
                Some(g) => g.2.push(i),
                None => groups.push((by, group, vec![i])),
            }
        }
    }
    groups.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    for (by, group, members) in groups {
        let gp: Vec<f64> = members.iter().map(|&i| p[i]).collect();
        let gl: Vec<bool> = members.iter().map(|&i| l[i]).collect();
        subgroups.push(SubgroupReport {
            by: by.to_string(),
            group,
            n: gp.len(),
            positives: gl.iter().filter(|&&x| x).count(),
            auc: auc(&gp, &gl),
            auc_ci95: interval(&gp, &gl, options, seed),
        });
    }
    VesselReport {
        vessel: vessel.to_string(),
        n: p.len(),
        positives: l.iter().filter(|&&x| x).count(),
        auc: auc(p, l),
        auc_ci95: interval(p, l, options, seed),
        roc: roc_curve(p, l).unwrap_or_default(),
        brier: brier(p, l),
        reliability: reliability(p, l, options.reliability_bins),
        calibration_intercept: calibration_in_the_large(p, l),
        calibration_fit: calibration_slope(p, l),
        decision_curve: if p.is_empty() {
            Vec::new()
        } else {
            decision_curve(p, l)
        },
        strata,
        subgroups,
    }
}

/// The strata table at `thresholds`.
pub fn strata(probabilities: &[f64], labels: &[bool], thresholds: &Thresholds) -> StrataReport {
    let n = probabilities.len();
    let rows: Vec<StratumRow> = Stratum::ALL
        .iter()
        .map(|&stratum| {
            let members: Vec<bool> = probabilities
                .iter()
                .zip(labels)
                .filter(|(p, _)| thresholds.stratum(**p) == stratum)
                .map(|(_, &l)| l)
                .collect();
            let positives = members.iter().filter(|&&x| x).count();
            StratumRow {
                stratum,
                n: members.len(),
                share: if n == 0 {
                    0.0
                } else {
                    members.len() as f64 / n as f64
                },
                positives,
                prevalence: (!members.is_empty()).then(|| positives as f64 / members.len() as f64),
            }
        })
        .collect();
    StrataReport {
        thresholds: thresholds.clone(),
        intermediate_share: rows[1].share,
        strata: rows,
        rule_out: TestPerformance::of(probabilities, labels, thresholds.rule_out.probability),
        rule_in: TestPerformance::of(probabilities, labels, thresholds.rule_in.probability),
    }
}
