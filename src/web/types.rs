//! The vocabulary of the boundary to JavaScript: everything the page sends (options) and gets
//! back (results, errors) is one of these serde types, converted by `serde_wasm_bindgen` and
//! nowhere else. Field names are snake_case on both sides.

use serde::{Deserialize, Serialize};
use wasm_bindgen::{JsCast, JsValue};

use crate::clinical::Guideline;
use crate::ecg::Ecg;
use crate::formats::{ReadError, RecordResult};
use crate::model::metadata::Stratum;
use crate::model::{ModelFile, Runner};
use crate::pipeline::{ErrorKind, artery};
use crate::render::{BeatPanel, Paper, SheetLayout, sheet_width_mm};
use crate::saliency::Summary;

/// A value as a plain JavaScript object: maps as objects, `None` as `null` (or absent where a
/// field says so), numbers as numbers.
pub fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, JsValue> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| WebError::new(ErrorKind::Internal, e.to_string()).into())
}

/// What the page sends, read into its type; a value of the wrong shape, or with a field the
/// type does not have (a misspelt option must not be ignored silently), is an `invalid_input`
/// error naming what is wrong. `fields` are the type's field names (`serde_wasm_bindgen` reads
/// only the fields it knows, so `deny_unknown_fields` alone would not see the others).
pub fn from_js<T: for<'de> Deserialize<'de>>(
    value: JsValue,
    what: &str,
    fields: &[&str],
) -> Result<T, JsValue> {
    let invalid = |message: String| -> JsValue {
        WebError::new(ErrorKind::InvalidInput, format!("{what}: {message}")).into()
    };
    if let Some(object) = value.dyn_ref::<js_sys::Object>() {
        for key in js_sys::Object::keys(object).iter() {
            let key = key.as_string().unwrap_or_default();
            if !fields.contains(&key.as_str()) {
                return Err(invalid(format!(
                    "unknown field '{key}' (expected {})",
                    fields.join(", ")
                )));
            }
        }
    }
    serde_wasm_bindgen::from_value(value).map_err(|e| invalid(e.to_string()))
}

/// Every failure the page sees: whose fault, what, and where when known.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WebError {
    /// The shared vocabulary of [`ErrorKind`].
    pub kind: ErrorKind,
    /// In words, with the place; never patient data.
    pub message: String,
    /// The line of a text file, when the error has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// The file(s) of a record that could not be read.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
    /// The form field at fault (`age`, `sex` …), when the error is one field's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<&'static str>,
}

impl WebError {
    /// An error without a line or sources.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            line: None,
            sources: Vec::new(),
            field: None,
        }
    }

    /// A reader's error for the files it came from.
    pub fn read(error: &ReadError, sources: Vec<String>) -> Self {
        let line = match error {
            ReadError::Csv(e) => e.line(),
            _ => None,
        };
        Self {
            kind: error.kind(),
            message: error.to_string(),
            line,
            sources,
            field: None,
        }
    }
}

impl From<WebError> for JsValue {
    fn from(error: WebError) -> Self {
        error
            .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
            .unwrap_or_else(|_| JsValue::from_str(&error.message))
    }
}

/// The backend the worker runs on.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BackendView {
    /// `webgpu` or `cpu`.
    pub kind: &'static str,
    /// The adapter, on WebGPU.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub adapter: Option<String>,
    /// Why the CPU is used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl BackendView {
    /// The view of a runner.
    pub fn of(runner: &Runner) -> Self {
        let info = runner.info();
        Self {
            kind: info.kind.name(),
            adapter: info.adapter.clone(),
            reason: info.cpu_reason.clone(),
        }
    }
}

/// One lead of the record: its name and whether it was derived from I and II.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LeadView {
    /// `I` … `V6`.
    pub name: &'static str,
    /// Computed, not recorded.
    pub derived: bool,
}

/// The record the page loaded.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecordView {
    /// The file(s) it came from.
    pub sources: Vec<String>,
    /// The format recognised.
    pub format: &'static str,
    /// Its own rate.
    pub sample_rate_hz: f64,
    /// Samples per lead.
    pub samples_per_lead: usize,
    /// Duration, seconds.
    pub duration_secs: f64,
    /// Its leads in canonical order.
    pub leads: Vec<LeadView>,
    /// Its warnings, in words.
    pub warnings: Vec<String>,
    /// The other files given at the same time that could not be read.
    pub errors: Vec<WebError>,
}

