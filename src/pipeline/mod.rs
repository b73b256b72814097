//! From a file's bytes to an explained risk, the same steps natively and in the browser:
//! record → quality gate → the model file's recipe → Net1D → per-vessel probability → stratum
//! by the model file's cut-offs → [`Report`], and on request a saliency map per vessel
//! ([`Session::explain`]). Async because WebGPU reads results back asynchronously.
//!
//! A [`Session`] owns a model file, the backend it runs on and the network built from it; the
//! command line, the page and the tests all analyse through one.

mod campaign;
mod cohort;
mod context;
mod csv;
mod report;

pub use campaign::{CampaignRead, campaign_records, content_hash, pseudonym, read_campaign_record};
pub use cohort::{
    COHORT_BEAT_SAMPLES, COHORT_GRID, COHORT_R_INDEX, COHORT_RATE_HZ, Cohort, CohortError,
    CohortOutput, CohortSummary, Contribution, GroupBeats, LeadPhaseShare, RiskGroup, cohort_beat,
    cohort_beats, cohort_notice,
};
pub use context::{
    Against, CombinedEntry, Comparison, ContextReport, LikelihoodEntry, NO_RULE, VesselContext,
    any_vessel_stratum, context_for, context_report, likelihood_band,
};
pub use csv::{csv_context_header, csv_context_row, csv_header, csv_row, csv_table};
pub use report::{
    BackendSummary, Batch, ErrorKind, ModelSummary, RecordSummary, Report, ReportError,
    ReportWarning, Timing, VesselRisk, WindowSummary, artery,
};

use crate::clock::{now_ms, since_ms};
use crate::ecg::Ecg;
use crate::formats::RecordResult;
use crate::model::metadata::ModelMetadata;
use crate::model::{ConfigError, ModelFile, Net1d, PreparedNet, RunError, Runner};
use crate::saliency::{self, Method, PhaseShares, TimeBase};
use crate::signal::beats::{Beats, detect_in_recorded};
use crate::signal::quality::{Quality, Verdict, assess};
use crate::signal::{InputShape, ModelInput, PrepareError, Preprocessing, WindowOptions, prepare};

/// How many records go through the network at once when a batch of model inputs is run.
pub const FORWARD_BATCH: usize = 8;

/// The model input for `ecg`, by the recipe and input shape the model file declares.
pub fn model_input(
    ecg: &Ecg,
    metadata: &ModelMetadata,
    window: WindowOptions,
) -> Result<ModelInput, PrepareError> {
    prepare(
        ecg,
        metadata.input.preprocessing,
        metadata.input.shape(),
        window,
    )
}

/// The logistic function: a logit as a probability.
pub fn sigmoid(logit: f32) -> f64 {
    1.0 / (1.0 + (-f64::from(logit)).exp())
}

/// The quality gate for a model input of `shape` prepared by `recipe`: whether the record can
/// carry a window that long (zero-padded when `allow_padding`), and every finding on its leads.
pub fn quality_gate(
    ecg: &Ecg,
    beats: &Beats,
    shape: InputShape,
    recipe: Preprocessing,
    allow_padding: bool,
) -> Quality {
    assess(ecg, beats, shape.duration_secs(), recipe, allow_padding)
}

/// An output's probability from the network's logit: the logistic function, after the model
/// file's recalibration of that output when it has one.
pub fn probability(metadata: &ModelMetadata, output: &str, logit: f32) -> f64 {
    match metadata.recalibration.get(output) {
        Some(r) => 1.0 / (1.0 + (-r.logit(f64::from(logit))).exp()),
        None => sigmoid(logit),
    }
}

