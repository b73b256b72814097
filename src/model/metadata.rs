//! The `ecg_stenosis` document a model file carries in its safetensors `__metadata__`
//! (schema in the README, "Model files"). Unknown fields are kept, so a file written by a newer
//! tool and re-saved by this one loses nothing.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::net1d::Net1dConfig;
use crate::clinical::{Category, Guideline};

/// The newest schema version this build reads and writes: 2 adds `recalibration`. A file is
/// written as version 1 unless it carries a recalibration, so that a build that only knows
/// version 1 refuses a recalibrated file instead of stratifying probabilities that were not
/// recalibrated.
pub const FORMAT_VERSION: u32 = 2;

/// The safetensors `__metadata__` key holding the document.
pub const METADATA_KEY: &str = "ecg_stenosis";

/// The whole document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelMetadata {
    /// Schema version (1).
    pub format_version: u32,
    /// Model name shown to the user.
    pub name: String,
    /// Model version shown to the user.
    pub version: String,
    /// The network's configuration.
    pub architecture: Architecture,
    /// Output names in logit order (e.g. `RCA, LM, LAD, LCX`).
    pub outputs: Vec<String>,
    /// What the model expects as input.
    pub input: InputSpec,
    /// Per output: the probability cut-offs of the risk strata.
    #[serde(default)]
    pub thresholds: BTreeMap<String, Thresholds>,
    /// Per output: a logistic recalibration of the network's probability, fitted on a site's
    /// labelled ECGs (`calibrate --recalibrate`); the cut-offs apply to the recalibrated
    /// probability. Format version 2 only.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub recalibration: BTreeMap<String, Recalibration>,
    /// The model card.
    pub card: Card,
    /// How a guideline's pre-test likelihood category and the ECG's stratum combine, as this
    /// model's validation established (README, "Clinical context"). Without it the two are
    /// only shown side by side.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clinical_context: Option<ClinicalContextRule>,
    /// Fields this version does not know; kept and written back unchanged.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `clinical_context`: the table from (likelihood category of one guideline, ECG stratum for
