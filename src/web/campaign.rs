//! The page's campaign view (`www/campaign.js`): a folder of records planned in one worker,
//! then each record read from its `File` handles and analysed by any worker of the pool, into
//! the same rows the command line's `predict DIR --csv` writes.

use js_sys::{Float32Array, Float64Array, Uint8Array};
use plotters::drawing::IntoDrawingArea;
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;
use web_sys::OffscreenCanvas;

use super::context::with_campaign_context;
use super::types::{from_js, to_js};
use super::{App, OffscreenBackend, error};
use crate::formats::{Format, Limits, ReadError, ReadOptions, detect};
use crate::pipeline::{
    COHORT_GRID, Cohort, Contribution, ErrorKind, Options, Report, RiskGroup, campaign_records,
    cohort_notice, csv_context_header, csv_context_row, csv_header, csv_row, pseudonym,
    read_campaign_record,
};
use crate::render::{HistogramPanel, Paper, cohort_size_mm, draw_cohort, draw_histograms};

/// One row of a campaign: the report, its CSV line and JSON line, and the same under its
/// pseudonym.
#[derive(Serialize)]
struct CampaignRow {
    /// `record-00042-3fa9c0d1`: position in the campaign and content hash.
    pseudonym: String,
    /// The CSV line (with its CRLF), as `predict --csv` writes it.
    csv: String,
    /// The same with the pseudonym for the file names.
    csv_pseudonymous: String,
    /// The report as one line of JSON (README, "The JSON report").
    json: String,
    /// The same with the pseudonym for the file names.
    json_pseudonymous: String,
    /// The report, for the table and the summary.
    report: Report,
    /// Its part in the cohort view, for [`App::cohort_add`] (null without an estimate);
    /// its beats follow as `cohort_beats`, a `Float32Array` ([`Contribution::flat_beats`]).
    cohort: Option<CohortPart>,
    /// The line of the context file's row for this record (null without one, or without a
    /// context file): the page says which rows matched no record, or several.
    context_line: Option<u64>,
}

/// A record's cohort part without its beats.
#[derive(Serialize, Deserialize)]
struct CohortPart {
    groups: Vec<Option<RiskGroup>>,
    attribution: Vec<Option<Vec<f64>>>,
}

/// A new cohort: the campaign model's outputs and what the cohort sheet says about it.
#[derive(Deserialize)]
struct CohortSetup {
    /// Output names, in the model's order.
    outputs: Vec<String>,
    /// The model's name and version.
    model: String,
    /// The model card's disclaimer.
    disclaimer: String,
    /// Whether it is a demonstration model.
    demonstration: bool,
}

impl CohortSetup {
    const FIELDS: [&'static str; 4] = ["outputs", "model", "disclaimer", "demonstration"];

    /// The line the cohort sheet carries about the model.
    fn notice(&self) -> String {
        cohort_notice(&self.model, &self.disclaimer, self.demonstration)
    }
}

/// Pixels per millimetre of the cohort sheet.
const COHORT_PX_PER_MM: f64 = 4.0;

#[wasm_bindgen]
impl App {
    /// Whether `prefix` (the first bytes of a file) is a WFDB header: the page reads such a
    /// file whole for [`App::campaign_records`], and only a small prefix of any other.
    pub fn is_wfdb_header(prefix: &[u8]) -> bool {
        detect(prefix) == Format::Wfdb
    }

    /// The records of a campaign's files, in order: `names` are their paths in the dropped
    /// folder (`campaign/a/100.hea`), `heads` a WFDB header's whole bytes and an empty array
    /// for any other file. Returns `[[index, …], …]`, one array of indices into `names` per
    /// record, sorted by path as `predict DIR` sorts them, a WFDB header with the signal files
    /// beside it.
    pub fn campaign_records(
        names: Vec<String>,
        heads: Vec<Uint8Array>,
    ) -> Result<JsValue, JsValue> {
        if names.len() != heads.len() {
            return Err(error(
                ErrorKind::InvalidInput,
                "one head is needed per name",
            ));
        }
        let heads: Vec<Vec<u8>> = heads.iter().map(Uint8Array::to_vec).collect();
        let files: Vec<(&str, &[u8])> = names
            .iter()
            .zip(&heads)
            .map(|(name, head)| (name.as_str(), head.as_slice()))
            .collect();
        to_js(&campaign_records(&files))
    }

    /// The CSV header for the loaded model's outputs (with its CRLF), as `predict --csv` writes
    /// it (with the context columns once a context file is given, as with `--context`). Throws `{kind: "model"}` without a model.
    pub fn csv_header(&self) -> Result<String, JsValue> {
        let session = self
            .session
            .as_ref()
            .ok_or_else(|| error(ErrorKind::Model, "no model file loaded: no table"))?;
        let outputs = &session.metadata().outputs;
        Ok(match self.campaign_context {
            Some(_) => csv_context_header(outputs),
            None => csv_header(outputs),
        })
    }

