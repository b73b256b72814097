//! A record's report beside the clinician's context: the guideline likelihoods (both ESC
//! models), the ECG's stratum for any vessel, and the combined category where the model file
//! carries a rule for it ([`ClinicalContextRule`]). The same for `predict --context`, the page's
//! form and its campaign view.

use serde::Serialize;

use super::Report;
use crate::clinical::{Category, ClinicalContext, Guideline};
use crate::model::metadata::{ClinicalContextRule, Stratum};

/// One guideline's likelihood for the patient, or why its table has none.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LikelihoodEntry {
    /// The guideline.
    pub guideline: Guideline,
    /// The table's cell in percent; absent outside the table.
    pub percent: Option<f64>,
    /// Its category; absent outside the table.
    pub category: Option<Category>,
    /// Why the table has no cell (age under 30 …); absent when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub out_of_range: Option<String>,
}

/// The model file's rule applied to this record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CombinedEntry {
    /// The guideline the rule uses.
    pub guideline: Guideline,
    /// The likelihood's category under it.
    pub likelihood: Category,
    /// The ECG's stratum for any vessel.
    pub stratum: Stratum,
    /// The combined category.
    pub combined: Category,
    /// The rule's words for it.
    pub wording: String,
    /// True when the rule is only a demonstration.
    pub demonstration: bool,
}

/// The clinical context part of a report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContextReport {
    /// ESC 2019, then ESC 2024.
    pub likelihoods: Vec<LikelihoodEntry>,
    /// The highest stratum of the vessels (absent without an estimate).
    pub any_vessel_stratum: Option<Stratum>,
    /// The combined category (absent without a rule, an estimate or a likelihood).
    pub combined: Option<CombinedEntry>,
    /// Why something is absent, in words.
    pub notes: Vec<String>,
}

/// The sentence shown where a model file has no rule.
pub const NO_RULE: &str = "no combination rule was validated for this model: the guideline \
    likelihood and the ECG strata are shown side by side only";

/// The highest stratum among a report's vessels (`None` when none has one).
pub fn any_vessel_stratum(report: &Report) -> Option<Stratum> {
    let rank = |s: Stratum| Stratum::ALL.iter().position(|&t| t == s).unwrap_or(0);
    report
        .vessels
        .iter()
        .filter_map(|v| v.stratum)
        .max_by_key(|&s| rank(s))
}

/// The context part for `report`, under `rule` (the model file's, if any).
pub fn context_report(
    report: &Report,
    context: &ClinicalContext,
    rule: Option<&ClinicalContextRule>,
) -> ContextReport {
    let likelihoods: Vec<LikelihoodEntry> = Guideline::ALL
        .into_iter()
        .map(|g| match context.likelihood(g) {
            Ok(l) => LikelihoodEntry {
                guideline: g,
                percent: Some(l.percent),
                category: Some(l.category),
                out_of_range: None,
            },
            Err(e) => LikelihoodEntry {
                guideline: g,
                percent: None,
                category: None,
                out_of_range: Some(e.to_string()),
            },
        })
        .collect();
    let stratum = any_vessel_stratum(report);
    let mut notes = Vec::new();
    let combined = match (rule, stratum) {
        (None, _) => {
            notes.push(NO_RULE.to_string());
            None
        }
        (Some(_), None) => {
            notes.push("no ECG estimate, so nothing to combine".to_string());
            None
        }
        (Some(rule), Some(stratum)) => {
            let likelihood = likelihoods
                .iter()
                .find(|l| l.guideline == rule.guideline)
                .and_then(|l| l.category);
            match likelihood.and_then(|c| rule.combine(c, stratum)) {
                Some(c) => Some(CombinedEntry {
                    guideline: rule.guideline,
                    likelihood: c.likelihood,
                    stratum,
                    combined: c.combined,
                    wording: c.wording.clone(),
                    demonstration: rule.demonstration,
                }),
                None => {
                    notes.push(format!(
                        "the model's rule uses {}, which has no likelihood for this patient",
                        rule.guideline
                    ));
                    None
                }
            }
        }
    };
    ContextReport {
        likelihoods,
        any_vessel_stratum: stratum,
        combined,
        notes,
    }
}

impl Report {
    /// The same report with its clinical context part.
    pub fn with_context(
        mut self,
        context: &ClinicalContext,
        rule: Option<&ClinicalContextRule>,
    ) -> Report {
        self.clinical_context = Some(context_report(&self, context, rule));
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clinical::Sex;

    fn report_with(strata: &[Option<Stratum>]) -> Report {
        use crate::pipeline::{BackendSummary, ModelSummary, Timing};
        let mut r = Report {
            sources: vec!["a.csv".into()],
            format: "csv",
            error: None,
            vessels: Vec::new(),
            quality: None,
            quality_overridden: false,
            warnings: Vec::new(),
            record: None,
            window: None,
            model: ModelSummary {
                name: "m".into(),
                version: "1".into(),
                demonstration: true,
                disclaimer: "d".into(),
                outputs: Vec::new(),
                preprocessing: "ecgfounder",
                local_validation: None,
            },
            backend: BackendSummary {
                kind: "cpu",
                detail: None,
            },
            timing_ms: Timing::default(),
            clinical_context: None,
        };
        r.vessels = strata
            .iter()
            .enumerate()
            .map(|(i, &s)| crate::pipeline::VesselRisk {
                vessel: format!("V{i}"),
                logit: 0.0,
                probability: 0.5,
                stratum: s,
                thresholds: None,
            })
            .collect();
        r
    }

    /// A 58-year-old man, atypical pain, two risk factors: ESC 2024 11 %, low; the ECG's
    /// highest stratum is high, so the demonstration rule moves him up one category, to
    /// moderate. Without a rule there is no combination and the note says so.
    #[test]
    fn the_rule_combines_the_category_with_the_highest_stratum() {
        let context = ClinicalContext::parse("58", "m", "atypical", "2").unwrap();
        assert_eq!(context.sex, Sex::Male);
        let report = report_with(&[Some(Stratum::Low), Some(Stratum::High), None]);
        assert_eq!(any_vessel_stratum(&report), Some(Stratum::High));
        let rule = ClinicalContextRule::demonstration();
        let c = context_report(&report, &context, Some(&rule));
        assert_eq!(c.likelihoods[1].percent, Some(11.0));
        let combined = c.combined.unwrap();
        assert_eq!(combined.likelihood, Category::Low);
        assert_eq!(combined.combined, Category::Moderate);
        assert!(combined.demonstration && combined.wording.contains("Demonstration"));
        let c = context_report(&report, &context, None);
        assert!(c.combined.is_none() && c.notes[0] == NO_RULE);
        let none = report_with(&[]);
        let c = context_report(&none, &context, Some(&rule));
        assert!(c.combined.is_none() && c.notes[0].contains("no ECG estimate"));
    }
}