/// any vessel) to a combined category of the same guideline, with the words shown for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClinicalContextRule {
    /// The guideline model whose categories the rule uses.
    pub guideline: Guideline,
    /// True for a rule that no clinical validation established (the demonstration model's).
    pub demonstration: bool,
    /// Where and how the rule was validated, in words (or why it is a demonstration).
    pub source: String,
    /// One entry per category of the guideline and stratum: every pair exactly once.
    pub table: Vec<Combination>,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One cell of a [`ClinicalContextRule`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Combination {
    /// The guideline likelihood's category.
    pub likelihood: Category,
    /// The ECG's stratum for any vessel (the highest of the vessels').
    pub stratum: Stratum,
    /// The combined category.
    pub combined: Category,
    /// What the combined category means for this patient, in words.
    pub wording: String,
}

impl ClinicalContextRule {
    /// The cell for a likelihood category and an ECG stratum (`None` for a category of
    /// another guideline).
    pub fn combine(&self, likelihood: Category, stratum: Stratum) -> Option<&Combination> {
        self.table
            .iter()
            .find(|c| c.likelihood == likelihood && c.stratum == stratum)
    }

    /// The demonstration model's rule, labelled as a demonstration: under ESC 2024, an ECG in
    /// the low stratum moves the likelihood one category down, one in the high stratum one
    /// category up, the intermediate stratum leaves it. No patient's outcome chose it.
    pub fn demonstration() -> Self {
        let g = Guideline::Esc2024;
        let all = g.categories();
        let mut table = Vec::new();
        for (i, &likelihood) in all.iter().enumerate() {
            for stratum in Stratum::ALL {
                let j = match stratum {
                    Stratum::Low => i.saturating_sub(1),
                    Stratum::Intermediate => i,
                    Stratum::High => (i + 1).min(all.len() - 1),
                };
                let combined = all[j];
                let moved = match j.cmp(&i) {
                    std::cmp::Ordering::Less => format!("moves it down to {}", combined.words()),
                    std::cmp::Ordering::Equal => format!("leaves it {}", combined.words()),
                    std::cmp::Ordering::Greater => format!("moves it up to {}", combined.words()),
                };
                table.push(Combination {
                    likelihood,
                    stratum,
                    combined,
                    wording: format!(
                        "Demonstration rule, not validated: with a likelihood {} the ECG's {} {moved}.",
                        likelihood.words(),
                        stratum.words()
                    ),
                });
            }
        }
        Self {
            guideline: g,
            demonstration: true,
            source:
                "A demonstration of the schema only: one category down for an ECG at low risk, \
                     one up for one at high risk. No validation on patients established it, and \
                     the demonstration model's strata come from synthetic ECGs."
                    .into(),
            table,
            extra: Map::new(),
        }
    }

    fn check(&self) -> Result<(), MetadataError> {
        let fail = |m: String| Err(MetadataError(format!("clinical_context: {m}")));
        let g = self.guideline;
        if self.source.trim().is_empty() || self.source.chars().count() > 1000 {
            return fail(
                "source must say in 1 to 1000 characters where the rule comes from".into(),
            );
        }
        for c in &self.table {
            for category in [c.likelihood, c.combined] {
                if category.guideline() != g {
                    return fail(format!(
                        "the category '{}' is not one of {g}'s",
                        category.key()
                    ));
                }
            }
            if c.wording.trim().is_empty() || c.wording.chars().count() > 300 {
                return fail(format!(
                    "the wording for ({}, {}) must have 1 to 300 characters",
                    c.likelihood.key(),
                    c.stratum.name()
                ));
            }
        }
        for &likelihood in g.categories() {
            for stratum in Stratum::ALL {
                let n = self
                    .table
                    .iter()
                    .filter(|c| c.likelihood == likelihood && c.stratum == stratum)
                    .count();
                if n != 1 {
                    return fail(format!(
                        "the table has {n} entries for ({}, {}); it needs exactly one for every category of {g} and every stratum",
                        likelihood.key(),
                        stratum.name()
                    ));
                }
            }
        }
        Ok(())
    }
}

/// `architecture`: `"kind": "net1d"` and the [`Net1dConfig`] fields, flat.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Architecture {
    /// Always `net1d` in format version 1.
    pub kind: String,
    /// The hyper-parameters.
    #[serde(flatten)]
    pub config: Net1dConfig,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Architecture {
    /// The network configuration this describes.
    pub fn config(&self) -> Net1dConfig {
        self.config.clone()
    }
}

impl From<&Net1dConfig> for Architecture {
    fn from(config: &Net1dConfig) -> Self {
        Self {
            kind: "net1d".into(),
            config: config.clone(),
            extra: Map::new(),
        }
    }
}

/// `input`: the signal the network was trained on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputSpec {
    /// Sample rate of the model input.
    pub sample_rate_hz: f64,
    /// Samples per lead.
    pub samples: usize,
    /// Lead names in channel order.
    pub leads: Vec<String>,
    /// Preprocessing recipe the network was trained with.
    pub preprocessing: Preprocessing,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

pub use crate::signal::Preprocessing;

impl InputSpec {
    /// The rate and length of the model input, as the preprocessing takes them.
    pub fn shape(&self) -> crate::signal::InputShape {
        crate::signal::InputShape {
            sample_rate_hz: self.sample_rate_hz,
            samples: self.samples,
        }
    }
}

/// `probability = sigmoid(intercept + slope · logit)`, applied to an output's logit.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Recalibration {
    /// Added to the scaled logit.
    pub intercept: f64,
    /// Multiplies the network's logit.
    pub slope: f64,
}

impl Recalibration {
    /// The recalibrated logit.
    pub fn logit(&self, logit: f64) -> f64 {
        self.intercept + self.slope * logit
    }
}

/// The two cut-offs that split probabilities into low / intermediate / high.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Thresholds {
    /// Below this probability: low risk (rule-out).
    pub rule_out: RuleOut,
    /// At or above this probability: high risk (rule-in).
    pub rule_in: RuleIn,
}

/// A risk stratum: below rule-out, between, or at and above rule-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stratum {
    /// Below the rule-out cut-off.
    Low,
    /// Between the cut-offs.
    Intermediate,
    /// At or above the rule-in cut-off.
    High,
}