    /// Draws a campaign's probabilities per output as histograms onto `canvas` (as sized by
    /// the caller), each with the loaded model file's rule-out and rule-in cut-offs: `names`
    /// and `values` are parallel, one output's name and its records' probabilities. Throws
    /// `{kind: "model"}` without a model, `{kind: "render"}` when the canvas refuses.
    pub fn draw_campaign_histograms(
        &self,
        canvas: &OffscreenCanvas,
        names: Vec<String>,
        values: Vec<Float64Array>,
    ) -> Result<(), JsValue> {
        let session = self
            .session
            .as_ref()
            .ok_or_else(|| error(ErrorKind::Model, "no model file loaded: no histograms"))?;
        if names.len() != values.len() {
            return Err(error(
                ErrorKind::InvalidInput,
                "one array is needed per name",
            ));
        }
        let values: Vec<Vec<f64>> = values.iter().map(Float64Array::to_vec).collect();
        let thresholds = &session.metadata().thresholds;
        let panels: Vec<HistogramPanel> = names
            .iter()
            .zip(&values)
            .map(|(name, probabilities)| HistogramPanel {
                name,
                probabilities,
                cutoffs: thresholds
                    .get(name)
                    .map(|t| (t.rule_out.probability, t.rule_in.probability)),
            })
            .collect();
        let backend =
            OffscreenBackend::new(canvas).map_err(|e| error(ErrorKind::Render, e.to_string()))?;
        draw_histograms(&backend.into_drawing_area(), &panels)
            .map_err(|e| error(ErrorKind::Render, e.to_string()))
    }

    /// Reads and analyses one record of a campaign: `names`, `contents`, `sizes` and `faults`
    /// are parallel, one entry per file of the record (from [`App::campaign_records`]): its
    /// path, its bytes, the size the browser gave for it and why the browser could not read it
    /// ("" when it could). A file over the byte limit is refused by its size (its bytes may be
    /// empty). `position` is the record's place in the campaign, from 1. Resolves to one row
    /// per record the files form (usually one): `{pseudonym, csv, csv_pseudonymous, json,
    /// json_pseudonymous, report, cohort, context_line}`: `cohort` is the record's part in the
    /// cohort view (null without an estimate), with its attribution shares when
    /// `cohort_saliency` (one gradient pass per output); with a context file
    /// ([`App::campaign_context`]) the report and rows carry the context as `predict
    /// --context` writes them, and `context_line` is the line of the record's row (null
    /// without one). Nothing is kept in the worker afterwards.
    #[allow(clippy::too_many_arguments)]
    pub fn campaign_record(
        &self,
        names: Vec<String>,
        contents: Vec<Uint8Array>,
        sizes: Vec<f64>,
        faults: Vec<String>,
        position: usize,
        sample_rate_hz: Option<f64>,
        cohort_saliency: bool,
    ) -> js_sys::Promise {
        let session = self.session.clone();
        let context = self.campaign_context.clone();
        let limits = Limits::default();
        let files: Result<Vec<_>, JsValue> = (|| {
            if contents.len() != names.len()
                || sizes.len() != names.len()
                || faults.len() != names.len()
            {
                return Err(error(
                    ErrorKind::InvalidInput,
                    "names, contents, sizes and faults must be parallel",
                ));
            }
            Ok(names
                .into_iter()
                .zip(contents)
                .zip(sizes.into_iter().zip(faults))
                .map(|((name, bytes), (size, fault))| {
                    let declared = if size.is_finite() && size >= 0.0 {
                        size as usize
                    } else {
                        usize::MAX
                    };
                    let had = if !fault.is_empty() {
                        Err(ReadError::Io(fault))
                    } else {
                        limits
                            .check_bytes(declared)
                            .and_then(|()| {
                                let bytes = bytes.to_vec();
                                limits.check_bytes(bytes.len()).map(|()| bytes)
                            })
                            .map_err(ReadError::TooLarge)
                    };
                    (name, had)
                })
                .collect())
        })();
        wasm_bindgen_futures::future_to_promise(async move {
            let files = files?;
            let session = session
                .ok_or_else(|| error(ErrorKind::Model, "no model file loaded: no risk estimate"))?;
            let read_options = ReadOptions {
                sample_rate_hz,
                ..ReadOptions::default()
            };
            let outputs = &session.metadata().outputs;
            let rule = session.metadata().clinical_context.as_ref();
            let row_of = |r: &Report| match &context {
                Some(_) => csv_context_row(r, outputs),
                None => csv_row(r, outputs),
            };
            let mut rows = Vec::new();
            let mut flat_beats = Vec::new();
            for read in read_campaign_record(files, &read_options, &limits) {
                let analysis = session.analyse(read.record, Options::default()).await;
                let cohort = session
                    .cohort_contribution(&analysis, cohort_saliency)
                    .await;
                let (report, context_line) =
                    with_campaign_context(analysis.report, context.as_deref(), rule);
                let name = pseudonym(position, &read.content_hash);
                let hidden = report.pseudonymised(&name);
                let json = |r: &Report| {
                    serde_json::to_string(r).map_err(|e| error(ErrorKind::Internal, e.to_string()))
                };
                let (cohort, beats) = match cohort {
                    Some(c) => {
                        let beats = c.flat_beats();
                        let part = CohortPart {
                            groups: c.groups,
                            attribution: c.attribution,
                        };
                        (Some(part), Some(beats))
                    }
                    None => (None, None),
                };
                flat_beats.push(beats);
                rows.push(CampaignRow {
                    csv: row_of(&report),
                    csv_pseudonymous: row_of(&hidden),
                    json: json(&report)?,
                    json_pseudonymous: json(&hidden)?,
                    pseudonym: name,
                    report,
                    cohort,
                    context_line,
                });
            }
            let out = to_js(&rows)?;
            let array: &js_sys::Array = out.unchecked_ref();
            for (i, beats) in flat_beats.iter().enumerate() {
                let value = match beats {
                    Some(beats) => Float32Array::from(beats.as_slice()).into(),
                    None => JsValue::NULL,
                };
                js_sys::Reflect::set(&array.get(i as u32), &"cohort_beats".into(), &value)?;
            }
            Ok(out)
        })
    }
    /// Starts an empty cohort view (dropping any earlier one) for a campaign's model:
    /// `{outputs, model, disclaimer, demonstration}`.
    pub fn cohort_reset(&mut self, setup: JsValue) -> Result<(), JsValue> {
        let setup: CohortSetup = from_js(setup, "cohort setup", &CohortSetup::FIELDS)?;
        self.cohort = Some((Cohort::new(setup.outputs.clone()), setup.notice()));
        Ok(())
    }

