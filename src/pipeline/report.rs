//! What an analysis says, serialised the same way for the command line (`predict --json`),
//! the page and the campaign exports: [`Report`] per record, [`Batch`] for several.

use serde::Serialize;
use serde::ser::SerializeMap;

pub use crate::ecg::ErrorKind;
use crate::model::Runner;
use crate::model::metadata::{ModelMetadata, Stratum, Thresholds};
use crate::signal::quality::Quality;

/// One vessel's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VesselRisk {
    /// Output name (`RCA`, `LM`, `LAD`, `LCX`).
    pub vessel: String,
    /// The network's output.
    pub logit: f64,
    /// Sigmoid of the logit.
    pub probability: f64,
    /// By the model file's cut-offs; `None` when the file has none for this output.
    pub stratum: Option<Stratum>,
    /// The cut-offs it was judged against.
    pub thresholds: Option<Thresholds>,
}

/// What every report says about the model: its card's essentials.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelSummary {
    /// The model's name.
    pub name: String,
    /// Its version.
    pub version: String,
    /// True for a demonstration model (synthetic ECGs and synthetic patterns on real recordings).
    pub demonstration: bool,
    /// The sentence shown next to every probability.
    pub disclaimer: String,
    /// Output names, in order.
    pub outputs: Vec<String>,
    /// The preprocessing recipe the file declares.
    pub preprocessing: &'static str,
    /// The card's latest local validation in one line, when the file was calibrated at a site.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub local_validation: Option<String>,
}

impl ModelSummary {
    /// The summary of a model file's metadata.
    pub fn of(metadata: &ModelMetadata) -> Self {
        Self {
            name: metadata.name.clone(),
            version: metadata.version.clone(),
            demonstration: metadata.card.demonstration,
            disclaimer: metadata.card.disclaimer.clone(),
            outputs: metadata.outputs.clone(),
            preprocessing: metadata.input.preprocessing.name(),
            local_validation: metadata.card.local_validation(),
        }
    }
}

/// The backend a report's numbers came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BackendSummary {
    /// `webgpu` or `cpu`.
    pub kind: &'static str,
    /// The adapter, or why the CPU is used.
    pub detail: Option<String>,
}

impl BackendSummary {
    /// The summary of a runner's backend.
    pub fn of(runner: &Runner) -> Self {
        let info = runner.info();
        Self {
            kind: info.kind.name(),
            detail: info.adapter.clone().or_else(|| info.cpu_reason.clone()),
        }
    }
}

/// A batch's JSON document: `{"records": [...], "model": {...}, "backend": {...}}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Batch<'a> {
    /// One report per record, in input order.
    pub records: &'a [Report],
    /// The model all of them used.
    pub model: ModelSummary,
    /// The backend all of them ran on.
    pub backend: BackendSummary,
}

/// The artery an output of the 4-vessel head stands for, in words (`RCA` → right coronary
/// artery); `None` for an output of another model.
pub fn artery(vessel: &str) -> Option<&'static str> {
    match vessel {
        "RCA" => Some("right coronary artery"),
        "LM" => Some("left main"),
        "LAD" => Some("left anterior descending"),
        "LCX" => Some("left circumflex"),
        _ => None,
    }
}

/// Why a record has no risk estimate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportError {
    /// `malformed`, `unsupported`, `limit`, `invalid_input` (reading), `io`, `quality` (the
    /// gate called it unusable), `preprocess` or `inference`.
    pub kind: ErrorKind,
    /// What went wrong, with its location; never patient identifiers.
    pub message: String,
}

/// One warning about the record or what was done to it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportWarning {
    /// A stable name ([`crate::ecg::Warning::kind`]).
    pub kind: &'static str,
    /// In words.
    pub message: String,
}

/// The record's essentials.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecordSummary {
    /// Its own rate.
    pub sample_rate_hz: f64,
    /// Samples per lead.
    pub samples_per_lead: usize,
    /// Duration, seconds.
    pub duration_secs: f64,
    /// Leads derived from I and II (not recorded).
    pub derived_leads: Vec<&'static str>,
    /// R peaks found.
    pub beats: usize,
    /// Mean heart rate, when beats were found.
    pub heart_rate_bpm: Option<f64>,
}

/// The part of the record the network saw.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct WindowSummary {
    /// Start in the record, seconds.
    pub start_secs: f64,
    /// Length, seconds.
    pub duration_secs: f64,
    /// The model input's rate.
    pub sample_rate_hz: f64,
}

/// Milliseconds spent in each stage of one record.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct Timing {
    /// Recognising and reading the file(s).
    pub read: f64,
    /// Beat detection and the quality gate.
    pub quality: f64,
    /// Preprocessing into the model input.
    pub preprocess: f64,
    /// The forward pass, read-back included.
    pub inference: f64,
    /// All of the above.
    pub total: f64,
}

/// One record's result: risk per vessel, or why there is none.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// The file(s) it came from.
    pub sources: Vec<String>,
    /// The format recognised.
    pub format: &'static str,
    /// Why there is no estimate; absent when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ReportError>,
    /// Per output, in the model's order: `{probability, stratum, thresholds}`; empty without
    /// an estimate.
    #[serde(serialize_with = "vessel_map")]
    pub vessels: Vec<VesselRisk>,
    /// The quality gate's verdict and findings (absent when the file was unreadable).
    pub quality: Option<Quality>,
    /// True when the gate called the record unusable and the user asked for an estimate anyway.
    pub quality_overridden: bool,
    /// The record's warnings, then those preprocessing added.
    pub warnings: Vec<ReportWarning>,
    /// The record's essentials (absent when unreadable).
    pub record: Option<RecordSummary>,
    /// What the network saw (absent without an estimate).
    pub window: Option<WindowSummary>,
    /// The model.
    pub model: ModelSummary,
    /// The backend.
    pub backend: BackendSummary,
    /// Time per stage.
    pub timing_ms: Timing,
    /// The guideline likelihoods and their combination with the strata, when a clinical
    /// context was given for the record (`predict --context`, the page's form).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clinical_context: Option<super::context::ContextReport>,
}

fn vessel_map<S: serde::Serializer>(vessels: &[VesselRisk], s: S) -> Result<S::Ok, S::Error> {
    #[derive(Serialize)]
    struct Entry<'a> {
        probability: f64,
        stratum: Option<Stratum>,
        thresholds: &'a Option<Thresholds>,
    }
    let mut map = s.serialize_map(Some(vessels.len()))?;
    for v in vessels {
        map.serialize_entry(
            &v.vessel,
            &Entry {
                probability: v.probability,
                stratum: v.stratum,
                thresholds: &v.thresholds,
            },
        )?;
    }
    map.end()
}