impl Stratum {
    /// `low`, `intermediate` or `high`.
    pub fn name(self) -> &'static str {
        match self {
            Stratum::Low => "low",
            Stratum::Intermediate => "intermediate",
            Stratum::High => "high",
        }
    }

    /// In words, as the page and the report say it: `low risk` …
    pub fn words(self) -> &'static str {
        match self {
            Stratum::Low => "low risk",
            Stratum::Intermediate => "intermediate risk",
            Stratum::High => "high risk",
        }
    }

    /// The symbol shown beside the words, so the stratum does not rest on colour alone.
    pub fn symbol(self) -> &'static str {
        match self {
            Stratum::Low => "▽",
            Stratum::Intermediate => "◇",
            Stratum::High => "▲",
        }
    }

    /// Every stratum, lowest first.
    pub const ALL: [Stratum; 3] = [Stratum::Low, Stratum::Intermediate, Stratum::High];
}

impl Thresholds {
    /// The stratum of a probability, by this output's cut-offs (never by constants in code).
    pub fn stratum(&self, probability: f64) -> Stratum {
        if probability < self.rule_out.probability {
            Stratum::Low
        } else if probability >= self.rule_in.probability {
            Stratum::High
        } else {
            Stratum::Intermediate
        }
    }
}

/// The rule-out cut-off and the sensitivity it was chosen for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleOut {
    /// Probability cut-off.
    pub probability: f64,
    /// Sensitivity on the validation data at this cut-off.
    pub sensitivity: f64,
}

/// The rule-in cut-off and the specificity it was chosen for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleIn {
    /// Probability cut-off.
    pub probability: f64,
    /// Specificity on the validation data at this cut-off.
    pub specificity: f64,
}

/// `card`: what the model is for and how far it can be trusted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Card {
    /// Intended use, in words.
    pub intended_use: String,
    /// Training data, in words.
    pub training_data: String,
    /// Validation metrics (free form: AUCs, calibration …).
    #[serde(default)]
    pub metrics: Value,
    /// True for a model trained on synthetic data: never a clinical tool.
    pub demonstration: bool,
    /// The sentence shown next to every probability.
    pub disclaimer: String,
    /// Fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Card {
    /// The card's latest local validation (`calibrate`) in one line, or `None`: where, when,
    /// cases and AUC per output, and whether the probabilities are recalibrated.
    pub fn local_validation(&self) -> Option<String> {
        let last = self.extra.get("validation")?.as_array()?.last()?;
        let text = |key: &str, max: usize| {
            last.get(key)
                .and_then(Value::as_str)
                .unwrap_or("?")
                .chars()
                .take(max)
                .collect::<String>()
        };
        let mut line = format!(
            "calibrated locally at {} on {}",
            text("site", 120),
            text("date", 10)
        );
        if let Some(vessels) = last.get("vessels").and_then(Value::as_object) {
            let parts: Vec<String> = vessels
                .iter()
                .take(16)
                .map(|(name, v)| {
                    let name: String = name.chars().take(40).collect();
                    let n = v.get("n").and_then(Value::as_u64).unwrap_or(0);
                    match v.get("auc").and_then(Value::as_f64) {
                        Some(a) => format!("{name} n={n} AUC {a:.2}"),
                        None => format!("{name} n={n}"),
                    }
                })
                .collect();
            line += &format!(" ({})", parts.join(", "));
        }
        if last.get("recalibrated").and_then(Value::as_bool) == Some(true) {
            line += "; probabilities recalibrated";
        }
        Some(line)
    }
}

/// The document is not one this version can use.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("model metadata: {0}")]
pub struct MetadataError(pub String);

impl ModelMetadata {
    /// Parses and checks the document.
    pub fn from_json(text: &str) -> Result<Self, MetadataError> {
        // Check the version first: a newer schema may not parse as this one.
        let value: Value = serde_json::from_str(text)
            .map_err(|e| MetadataError(format!("not valid JSON: {e}")))?;
        match value.get("format_version").and_then(Value::as_u64) {
            Some(v) if (1..=u64::from(FORMAT_VERSION)).contains(&v) => {}
            Some(v) => {
                return Err(MetadataError(format!(
                    "format_version {v} is not supported (this build reads 1 to {FORMAT_VERSION})"
                )));
            }
            None => {
                return Err(MetadataError(
                    "format_version is missing or not a whole number".into(),
                ));
            }
        }
        let metadata: Self =
            serde_json::from_value(value).map_err(|e| MetadataError(e.to_string()))?;
        metadata.check()?;
        Ok(metadata)
    }

