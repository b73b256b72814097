//! Site calibration: new strata cut-offs chosen on a site's labelled ECGs (rule-out for a
//! target sensitivity, rule-in for a target specificity), optionally a logistic recalibration,
//! and a `validation` entry in the model card that says it was done locally, where and when.

use serde_json::{Value, json};

use super::report::{Cases, ReportOptions};
use super::table::TableError;
use crate::evaluation::{
    auc, auc_bootstrap_ci, calibration_slope, rule_in_cutoff, rule_out_cutoff,
};
use crate::model::metadata::{RuleIn, RuleOut};
use crate::model::{ModelMetadata, Recalibration, Thresholds};

/// What a site asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct Targets {
    /// The rule-out cut-off's sensitivity on the site's data (at least).
    pub sensitivity: f64,
    /// The rule-in cut-off's specificity (at least).
    pub specificity: f64,
    /// Also fit `sigmoid(a + b · logit)` per output.
    pub recalibrate: bool,
    /// Who calibrated: the site's name, as the user gives it.
    pub site: String,
    /// When (YYYY-MM-DD).
    pub date: String,
}

/// The longest site name a card takes.
pub const SITE_MAX_CHARS: usize = 120;

impl Targets {
    /// The targets are usable: both in (0, 1), a site name of 1 to [`SITE_MAX_CHARS`]
    /// characters without control characters, a date as YYYY-MM-DD.
    pub fn check(&self) -> Result<(), TableError> {
        let unit = |v: f64| v > 0.0 && v < 1.0;
        if !(unit(self.sensitivity) && unit(self.specificity)) {
            return Err(TableError(
                "the target sensitivity and specificity must lie strictly between 0 and 1".into(),
            ));
        }
        let site = self.site.trim();
        if site.is_empty()
            || site.chars().count() > SITE_MAX_CHARS
            || site.chars().any(char::is_control)
        {
            return Err(TableError(format!(
                "the site name must be 1 to {SITE_MAX_CHARS} characters, without control characters"
            )));
        }
        let d = self.date.as_bytes();
        let digits = |r: std::ops::Range<usize>| d[r].iter().all(u8::is_ascii_digit);
        if !(d.len() == 10
            && digits(0..4)
            && d[4] == b'-'
            && digits(5..7)
            && d[7] == b'-'
            && digits(8..10))
        {
            return Err(TableError(format!(
                "the date '{}' is not YYYY-MM-DD",
                self.date.chars().take(20).collect::<String>()
            )));
        }
        Ok(())
    }
}

/// What calibration did to one output.
#[derive(Debug, Clone, PartialEq)]
pub struct OutputCalibration {
    /// The output.
    pub output: String,
    /// The new cut-offs (`None`: kept as they were, with the reason).
    pub thresholds: Result<Thresholds, String>,
    /// The recalibration now in the file for it, if any.
    pub recalibration: Option<Recalibration>,
    /// The card entry's numbers.
    pub entry: Value,
}

impl OutputCalibration {
    /// In words, for the command line and the page: the new cut-offs (or why they were
    /// kept), then the note, if any.
    pub fn describe(&self) -> Vec<String> {
        let mut lines = vec![match &self.thresholds {
            Ok(t) => format!(
                "{}: rule-out {:.4} (sensitivity {:.3}), rule-in {:.4} (specificity {:.3}){}",
                self.output,
                t.rule_out.probability,
                t.rule_out.sensitivity,
                t.rule_in.probability,
                t.rule_in.specificity,
                self.recalibration.map_or_else(String::new, |r| format!(
                    "; recalibration intercept {:.3}, slope {:.3}",
                    r.intercept, r.slope
                ))
            ),
            Err(why) => why.clone(),
        }];
        if let Some(note) = self.entry.get("note").and_then(Value::as_str) {
            lines.push(format!("note: {}: {note}", self.output));
        }
        lines
    }
}

/// New metadata: `cases[k]` are output `k`'s cases on the site's data (`None` for an output
/// the labels file has no column for). Outputs without both classes keep their cut-offs (and
/// say so). Fails when a recalibration was asked for and cannot be fitted.
pub fn calibrate(
    metadata: &ModelMetadata,
    cases: &[Option<Cases>],
    targets: &Targets,
    options: &ReportOptions,
) -> Result<(ModelMetadata, Vec<OutputCalibration>), TableError> {
    targets.check()?;
    let mut out = metadata.clone();
    let mut done = Vec::new();
    for (k, (output, cases)) in metadata.outputs.iter().zip(cases).enumerate() {
        let Some(cases) = cases else { continue };
        let seed = options.seed.wrapping_add(k as u64);
        done.push(calibrate_output(
            &mut out, output, cases, targets, options, seed,
        )?);
    }
    if done.iter().all(|d| d.thresholds.is_err()) {
        return Err(TableError(
            "no output has labelled cases of both classes: nothing to calibrate".into(),
        ));
    }
    if !out.recalibration.is_empty() {
        out.format_version = 2;
    }
    let vessels: serde_json::Map<String, Value> = done
        .iter()
        .map(|d| (d.output.clone(), d.entry.clone()))
        .collect();
    let entry = json!({
        "calibrated_locally": true,
        "site": targets.site.trim(),
        "date": targets.date,
        "targets": {"sensitivity": targets.sensitivity, "specificity": targets.specificity},
        "recalibrated": targets.recalibrate,
        "bootstrap_resamples": options.bootstrap_resamples,
        "tool": format!("ecg-stenosis {}", env!("CARGO_PKG_VERSION")),
        "vessels": vessels,
    });
    let history = out
        .card
        .extra
        .entry("validation")
        .or_insert_with(|| Value::Array(Vec::new()));
    if !history.is_array() {
        *history = Value::Array(vec![history.clone()]);
    }
    if let Value::Array(list) = history {
        list.push(entry);
    }
    if !out.version.contains("+local.") {
        out.version = format!("{}+local.{}", out.version, targets.date);
    }
    out.check().map_err(|e| TableError(e.to_string()))?;
    Ok((out, done))
}