/// Probabilities and strata from one record's logits, in output order.
pub fn vessel_risks(metadata: &ModelMetadata, logits: &[f32]) -> Vec<VesselRisk> {
    metadata
        .outputs
        .iter()
        .zip(logits)
        .map(|(name, &logit)| {
            let probability = probability(metadata, name, logit);
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

/// How records are analysed.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Options {
    /// Which part of the record, and whether short records are zero-padded.
    pub window: WindowOptions,
    /// Give an estimate even when the quality gate calls the record unusable (reported as
    /// `quality_overridden`).
    pub override_quality: bool,
}

/// A record analysed: its report, and what [`Session::explain`] needs.
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

/// A model file, the backend it runs on and the network built from it: analyses records and
/// explains them. Owned, so the command line, the page and the tests hold one value.
pub struct Session {
    model: ModelFile,
    runner: Runner,
    net: PreparedNet,
}

impl Session {
    /// Builds the model file's network on the runner's device, with BatchNorm folded into
    /// the convolutions ([`Net1d::folded`]: the same logits with less work per ECG), and
    /// prepares it for the runner ([`Runner::prepare`]: on the CPU, weights packed once).
    pub fn new(model: ModelFile, runner: Runner) -> Result<Self, ConfigError> {
        let net = runner.prepare(model.build(runner.device())?.folded());
        Ok(Self { model, runner, net })
    }

    /// The model file.
    pub fn model(&self) -> &ModelFile {
        &self.model
    }

    /// The model file's metadata.
    pub fn metadata(&self) -> &ModelMetadata {
        self.model.metadata()
    }

    /// Where the network runs.
    pub fn runner(&self) -> &Runner {
        &self.runner
    }

    /// The network (burn's module, BatchNorm folded).
    pub fn net(&self) -> &Net1d {
        self.net.net()
    }

    fn shape(&self) -> InputShape {
        self.metadata().input.shape()
    }

    /// The quality gate for this model's input: its window and its recipe.
    fn gate(&self, ecg: &Ecg, beats: &Beats, allow_padding: bool) -> Quality {
        let input = &self.model.metadata().input;
        quality_gate(
            ecg,
            beats,
            input.shape(),
            input.preprocessing,
            allow_padding,
        )
    }

    fn leads(&self) -> usize {
        self.metadata().architecture.config.in_channels
    }

    /// The logits of already-preprocessed model inputs, `inputs` holding `n` records of
    /// `[leads, samples]` each (the model file's input shape), [`FORWARD_BATCH`] at a time: one
    /// row of outputs per record. A length that is not a whole number of records is refused.
    pub async fn forward_inputs(&self, inputs: &[f32]) -> Result<Vec<Vec<f32>>, RunError> {
        let (leads, samples) = (self.leads(), self.shape().samples);
        let per_record = (leads * samples).max(1);
        if inputs.is_empty() || !inputs.len().is_multiple_of(per_record) {
            let records = inputs.len().div_ceil(per_record).max(1);
            return Err(RunError::Shape {
                shape: [records, leads, samples],
                expected: records * per_record,
                found: inputs.len(),
            });
        }
        let outputs = self.metadata().outputs.len().max(1);
        let mut logits = Vec::with_capacity(inputs.len() / per_record);
        for chunk in inputs.chunks(per_record * FORWARD_BATCH) {
            let n = chunk.len() / per_record;
            let out = self
                .runner
                .forward_prepared(&self.net, chunk.to_vec(), [n, leads, samples])
                .await?;
            logits.extend(out.chunks(outputs).map(<[f32]>::to_vec));
        }
        Ok(logits)
    }

    /// The report of an input that never became a record (a file the system could not read),
    /// so a batch keeps one row per input.
    pub fn failed(&self, sources: Vec<String>, kind: ErrorKind, message: String) -> Report {
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
            backend: BackendSummary::of(&self.runner),
            timing_ms: Timing {
                read: read_ms,
                ..Timing::default()
            },
            clinical_context: None,
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
                    kind: e.kind(),
                    message: e.to_string(),
                });
                report.timing_ms.total = report.timing_ms.read;
                return analysis;
            }
        };
        let shape = self.shape();
        let started = now_ms();
        let beats = detect_in_recorded(&ecg);
        let quality = self.gate(&ecg, &beats, options.window.allow_padding);
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
                kind: ErrorKind::Quality,
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
                    kind: ErrorKind::Preprocess,
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
            duration_secs: shape.duration_secs(),
            sample_rate_hz: shape.sample_rate_hz,
        });
        let started = now_ms();
        let logits = self
            .runner
            .forward_prepared(
                &self.net,
                input.values.clone(),
                [1, self.leads(), shape.samples],
            )
            .await;
        report.timing_ms.inference = since_ms(started);
        match logits {
            Ok(logits) => report.vessels = vessel_risks(metadata, &logits),
            Err(e) => {
                report.error = Some(ReportError {
                    kind: ErrorKind::Inference,
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
            &self.runner,
            self.net.net(),
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