    /// Drops the cohort view ("forget this campaign").
    pub fn cohort_forget(&mut self) {
        self.cohort = None;
    }

    /// Adds one record's `cohort` and `cohort_beats` (from [`App::campaign_record`]) to the
    /// cohort view. Throws `{kind: "invalid_input"}` for a part that is not of this cohort's
    /// shape, and without a cohort.
    pub fn cohort_add(&mut self, part: JsValue, beats: Float32Array) -> Result<(), JsValue> {
        let (cohort, _) = self.cohort.as_mut().ok_or_else(|| {
            error(
                ErrorKind::InvalidInput,
                "no cohort started (cohort_reset first)",
            )
        })?;
        let part: CohortPart = from_js(part, "cohort part", &["groups", "attribution"])?;
        let invalid =
            |e: crate::pipeline::CohortError| error(ErrorKind::InvalidInput, e.to_string());
        let contribution =
            Contribution::from_flat_beats(part.groups, part.attribution, &beats.to_vec())
                .map_err(invalid)?;
        cohort.add(&contribution).map_err(invalid)
    }

    /// The cohort's counts and mean attribution shares: `{records, outputs: [{vessel,
    /// high_records, low_records, attribution_records, attribution: [{lead, P, QRS, "ST-T"}] |
    /// null}]}`.
    pub fn cohort_summary(&self) -> Result<JsValue, JsValue> {
        let (cohort, _) = self.cohort.as_ref().ok_or_else(|| {
            error(
                ErrorKind::InvalidInput,
                "no cohort started (cohort_reset first)",
            )
        })?;
        to_js(&cohort.summary(false))
    }

    /// Draws the cohort view onto `canvas` (sized here): per output the average median beat
    /// of every lead for the high-risk records against the low-risk ones, on ECG paper at 50
    /// mm/s and 10 mm/mV.
    pub fn draw_cohort(&self, canvas: &OffscreenCanvas) -> Result<(), JsValue> {
        let (cohort, notice) = self.cohort.as_ref().ok_or_else(|| {
            error(
                ErrorKind::InvalidInput,
                "no cohort started (cohort_reset first)",
            )
        })?;
        let paper =
            Paper::new(25.0, 10.0).map_err(|e| error(ErrorKind::Internal, e.to_string()))?;
        let panels = cohort.panels();
        let (w, h) = cohort_size_mm(&paper, COHORT_GRID, panels.len());
        canvas.set_width((w * COHORT_PX_PER_MM).ceil() as u32);
        canvas.set_height((h * COHORT_PX_PER_MM).ceil() as u32);
        let backend =
            OffscreenBackend::new(canvas).map_err(|e| error(ErrorKind::Render, e.to_string()))?;
        draw_cohort(
            &backend.into_drawing_area(),
            &panels,
            COHORT_GRID,
            &paper,
            COHORT_PX_PER_MM,
            notice,
        )
        .map_err(|e| error(ErrorKind::Render, e.to_string()))
    }
}