/// One output's new cut-offs (and recalibration) into `out`, with its card entry.
fn calibrate_output(
    out: &mut ModelMetadata,
    output: &str,
    cases: &Cases,
    targets: &Targets,
    options: &ReportOptions,
    seed: u64,
) -> Result<OutputCalibration, TableError> {
    let (p, l) = (&cases.probabilities, &cases.labels);
    let positives = l.iter().filter(|&&x| x).count();
    let mut entry = json!({
        "n": l.len(),
        "positives": positives,
        "auc": auc(p, l),
        "auc_ci95": auc_bootstrap_ci(p, l, options.bootstrap_resamples, seed).map(|(a, b)| [a, b]),
    });
    if positives == 0 || positives == l.len() {
        let why = format!(
            "{output}: {} case(s), {positives} positive: both classes are needed; its cut-offs are kept",
            l.len()
        );
        entry["kept"] = json!(why);
        return Ok(OutputCalibration {
            output: output.to_string(),
            thresholds: Err(why),
            recalibration: out.recalibration.get(output).copied(),
            entry,
        });
    }
    let mut q = p.clone();
    if targets.recalibrate {
        let fit = calibration_slope(p, l).ok_or_else(|| {
                TableError(format!(
                    "{output}: the recalibration cannot be fitted (the probabilities separate the classes completely, or the fit does not converge)"
                ))
            })?;
        if fit.slope <= 0.0 {
            return Err(TableError(format!(
                "{output}: the fitted recalibration slope is {:.3}: the model ranks this site's cases the wrong way round, and a recalibration cannot mend that",
                fit.slope
            )));
        }
        q = p.iter().map(|&x| fit.apply(x)).collect();
        // Compose with a recalibration already in the file: the probabilities given were
        // already recalibrated by it.
        let before = out
            .recalibration
            .get(output)
            .copied()
            .unwrap_or(Recalibration {
                intercept: 0.0,
                slope: 1.0,
            });
        let composed = Recalibration {
            intercept: fit.intercept + fit.slope * before.intercept,
            slope: fit.slope * before.slope,
        };
        entry["recalibration"] = json!({"intercept": fit.intercept, "slope": fit.slope});
        out.recalibration.insert(output.to_string(), composed);
    }
    let (Some((mut low, sensitivity)), Some((high, specificity))) = (
        rule_out_cutoff(&q, l, targets.sensitivity),
        rule_in_cutoff(&q, l, targets.specificity),
    ) else {
        return Err(TableError(format!("{output}: no cut-off can be chosen")));
    };
    // Cut-offs half-way to the next case rather than on a case's own probability: the
    // same record's probability differs in the last digits between a CSV's six decimals,
    // the CPU and WebGPU, and a cut-off on a case's value would flip that case.
    low = midway_below(&q, low);
    let high = midway_above(&q, high.next_down());
    let mut note = None;
    if low > high {
        note = Some(format!(
            "the rule-out cut-off for sensitivity {} ({low:.4}) lay above the rule-in cut-off for specificity {} ({high:.4}): the strata may not overlap, so rule-out was lowered to the rule-in cut-off",
            targets.sensitivity, targets.specificity
        ));
        low = high;
    }
    let achieved =
        q.iter().zip(l).filter(|(q, l)| **l && **q >= low).count() as f64 / positives as f64;
    let thresholds = Thresholds {
        rule_out: RuleOut {
            probability: low,
            sensitivity: if note.is_some() {
                achieved
            } else {
                sensitivity
            },
        },
        rule_in: RuleIn {
            probability: high.min(1.0),
            specificity,
        },
    };
    entry["rule_out"] = json!(thresholds.rule_out);
    entry["rule_in"] = json!(thresholds.rule_in);
    if let Some(note) = note {
        entry["note"] = json!(note);
    }
    out.thresholds
        .insert(output.to_string(), thresholds.clone());
    Ok(OutputCalibration {
        output: output.to_string(),
        thresholds: Ok(thresholds),
        recalibration: out.recalibration.get(output).copied(),
        entry,
    })
}

/// Half-way between `cutoff` and the highest value below it (0 when there is none).
fn midway_below(values: &[f64], cutoff: f64) -> f64 {
    let below = values
        .iter()
        .copied()
        .filter(|&v| v < cutoff)
        .fold(0.0f64, f64::max);
    (below + cutoff) / 2.0
}

/// Half-way between `value` and the lowest value above it (1 when there is none).
fn midway_above(values: &[f64], value: f64) -> f64 {
    let above = values
        .iter()
        .copied()
        .filter(|&v| v > value)
        .fold(1.0f64, f64::min);
    (value + above) / 2.0
}
