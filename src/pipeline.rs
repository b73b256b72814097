//! From a file's bytes to an explained risk, the same steps natively and in the browser:
//! record → quality gate → the model file's recipe → Net1D → per-vessel probability → stratum
//! by the model file's cut-offs → [`Report`], and on request a saliency map per vessel
//! ([`Analyser::explain`]). Async because WebGPU reads results back asynchronously.

use serde::Serialize;
use serde::ser::SerializeMap;

use crate::clock::{now_ms, since_ms};
use crate::ecg::Ecg;
use crate::formats::RecordResult;
use crate::model::metadata::{ModelMetadata, Stratum, Thresholds};
use crate::model::{ModelFile, Net1d, RunError, Runner};
use crate::saliency::{self, Method, PhaseShares, TimeBase};
use crate::signal::beats::{Beats, detect_in_recorded};
use crate::signal::quality::{Quality, Verdict, assess};
use crate::signal::{InputShape, ModelInput, PrepareError, WindowOptions, prepare};

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

/// The model input for `ecg`, by the recipe and input shape the model file declares.
pub fn model_input(
    ecg: &Ecg,
    metadata: &ModelMetadata,
    window: WindowOptions,
) -> Result<ModelInput, PrepareError> {
    let shape = InputShape {
        sample_rate_hz: metadata.input.sample_rate_hz,
        samples: metadata.input.samples,
    };
    prepare(ecg, metadata.input.preprocessing, shape, window)
}

/// Probabilities and strata from one record's logits, in output order.
pub fn vessel_risks(metadata: &ModelMetadata, logits: &[f32]) -> Vec<VesselRisk> {
    metadata
        .outputs
        .iter()
        .zip(logits)
        .map(|(name, &logit)| {
            let probability = 1.0 / (1.0 + (-f64::from(logit)).exp());
            VesselRisk {
                vessel: name.clone(),
                logit: f64::from(logit),
                probability,
                stratum: metadata
                    .thresholds
                    .get(name)
                    .map(|t| t.stratum(probability)),
                thresholds: metadata.thresholds.get(name).cloned(),
            }
        })
        .collect()
}

/// What every report says about the model: its card's essentials.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelSummary {
    /// The model's name.
    pub name: String,
    /// Its version.
    pub version: String,
    /// True for a model trained on synthetic data.
    pub demonstration: bool,
    /// The sentence shown next to every probability.
    pub disclaimer: String,
    /// Output names, in order.
    pub outputs: Vec<String>,
    /// The preprocessing recipe the file declares.
    pub preprocessing: &'static str,
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

/// Why a record has no risk estimate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportError {
    /// `malformed`, `unsupported`, `limit`, `invalid_input` (reading), `quality` (the gate
    /// called it unusable), `preprocess` or `inference`.
    pub kind: &'static str,
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

/// How records are analysed.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Options {
    /// Which part of the record, and whether short records are zero-padded.
    pub window: WindowOptions,
    /// Give an estimate even when the quality gate calls the record unusable (reported as
    /// `quality_overridden`).
    pub override_quality: bool,
}

/// A record analysed: its report, and what [`Analyser::explain`] needs.
#[derive(Debug, Clone)]
pub struct Analysis {
    /// The report.
    pub report: Report,
    /// The record (absent when unreadable).
    pub ecg: Option<Ecg>,
    /// The R peaks found on it.
    pub beats: Option<Beats>,
    /// The model input (absent without an estimate).
    pub input: Option<ModelInput>,
}

/// A saliency map and its summaries.
#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    /// `[leads, record samples]` on the record's own time base, leads in model order.
    pub record_map: Vec<f32>,
    /// Samples per lead of `record_map`.
    pub record_samples: usize,
    /// `[leads, model samples]` on the model input.
    pub input_map: Vec<f32>,
    /// Lead and phase shares, totals.
    pub summary: saliency::Summary,
    /// Milliseconds the gradient passes took.
    pub elapsed_ms: f64,
}

