//! The clinical context (issue 17) in the page: the single-ECG view's form ([`App::context`])
//! and the campaign view's context file ([`App::campaign_context`]), both through
//! [`crate::pipeline::context_for`] with the loaded model file's rule, as `predict --context`.

use std::rc::Rc;

use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

use super::types::{WebError, from_js, to_js};
use super::{App, error};
use crate::clinical::ClinicalContext;
use crate::model::metadata::ClinicalContextRule;
use crate::pipeline::{ContextReport, ErrorKind, Report, context_for};
use crate::validation::{ContextTable, parse_context};

/// The form's fields as typed (README, "Clinical context": the context file's columns).
#[derive(Deserialize)]
struct ContextFields {
    age: String,
    sex: String,
    symptoms: String,
    #[serde(default)]
    risk_factors: String,
}

impl ContextFields {
    const FIELDS: [&'static str; 4] = ["age", "sex", "symptoms", "risk_factors"];
}

/// What the form shows: the context part and the model file's rule, if any.
#[derive(Serialize)]
struct ContextView<'a> {
    /// As a report's `clinical_context` (README, "The JSON report").
    context: ContextReport,
    /// The rule's guideline, whether it is a demonstration, and where it was validated.
    rule: Option<RuleView<'a>>,
}

#[derive(Serialize)]
struct RuleView<'a> {
    guideline: &'static str,
    demonstration: bool,
    source: &'a str,
}

impl<'a> RuleView<'a> {
    fn of(rule: &'a ClinicalContextRule) -> Self {
        Self {
            guideline: rule.guideline.key(),
            demonstration: rule.demonstration,
            source: &rule.source,
        }
    }
}

/// A context file taken by the campaign view: how many rows and their lines.
#[derive(Serialize)]
struct ContextFileView {
    rows: usize,
    lines: Vec<u64>,
}

/// A campaign report with its context part, when the context file has a row for it, and
/// that row's line.
pub(super) fn with_campaign_context(
    report: Report,
    table: Option<&ContextTable>,
    rule: Option<&ClinicalContextRule>,
) -> (Report, Option<u64>) {
    match table.and_then(|t| Some((t, t.find(&report.sources)?))) {
        Some((t, row)) => {
            let line = t.rows[row].line;
            (report.with_context(&t.rows[row].context, rule), Some(line))
        }
        None => (report, None),
    }
}

impl ContextFileView {
    fn of(table: &ContextTable) -> Self {
        Self {
            rows: table.rows.len(),
            lines: table.rows.iter().map(|r| r.line).collect(),
        }
    }
}

/// The largest context file the campaign view takes (a million rows is about 40 MiB).
const MAX_CONTEXT_BYTES: usize = 64 << 20;

/// A context file's bytes, read and checked.
fn read_context_file(bytes: &[u8]) -> Result<ContextTable, JsValue> {
    if bytes.len() > MAX_CONTEXT_BYTES {
        return Err(error(
            ErrorKind::InvalidInput,
            format!(
                "{} bytes is too large for a context file (at most {MAX_CONTEXT_BYTES})",
                bytes.len()
            ),
        ));
    }
    let text = std::str::from_utf8(bytes).map_err(|e| {
        error(
            ErrorKind::InvalidInput,
            format!(
                "context: not UTF-8 text (the byte at offset {} is not valid UTF-8)",
                e.valid_up_to()
            ),
        )
    })?;
    parse_context(text).map_err(|e| error(ErrorKind::InvalidInput, e.to_string()))
}

#[wasm_bindgen]
impl App {
    /// The form's clinical context beside the last analysed record: `fields` is `{age, sex,
    /// symptoms, risk_factors}` as typed (the context file's syntax). Returns `{context, rule}`:
    /// `context` as a report's `clinical_context` (both guidelines' likelihoods or why there is
    /// none, each vessel's stratum and any vessel's against them, the combined category under
    /// the loaded model file's rule, notes); `rule` is `{guideline, demonstration, source}` or
    /// null. Without an analysed record with an estimate there is nothing to set against, and
    /// a note says so. Throws `{kind: "invalid_input", field, message}` for a bad field.
    /// Nothing is kept.
    pub fn context(&self, fields: JsValue) -> Result<JsValue, JsValue> {
        let fields: ContextFields = from_js(fields, "clinical context", &ContextFields::FIELDS)?;
        let context = ClinicalContext::parse(
            &fields.age,
            &fields.sex,
            &fields.symptoms,
            &fields.risk_factors,
        )
        .map_err(|e| {
            let mut err = WebError::new(ErrorKind::InvalidInput, e.message);
            err.field = Some(e.field);
            JsValue::from(err)
        })?;
        let rule = self
            .session
            .as_ref()
            .and_then(|s| s.metadata().clinical_context.as_ref());
        let analysis = self.analysis.borrow();
        let vessels = analysis
            .as_ref()
            .map_or(&[][..], |a| a.report.vessels.as_slice());
        to_js(&ContextView {
            context: context_for(vessels, &context, rule),
            rule: rule.map(RuleView::of),
        })
    }

    /// Checks a context file for a campaign (`bytes`, its contents; UTF-8 CSV with `file,
    /// age, sex, symptoms[, risk_factors]`, as `predict --context` reads it) without keeping
    /// it: `{rows, lines}`, or throws `{kind: "invalid_input"}` with the line and column of a
    /// bad row.
    pub fn check_context_file(bytes: &[u8]) -> Result<JsValue, JsValue> {
        let table = read_context_file(bytes)?;
        to_js(&ContextFileView::of(&table))
    }

    /// Takes a context file for the campaign's records, as [`App::check_context_file`] reads
    /// it: from now on [`App::csv_header`] and [`App::campaign_record`] add the context
    /// columns and parts, as `predict --context` does. Returns `{rows, lines}`; throws as
    /// [`App::check_context_file`] does, and keeps no file then.
    pub fn campaign_context(&mut self, bytes: &[u8]) -> Result<JsValue, JsValue> {
        self.campaign_context = None;
        let table = read_context_file(bytes)?;
        let view = to_js(&ContextFileView::of(&table))?;
        self.campaign_context = Some(Rc::new(table));
        Ok(view)
    }

    /// Drops the campaign's context file: rows are written without the context columns again.
    pub fn campaign_context_forget(&mut self) {
        self.campaign_context = None;
    }
}
