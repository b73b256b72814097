//! A record's report beside the clinician's context: the guideline likelihoods (both ESC
//! models), the ECG's stratum for any vessel, and the combined category where the model file
//! carries a rule for it ([`ClinicalContextRule`]). The same for `predict --context`, the page's
//! form and its campaign view.

use serde::Serialize;

use super::{Report, VesselRisk};
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

/// Where an ECG stratum sits against a guideline likelihood: the likelihood's band (its
/// category below the guideline's grey zone is `low`, the grey zone `intermediate`, above it
/// `high`) and whether the ECG's stratum is the same, higher or lower. A side-by-side reading,
/// not a combination: no validation stands behind it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    /// The guideline.
    pub guideline: Guideline,
    /// The likelihood's band, in the strata's words.
    pub band: Stratum,
    /// The ECG's stratum against it.
    pub ecg: Against,
}

/// The ECG's stratum against a likelihood's band.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Against {
    /// The same band.
    Same,
    /// The ECG's stratum is above the likelihood's band.
    Higher,
    /// The ECG's stratum is below it.
    Lower,
}

/// One vessel's stratum (or, as `any`, the highest of them) against each guideline's
/// likelihood.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VesselContext {
    /// The output's name (`RCA` …), or `any` for any vessel.
    pub vessel: String,
    /// Its stratum (absent without cut-offs for it).
    pub stratum: Option<Stratum>,
    /// Against each guideline with a likelihood for the patient, ESC 2019 first; empty
    /// without a stratum.
    pub against: Vec<Comparison>,
}

/// The clinical context part of a report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContextReport {
    /// ESC 2019, then ESC 2024.
    pub likelihoods: Vec<LikelihoodEntry>,
    /// The highest stratum of the vessels (absent without an estimate).
    pub any_vessel_stratum: Option<Stratum>,
    /// Each vessel's stratum against the likelihoods, then `any` (empty without an estimate).
    pub vessels: Vec<VesselContext>,
    /// The combined category (absent without a rule, an estimate or a likelihood).
    pub combined: Option<CombinedEntry>,
    /// Why something is absent, in words.
    pub notes: Vec<String>,
}

/// The sentence shown where a model file has no rule.
pub const NO_RULE: &str = "no combination rule was validated for this model: the guideline \
    likelihood and the ECG strata are shown side by side only";

fn stratum_rank(s: Stratum) -> usize {
    Stratum::ALL.iter().position(|&t| t == s).unwrap_or(0)
}

/// The highest stratum among a report's vessels (`None` when none has one).
pub fn any_vessel_stratum(report: &Report) -> Option<Stratum> {
    highest_stratum(&report.vessels)
}

fn highest_stratum(vessels: &[VesselRisk]) -> Option<Stratum> {
    vessels
        .iter()
        .filter_map(|v| v.stratum)
        .max_by_key(|&s| stratum_rank(s))
}

/// A likelihood category's band in the strata's words: below its guideline's grey zone
/// `low`, the grey zone `intermediate`, above `high`.
pub fn likelihood_band(category: Category) -> Stratum {
    let grey = category.guideline().grey_zone().rank();
    match category.rank().cmp(&grey) {
        std::cmp::Ordering::Less => Stratum::Low,
        std::cmp::Ordering::Equal => Stratum::Intermediate,
        std::cmp::Ordering::Greater => Stratum::High,
    }
}

fn against(
    vessel: &str,
    stratum: Option<Stratum>,
    likelihoods: &[LikelihoodEntry],
) -> VesselContext {
    let against = match stratum {
        None => Vec::new(),
        Some(s) => likelihoods
            .iter()
            .filter_map(|l| {
                let band = likelihood_band(l.category?);
                let ecg = match stratum_rank(s).cmp(&stratum_rank(band)) {
                    std::cmp::Ordering::Less => Against::Lower,
                    std::cmp::Ordering::Equal => Against::Same,
                    std::cmp::Ordering::Greater => Against::Higher,
                };
                Some(Comparison {
                    guideline: l.guideline,
                    band,
                    ecg,
                })
            })
            .collect(),
    };
    VesselContext {
        vessel: vessel.to_string(),
        stratum,
        against,
    }
}

/// The context part for `report`, under `rule` (the model file's, if any).
pub fn context_report(
    report: &Report,
    context: &ClinicalContext,
    rule: Option<&ClinicalContextRule>,
) -> ContextReport {
    context_for(&report.vessels, context, rule)
}

/// The context part for a record's vessels (none: no estimate), under `rule`.
pub fn context_for(
    vessels: &[VesselRisk],
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
    let stratum = highest_stratum(vessels);
    let mut per_vessel: Vec<VesselContext> = vessels
        .iter()
        .map(|v| against(&v.vessel, v.stratum, &likelihoods))
        .collect();
    if !vessels.is_empty() {
        per_vessel.push(against("any", stratum, &likelihoods));
    }
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
        vessels: per_vessel,
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
        // ESC 2019: 58-year-old man, atypical: 17 %, over 15 %, above the grey zone (high);
        // ESC 2024: 11 %, low, the grey zone (intermediate). V0 is low: lower than both;
        // V1 high: same as 2019, higher than 2024; V2 has no stratum; "any" is V1's.
        let bands: Vec<Vec<(Stratum, Against)>> = c
            .vessels
            .iter()
            .map(|v| v.against.iter().map(|a| (a.band, a.ecg)).collect())
            .collect();
        let (low, mid, high) = (Stratum::Low, Stratum::Intermediate, Stratum::High);
        assert_eq!(
            bands,
            vec![
                vec![(high, Against::Lower), (mid, Against::Lower)],
                vec![(high, Against::Same), (mid, Against::Higher)],
                vec![],
                vec![(high, Against::Same), (mid, Against::Higher)],
            ]
        );
        assert_eq!(c.vessels[3].vessel, "any");
        assert_eq!(likelihood_band(Category::Under5), low);
        assert_eq!(likelihood_band(Category::VeryLow), low);
        assert_eq!(likelihood_band(Category::From5To15), mid);
        assert_eq!(likelihood_band(Category::VeryHigh), high);
        let c = context_report(&report, &context, None);
        assert!(c.combined.is_none() && c.notes[0] == NO_RULE);
        let none = report_with(&[]);
        let c = context_report(&none, &context, Some(&rule));
        assert!(c.combined.is_none() && c.notes[0].contains("no ECG estimate"));
    }
}