impl RecordView {
    /// The view of a record read from `record`'s sources.
    pub fn of(record: &RecordResult, ecg: &Ecg, errors: Vec<WebError>) -> Self {
        let mut leads: Vec<_> = ecg.leads().iter().collect();
        leads.sort_by_key(|signal| signal.lead);
        Self {
            sources: record.sources.clone(),
            format: record.format.name(),
            sample_rate_hz: ecg.sample_rate_hz(),
            samples_per_lead: ecg.samples_per_lead(),
            duration_secs: ecg.duration_secs(),
            leads: leads
                .into_iter()
                .map(|signal| LeadView {
                    name: signal.lead.name(),
                    derived: signal.derived,
                })
                .collect(),
            warnings: ecg.warnings().iter().map(ToString::to_string).collect(),
            errors,
        }
    }
}

/// What the page shows about a model file: its card, outputs and warnings.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelView {
    /// Name.
    pub name: String,
    /// Version.
    pub version: String,
    /// A demonstration model (synthetic ECGs and synthetic patterns on real recordings).
    pub demonstration: bool,
    /// Shown with every probability.
    pub disclaimer: String,
    /// Intended use.
    pub intended_use: String,
    /// Training data.
    pub training_data: String,
    /// The metrics the file states.
    pub metrics: serde_json::Value,
    /// The preprocessing recipe.
    pub preprocessing: &'static str,
    /// True when the file carried no metadata and defaults were assumed.
    pub metadata_inferred: bool,
    /// Parameters.
    pub parameters: usize,
    /// Batch normalisation in the blocks.
    pub use_bn: bool,
    /// Output names, in order.
    pub outputs: Vec<String>,
    /// Problems found in the file, in words.
    pub warnings: Vec<String>,
    /// The card's line about its local calibration (`calibrate`), when it has one.
    pub local_validation: Option<String>,
}

impl ModelView {
    /// The view of a model file.
    pub fn of(model: &ModelFile) -> Self {
        let metadata = model.metadata();
        Self {
            name: metadata.name.clone(),
            version: metadata.version.clone(),
            demonstration: metadata.card.demonstration,
            disclaimer: metadata.card.disclaimer.clone(),
            intended_use: metadata.card.intended_use.clone(),
            training_data: metadata.card.training_data.clone(),
            metrics: metadata.card.metrics.clone(),
            preprocessing: metadata.input.preprocessing.name(),
            metadata_inferred: model.metadata_inferred(),
            parameters: model.parameter_count(),
            use_bn: model.config().use_bn,
            outputs: metadata.outputs.clone(),
            warnings: model.warnings().iter().map(ToString::to_string).collect(),
            local_validation: metadata.card.local_validation(),
        }
    }
}

/// How the page asks for a sheet.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DrawOptions {
    /// `3x4` or `12x1`.
    pub layout: String,
    /// Paper speed, mm/s.
    pub speed: f64,
    /// Gain, mm/mV.
    pub gain: f64,
    /// Device pixels per millimetre.
    pub px_per_mm: f64,
    /// Where the sheet starts in the record, seconds.
    pub start_secs: f64,
    /// Shade the last saliency map.
    pub saliency: bool,
}

impl DrawOptions {
    /// The field names, for [`from_js`].
    pub const FIELDS: [&'static str; 6] = [
        "layout",
        "speed",
        "gain",
        "px_per_mm",
        "start_secs",
        "saliency",
    ];
}

impl Default for DrawOptions {
    fn default() -> Self {
        Self {
            layout: "3x4".into(),
            speed: 25.0,
            gain: 10.0,
            px_per_mm: 4.0,
            start_secs: 0.0,
            saliency: false,
        }
    }
}

/// Where one trace was drawn, in device pixels.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PanelView {
    /// The lead.
    pub lead: &'static str,
    /// The rhythm strip.
    pub rhythm: bool,
    /// The file holds this lead.
    pub recorded: bool,
    /// Left edge.
    pub x: f64,
    /// Top edge.
    pub y: f64,
    /// Width.
    pub width: f64,
    /// Height.
    pub height: f64,
}

/// A drawn sheet: the canvas size and where every trace is, in device pixels.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SheetView {
    /// Canvas width.
    pub width: u32,
    /// Canvas height.
    pub height: u32,
    /// Device pixels per millimetre.
    pub px_per_mm: f64,
    /// The traces.
    pub panels: Vec<PanelView>,
}

impl SheetView {
    /// The view of a drawn sheet, its millimetres rounded to whole pixels.
    pub fn of(sheet: &SheetLayout) -> Self {
        let k = sheet.px_per_mm;
        let px = |mm: f64| (mm * k).round();
        let (width, height) = sheet.size_px();
        Self {
            width,
            height,
            px_per_mm: k,
            panels: sheet
                .panels
                .iter()
                .map(|p| PanelView {
                    lead: p.lead.name(),
                    rhythm: p.rhythm,
                    recorded: p.recorded,
                    x: px(p.x_mm),
                    y: px(p.y_mm),
                    width: px(p.x_mm + p.width_mm) - px(p.x_mm),
                    height: px(p.y_mm + p.height_mm) - px(p.y_mm),
                })
                .collect(),
        }
    }
}

