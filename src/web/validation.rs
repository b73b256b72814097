//! The campaign view's local validation (issue 16): the campaign's own table against a labels
//! file the user picks, the same report as `ecg-stenosis evaluate` with its plots drawn here
//! by plotters, and a calibrated model file made here, as `ecg-stenosis calibrate` makes it.
//! Nothing leaves the page's worker but what it hands the page.

use js_sys::{Reflect, Uint8Array};
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

use super::types::{from_js, to_js};
use super::{App, error};
use crate::model::ModelFile;
use crate::pipeline::ErrorKind;
use crate::validation::{Evidence, ReportOptions, Targets, calibrate, report_html};

/// What the page asks for; absent fields take the command line's defaults.
#[derive(Deserialize)]
#[serde(default)]
struct ValidationOptions {
    /// Bootstrap resamples of each AUC interval.
    bootstrap: usize,
    /// Seed of the bootstrap.
    seed: u64,
    /// The rule-out cut-off's target sensitivity (calibration only).
    sensitivity: f64,
    /// The rule-in cut-off's target specificity (calibration only).
    specificity: f64,
    /// Fit and store a logistic recalibration (calibration only).
    recalibrate: bool,
    /// The site's name for the card (calibration only).
    site: String,
    /// YYYY-MM-DD for the card (calibration only).
    date: String,
}

impl ValidationOptions {
    const FIELDS: [&'static str; 7] = [
        "bootstrap",
        "seed",
        "sensitivity",
        "specificity",
        "recalibrate",
        "site",
        "date",
    ];

    fn report(&self) -> Result<ReportOptions, JsValue> {
        if self.bootstrap == 0 || self.bootstrap > 100_000 {
            return Err(error(
                ErrorKind::InvalidInput,
                format!("{} bootstrap resamples: give 1 to 100000", self.bootstrap),
            ));
        }
        Ok(ReportOptions {
            bootstrap_resamples: self.bootstrap,
            seed: self.seed,
            ..ReportOptions::default()
        })
    }
}

impl Default for ValidationOptions {
    fn default() -> Self {
        let report = ReportOptions::default();
        Self {
            bootstrap: report.bootstrap_resamples,
            seed: report.seed,
            sensitivity: 0.9,
            specificity: 0.9,
            recalibrate: false,
            site: String::new(),
            date: String::new(),
        }
    }
}

/// The report as the page shows it.
#[derive(Serialize)]
struct ValidationView {
    /// `report.json`, as `evaluate` writes it.
    report: crate::validation::ValidationReport,
    /// `report.html`, self-contained (its plots inline SVG drawn by plotters, without style
    /// attributes: the page's CSP allows no inline style), shown in the page and downloaded.
    html: String,
}

/// A calibrated model file's words; its bytes come beside them.
#[derive(Serialize)]
struct CalibratedView {
    /// The new file's version (`… +local.DATE`).
    version: String,
    /// Per output: the new cut-offs or why they were kept, and any note.
    lines: Vec<String>,
    /// The model card's line about it.
    local_validation: Option<String>,
}

/// What both requests start from: the options read, the loaded model, the evidence.
struct Prepared<'a> {
    options: ValidationOptions,
    report: ReportOptions,
    model: &'a ModelFile,
    evidence: Evidence,
}

impl App {
    /// Reads `options` (`what` names them in errors) and pairs `table` (the campaign's CSV)
    /// with `labels` (the labels file's text, `labels_name` its name) for the loaded model.
    fn prepare(
        &self,
        table: &str,
        labels_name: &str,
        labels: &str,
        options: JsValue,
        what: &str,
    ) -> Result<Prepared<'_>, JsValue> {
        let options: ValidationOptions = from_js(options, what, &ValidationOptions::FIELDS)?;
        let report = options.report()?;
        let session = self.session.as_ref().ok_or_else(|| {
            error(
                ErrorKind::Model,
                "no model file loaded: nothing to validate",
            )
        })?;
        let model = session.model();
        let evidence = Evidence::from_table(
            model.metadata(),
            labels_name,
            labels,
            "the campaign's table",
            table,
        )
        .map_err(|e| error(ErrorKind::InvalidInput, e.to_string()))?;
        Ok(Prepared {
            options,
            report,
            model,
            evidence,
        })
    }
}

#[wasm_bindgen]
impl App {
    /// The validation report of a campaign's CSV (`table`, as the campaign view exports it,
    /// with file names, not pseudonyms) against a labels file (`labels`, its text; `labels_name`
    /// for errors), for the loaded model. `options`: `{bootstrap?, seed?}`. Returns `{report,
    /// html}`; throws `{kind: "invalid_input"}` with the line and column of a bad label, a
    /// label naming no record, or a table another model made.
    pub fn validation_report(
        &self,
        table: String,
        labels_name: String,
        labels: String,
        options: JsValue,
    ) -> Result<JsValue, JsValue> {
        let given = self.prepare(&table, &labels_name, &labels, options, "validation options")?;
        let report = given.evidence.report(given.model.metadata(), given.report);
        let html = report_html(&report);
        to_js(&ValidationView { report, html })
    }

    /// A new model file: the loaded model's weights with cut-offs chosen on the campaign's
    /// table against the labels (and, with `recalibrate`, a logistic recalibration), as
    /// `ecg-stenosis calibrate` writes it. `options`: `{sensitivity, specificity, recalibrate,
    /// site, date, bootstrap?, seed?}`. Returns `{bytes: Uint8Array, version, lines,
    /// local_validation}`; throws `{kind: "invalid_input"}` as [`App::validation_report`] does
    /// and for targets out of range or a missing site.
    pub fn calibrated_model(
        &self,
        table: String,
        labels_name: String,
        labels: String,
        options: JsValue,
    ) -> Result<JsValue, JsValue> {
        let Prepared {
            options,
            report,
            model,
            evidence,
        } = self.prepare(
            &table,
            &labels_name,
            &labels,
            options,
            "calibration options",
        )?;
        let targets = Targets {
            sensitivity: options.sensitivity,
            specificity: options.specificity,
            recalibrate: options.recalibrate,
            site: options.site,
            date: options.date,
        };
        let invalid = |e: String| error(ErrorKind::InvalidInput, e);
        let (metadata, done) = calibrate(
            model.metadata(),
            &evidence.cases_per_output(model.metadata()),
            &targets,
            &report,
        )
        .map_err(|e| invalid(e.to_string()))?;
        let file = model
            .with_metadata(metadata)
            .map_err(|e| error(ErrorKind::Model, e.to_string()))?;
        let bytes = file
            .to_safetensors_as_stored()
            .map_err(|e| error(ErrorKind::Model, e.to_string()))?;
        let view = to_js(&CalibratedView {
            version: file.metadata().version.clone(),
            lines: done.iter().flat_map(|d| d.describe()).collect(),
            local_validation: file.metadata().card.local_validation(),
        })?;
        Reflect::set(&view, &"bytes".into(), &Uint8Array::from(bytes.as_slice()))
            .map_err(|_| error(ErrorKind::Internal, "the file could not be handed over"))?;
        Ok(view)
    }
}