    /// The document as compact JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("metadata always serialises")
    }

    /// Consistency between the fields.
    pub fn check(&self) -> Result<(), MetadataError> {
        let fail = |message: String| Err(MetadataError(message));
        let arch = &self.architecture;
        if arch.kind != "net1d" {
            return fail(format!(
                "architecture kind '{}' is not supported (only 'net1d')",
                arch.kind
            ));
        }
        let config = &arch.config;
        config
            .validate()
            .map_err(|e| MetadataError(format!("architecture: {e}")))?;
        if self.outputs.len() != config.n_outputs {
            return fail(format!(
                "{} output names for n_outputs {}",
                self.outputs.len(),
                config.n_outputs
            ));
        }
        if self.input.leads.len() != config.in_channels {
            return fail(format!(
                "input.leads names {} leads but in_channels is {}",
                self.input.leads.len(),
                config.in_channels
            ));
        }
        if !(self.input.sample_rate_hz.is_finite() && self.input.sample_rate_hz > 0.0) {
            return fail("input.sample_rate_hz must be positive".into());
        }
        if self.input.samples == 0 {
            return fail("input.samples must be positive".into());
        }
        // A reader of version 1 would ignore a recalibration and show other probabilities.
        if !self.recalibration.is_empty() && self.format_version < 2 {
            return fail(format!(
                "format_version {} with a recalibration: a file with one is version 2",
                self.format_version
            ));
        }
        for (output, r) in &self.recalibration {
            if !self.outputs.contains(output) {
                return fail(format!(
                    "recalibration for '{output}', which is not an output"
                ));
            }
            if !(r.intercept.is_finite() && r.slope.is_finite() && r.slope > 0.0) {
                return fail(format!(
                    "recalibration for '{output}': the intercept must be finite and the slope positive"
                ));
            }
        }
        if let Some(rule) = &self.clinical_context {
            rule.check()?;
        }
        for (output, t) in &self.thresholds {
            if !self.outputs.contains(output) {
                return fail(format!("thresholds for '{output}', which is not an output"));
            }
            let (low, high) = (t.rule_out.probability, t.rule_in.probability);
            let unit = |p: f64| (0.0..=1.0).contains(&p);
            if !(unit(low) && unit(high) && low <= high) {
                return fail(format!(
                    "thresholds for '{output}': need 0 ≤ rule_out ({low}) ≤ rule_in ({high}) ≤ 1"
                ));
            }
            if !(unit(t.rule_out.sensitivity) && unit(t.rule_in.specificity)) {
                return fail(format!(
                    "thresholds for '{output}': sensitivity and specificity must lie in [0, 1]"
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example() -> Value {
        serde_json::json!({
            "format_version": 1,
            "name": "m", "version": "1",
            "architecture": {"kind": "net1d", "in_channels": 12, "base_filters": 16,
                "ratio": 1.0, "filter_list": [16, 32], "m_blocks_list": [1, 1],
                "kernel_size": 16, "stride": 2, "groups_width": 16, "use_bn": true,
                "n_outputs": 4},
            "outputs": ["RCA", "LM", "LAD", "LCX"],
            "input": {"sample_rate_hz": 500, "samples": 5000,
                "leads": ["I","II","III","aVR","aVL","aVF","V1","V2","V3","V4","V5","V6"],
                "preprocessing": "ecgfounder"},
            "thresholds": {"RCA": {"rule_out": {"probability": 0.1, "sensitivity": 0.9},
                                   "rule_in": {"probability": 0.5, "specificity": 0.9}}},
            "card": {"intended_use": "x", "training_data": "y", "demonstration": true,
                "disclaimer": "z", "reviewed_by": "someone"},
            "future_field": [1, 2, 3]
        })
    }

    #[test]
    fn unknown_fields_survive_a_round_trip() {
        let metadata = ModelMetadata::from_json(&example().to_string()).unwrap();
        assert_eq!(metadata.extra["future_field"], serde_json::json!([1, 2, 3]));
        assert_eq!(metadata.card.extra["reviewed_by"], "someone");
        assert_eq!(metadata.architecture.config, Net1dConfig::tiny(4));
        assert!(metadata.architecture.extra.is_empty());
        let again = ModelMetadata::from_json(&metadata.to_json()).unwrap();
        assert_eq!(again, metadata);
        assert_eq!(again.input.preprocessing, Preprocessing::Ecgfounder);
    }

    #[test]
    fn inconsistent_documents_are_refused_with_the_reason() {
        let cases: [(&str, Value, &str); 5] = [
            ("format_version", serde_json::json!(3), "format_version 3"),
            ("outputs", serde_json::json!(["RCA"]), "1 output names"),
            (
                "thresholds",
                serde_json::json!({"XYZ": {"rule_out": {"probability": 0.1, "sensitivity": 0.9},
                    "rule_in": {"probability": 0.5, "specificity": 0.9}}}),
                "'XYZ'",
            ),
            (
                "thresholds",
                serde_json::json!({"LM": {"rule_out": {"probability": 0.6, "sensitivity": 0.9},
                    "rule_in": {"probability": 0.5, "specificity": 0.9}}}),
                "rule_out (0.6)",
            ),
            (
                "card",
                serde_json::json!({"intended_use": "x"}),
                "training_data",
            ),
        ];
        for (field, value, needle) in cases {
            let mut doc = example();
            doc[field] = value;
            let error = ModelMetadata::from_json(&doc.to_string()).unwrap_err();
            assert!(error.0.contains(needle), "{field}: {error}");
        }
        assert!(ModelMetadata::from_json("{not json").is_err());
    }

    /// `clinical_context`: the demonstration rule round-trips; a table missing a pair, a
    /// category of the other guideline and an empty wording are refused with the reason.
    #[test]
    fn a_clinical_context_rule_covers_every_pair_once() {
        let mut doc = example();
        let rule = ClinicalContextRule::demonstration();
        assert_eq!(rule.table.len(), 15);
        doc["clinical_context"] = serde_json::to_value(&rule).unwrap();
        let m = ModelMetadata::from_json(&doc.to_string()).unwrap();
        assert_eq!(m.clinical_context.as_ref(), Some(&rule));
        assert_eq!(ModelMetadata::from_json(&m.to_json()).unwrap(), m);
        type Edit = (fn(&mut Value), &'static str);
        let edits: [Edit; 3] = [
            (
                |r| {
                    r["table"].as_array_mut().unwrap().pop();
                },
                "0 entries for (very_high, high)",
            ),
            (
                |r| r["table"][0]["combined"] = serde_json::json!("over_15"),
                "'over_15' is not one of ESC 2024's",
            ),
            (
                |r| r["table"][3]["wording"] = serde_json::json!(" "),
                "wording for (low, low)",
            ),
        ];
        for (edit, needle) in edits {
            let mut doc = example();
            let mut r = serde_json::to_value(&rule).unwrap();
            edit(&mut r);
            doc["clinical_context"] = r;
            let error = ModelMetadata::from_json(&doc.to_string()).unwrap_err();
            assert!(error.0.contains(needle), "{error}");
        }
    }

    /// Schema 2: a recalibration per output survives a round trip; a version-1 document with
    /// one, a recalibration of no output, and a slope that is not positive are refused.
    #[test]
    fn recalibration_needs_format_version_2_and_a_positive_slope() {
        let mut doc = example();
        doc["format_version"] = serde_json::json!(2);
        doc["recalibration"] = serde_json::json!({"RCA": {"intercept": -0.4, "slope": 0.8}});
        let metadata = ModelMetadata::from_json(&doc.to_string()).unwrap();
        let r = metadata.recalibration["RCA"];
        assert_eq!((r.intercept, r.slope), (-0.4, 0.8));
        assert_eq!(
            ModelMetadata::from_json(&metadata.to_json()).unwrap(),
            metadata
        );
        let cases = [
            (
                1,
                serde_json::json!({"RCA": {"intercept": 0.0, "slope": 1.0}}),
                "format_version 1 with a recalibration",
            ),
            (
                2,
                serde_json::json!({"XYZ": {"intercept": 0.0, "slope": 1.0}}),
                "'XYZ'",
            ),
            (
                2,
                serde_json::json!({"LM": {"intercept": 0.0, "slope": 0.0}}),
                "slope positive",
            ),
        ];
        for (version, recalibration, needle) in cases {
            let mut doc = example();
            doc["format_version"] = serde_json::json!(version);
            doc["recalibration"] = recalibration;
            let error = ModelMetadata::from_json(&doc.to_string()).unwrap_err();
            assert!(error.0.contains(needle), "{error}");
        }
    }
}