/// The drawn median beats.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BeatsView {
    /// Canvas width.
    pub width: u32,
    /// Canvas height.
    pub height: u32,
    /// R peaks the median was taken over.
    pub beats: usize,
    /// Leads drawn.
    pub panels: usize,
}

impl BeatsView {
    /// The view of drawn median beats.
    pub fn of(size: (u32, u32), beats: usize, panels: &[BeatPanel]) -> Self {
        Self {
            width: size.0,
            height: size.1,
            beats,
            panels: panels.len(),
        }
    }
}

/// A saliency map for the page: its summary and, beside it, the map itself.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExplainView<'a> {
    /// As `ecg-stenosis saliency --json` prints it.
    pub summary: &'a Summary,
    /// The method in words (`integrated gradients (32 steps)`).
    pub method_words: String,
    /// Leads of the map (model order).
    pub leads: usize,
    /// Samples per lead, on the record's own time base.
    pub samples: usize,
    /// The record's rate.
    pub sample_rate_hz: f64,
    /// Milliseconds the gradient passes took.
    pub elapsed_ms: f64,
}

/// Patient identifiers, only on the user's request for a printed report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PatientView {
    /// Name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// ID.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Birth date.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<String>,
}

/// One stratum as the page shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StratumView {
    /// `low`, `intermediate`, `high`.
    pub name: &'static str,
    /// `low risk` …
    pub words: &'static str,
    /// `▽`, `◇`, `▲`.
    pub symbol: &'static str,
}

/// One output of the 4-vessel head and its artery.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VesselView {
    /// `RCA` …
    pub vessel: &'static str,
    /// `right coronary artery` …
    pub artery: &'static str,
}

/// What the page would otherwise have to restate: the vessels, the strata in words, the
/// sheet's width.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Facts {
    /// The 4-vessel head's outputs.
    pub vessels: Vec<VesselView>,
    /// The strata, lowest first.
    pub strata: Vec<StratumView>,
    /// Width of a sheet at 25 mm/s, millimetres (the page fits it to the screen).
    pub sheet_width_mm_at_25: f64,
    /// The largest file the readers take ([`crate::formats::Limits::max_bytes`]): the page
    /// refuses a bigger one by its size, before reading it.
    pub max_file_bytes: usize,
    /// The software's release, `ecg-stenosis 0.1.0` (the page shows it, and prints it on the
    /// report, beside the build that scripts/dist.sh stamps into index.html).
    pub release: &'static str,
    /// The guideline models of the clinical context form, ESC 2019 first.
    pub guidelines: Vec<GuidelineView>,
    /// The risk factors the form offers, as the context file names them.
    pub risk_factors: [&'static str; 5],
}

/// A guideline model, as the clinical context form shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GuidelineView {
    /// `esc2019`, `esc2024`.
    pub key: &'static str,
    /// Its title with the table or figure.
    pub title: &'static str,
    /// Its categories, lowest first: `{key, words}`.
    pub categories: Vec<CategoryView>,
    /// The grey zone's category key.
    pub grey_zone: &'static str,
}

/// A likelihood category: its key and its words.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CategoryView {
    /// `very_low`, `5_to_15` …
    pub key: &'static str,
    /// `very low (≤ 5 %)` …
    pub words: &'static str,
}

impl Facts {
    /// The facts.
    pub fn new() -> Self {
        Self {
            vessels: ["RCA", "LM", "LAD", "LCX"]
                .into_iter()
                .filter_map(|vessel| {
                    Some(VesselView {
                        vessel,
                        artery: artery(vessel)?,
                    })
                })
                .collect(),
            strata: Stratum::ALL
                .into_iter()
                .map(|s| StratumView {
                    name: s.name(),
                    words: s.words(),
                    symbol: s.symbol(),
                })
                .collect(),
            sheet_width_mm_at_25: sheet_width_mm(&Paper::default()),
            max_file_bytes: crate::formats::Limits::default().max_bytes,
            release: concat!("ecg-stenosis ", env!("CARGO_PKG_VERSION")),
            guidelines: Guideline::ALL
                .into_iter()
                .map(|g| GuidelineView {
                    key: g.key(),
                    title: g.title(),
                    categories: g
                        .categories()
                        .iter()
                        .map(|c| CategoryView {
                            key: c.key(),
                            words: c.words(),
                        })
                        .collect(),
                    grey_zone: g.grey_zone().key(),
                })
                .collect(),
            risk_factors: crate::clinical::RISK_FACTORS,
        }
    }
}

impl Default for Facts {
    fn default() -> Self {
        Self::new()
    }
}