/// Why no saliency map could be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ExplainError {
    /// The record has no estimate to explain.
    #[error("no risk estimate to explain: {0}")]
    NoEstimate(String),
    /// The model has no output of that name.
    #[error("the model has no output '{vessel}' (it has {})", .outputs.join(", "))]
    UnknownVessel {
        /// The name asked for.
        vessel: String,
        /// The model's outputs.
        outputs: Vec<String>,
    },
    /// The gradient passes failed.
    #[error(transparent)]
    Run(#[from] RunError),
}

/// A model file built on a runner: analyses records and explains them.
pub struct Analyser<'a> {
    /// The model file.
    pub model: &'a ModelFile,
    /// Where the network runs.
    pub runner: &'a Runner,
    /// The network built from the file on the runner's device.
    pub net: &'a Net1d,
}

impl Analyser<'_> {
    fn shape(&self) -> InputShape {
        let input = &self.model.metadata().input;
        InputShape {
            sample_rate_hz: input.sample_rate_hz,
            samples: input.samples,
        }
    }

    fn leads(&self) -> usize {
        self.model.metadata().architecture.config.in_channels
    }

    /// The report of an input that never became a record (a file the system could not read),
    /// so a batch keeps one row per input.
    pub fn failed(&self, sources: Vec<String>, kind: &'static str, message: String) -> Report {
        let mut report = self.empty_report(sources, "unknown", 0.0);
        report.error = Some(ReportError { kind, message });
        report
    }

    /// A report with nothing found yet.
    fn empty_report(&self, sources: Vec<String>, format: &'static str, read_ms: f64) -> Report {
        Report {
            sources,
            format,
            error: None,
            vessels: Vec::new(),
            quality: None,
            quality_overridden: false,
            warnings: Vec::new(),
            record: None,
            window: None,
            model: ModelSummary::of(self.model.metadata()),
            backend: BackendSummary::of(self.runner),
            timing_ms: Timing {
                read: read_ms,
                ..Timing::default()
            },
        }
    }

    /// One record through the quality gate, the recipe and the network. Never fails: an
    /// unreadable, unusable or unprocessable record gets a report with its `error`.
    pub async fn analyse(&self, record: RecordResult, options: Options) -> Analysis {
        let metadata = self.model.metadata();
        let report = self.empty_report(record.sources, record.format.name(), record.read_ms);
        let mut analysis = Analysis {
            report,
            ecg: None,
            beats: None,
            input: None,
        };
        let report = &mut analysis.report;
        let ecg = match record.result {
            Ok(ecg) => ecg,
            Err(e) => {
                report.error = Some(ReportError {
                    kind: e.kind().name(),
                    message: e.to_string(),
                });
                report.timing_ms.total = report.timing_ms.read;
                return analysis;
            }
        };
        let shape = self.shape();
        let started = now_ms();
        let beats = detect_in_recorded(&ecg);
        let quality = assess(
            &ecg,
            &beats,
            shape.samples as f64 / shape.sample_rate_hz,
            options.window.allow_padding,
        );
        report.timing_ms.quality = since_ms(started);
        report.record = Some(RecordSummary {
            sample_rate_hz: ecg.sample_rate_hz(),
            samples_per_lead: ecg.samples_per_lead(),
            duration_secs: ecg.duration_secs(),
            derived_leads: ecg
                .leads()
                .iter()
                .filter(|l| l.derived)
                .map(|l| l.lead.name())
                .collect(),
            beats: beats.r_peaks.len(),
            heart_rate_bpm: beats.rhythm().map(|r| r.heart_rate_bpm),
        });
        for w in ecg.warnings() {
            report.warnings.push(ReportWarning {
                kind: w.kind(),
                message: w.to_string(),
            });
        }
        let unusable = quality.verdict == Verdict::Unusable;
        if unusable && !options.override_quality {
            report.error = Some(ReportError {
                kind: "quality",
                message: format!(
                    "the quality gate calls this ECG unusable ({}); no estimate unless the quality gate is overridden",
                    quality.unusable_reasons()
                ),
            });
        }
        report.quality_overridden = unusable && options.override_quality;
        report.quality = Some(quality);
        let finish = |analysis: &mut Analysis, ecg: Ecg, beats: Beats| {
            let t = &mut analysis.report.timing_ms;
            t.total = t.read + t.quality + t.preprocess + t.inference;
            analysis.ecg = Some(ecg);
            analysis.beats = Some(beats);
        };
        if report.error.is_some() {
            finish(&mut analysis, ecg, beats);
            return analysis;
        }
        let started = now_ms();
        let prepared = model_input(&ecg, metadata, options.window);
        report.timing_ms.preprocess = since_ms(started);
        let input = match prepared {
            Ok(input) => input,
            Err(e) => {
                report.error = Some(ReportError {
                    kind: "preprocess",
                    message: e.to_string(),
                });
                finish(&mut analysis, ecg, beats);
                return analysis;
            }
        };
        for w in &input.warnings {
            let entry = ReportWarning {
                kind: w.kind(),
                message: w.to_string(),
            };
            if !report.warnings.contains(&entry) {
                report.warnings.push(entry);
            }
        }
        report.window = Some(WindowSummary {
            start_secs: input.start_secs,
            duration_secs: shape.samples as f64 / shape.sample_rate_hz,
            sample_rate_hz: shape.sample_rate_hz,
        });
        let started = now_ms();
        let logits = self
            .runner
            .forward(
                self.net,
                input.values.clone(),
                [1, self.leads(), shape.samples],
            )
            .await;
        report.timing_ms.inference = since_ms(started);
        match logits {
            Ok(logits) => report.vessels = vessel_risks(metadata, &logits),
            Err(e) => {
                report.error = Some(ReportError {
                    kind: "inference",
                    message: e.to_string(),
                })
            }
        }
        analysis.input = Some(input);
        finish(&mut analysis, ecg, beats);
        analysis
    }

    /// The saliency map of one vessel for an analysed record, on the model input and on the
    /// record's own time base, with its lead and phase shares. `progress(done, total)` follows
    /// the gradient passes.
    pub async fn explain(
        &self,
        analysis: &Analysis,
        vessel: &str,
        method: Method,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<Explanation, ExplainError> {
        let metadata = self.model.metadata();
        let (Some(ecg), Some(beats), Some(input)) =
            (&analysis.ecg, &analysis.beats, &analysis.input)
        else {
            let why = analysis
                .report
                .error
                .as_ref()
                .map_or("the record was not analysed".to_string(), |e| {
                    e.message.clone()
                });
            return Err(ExplainError::NoEstimate(why));
        };
        let output = metadata
            .outputs
            .iter()
            .position(|o| o.eq_ignore_ascii_case(vessel))
            .ok_or_else(|| ExplainError::UnknownVessel {
                vessel: vessel.to_string(),
                outputs: metadata.outputs.clone(),
            })?;
        let leads = self.leads();
        let started = now_ms();
        let input_map = saliency::attribute(
            self.runner,
            self.net,
            &input.values,
            leads,
            output,
            method,
            progress,
        )
        .await?;
        let elapsed_ms = since_ms(started);
        let base = TimeBase {
            model_rate_hz: metadata.input.sample_rate_hz,
            start_secs: input.start_secs,
            record_rate_hz: ecg.sample_rate_hz(),
            record_samples: ecg.samples_per_lead(),
        };
        let record_map = saliency::to_record_time_base(&input_map, leads, base);
        let phase: Option<PhaseShares> =
            saliency::phase_shares(&record_map, leads, &beats.r_peaks, ecg.sample_rate_hz());
        let logit = analysis
            .report
            .vessels
            .get(output)
            .map_or(f64::NAN, |v| v.logit);
        let summary = saliency::Summary {
            vessel: metadata.outputs[output].clone(),
            method: method.name(),
            steps: method.passes(),
            lead_share: saliency::lead_shares(&input_map, leads),
            phase_share: phase,
            phase_coverage: phase.map(|p| p.coverage),
            total: input_map.iter().map(|&v| f64::from(v)).sum(),
            logit,
        };
        Ok(Explanation {
            record_map,
            record_samples: ecg.samples_per_lead(),
            input_map,
            summary,
            elapsed_ms,
        })
    }
}
