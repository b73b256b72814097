//! The page's JavaScript API: the only module that speaks wasm-bindgen.
//!
//! One exported class, [`App`], owned by the Web Worker (`www/worker.js`). Results cross to
//! JavaScript as plain objects; errors as `{kind, message, line?}` objects, converted here and
//! nowhere else.

mod canvas;

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Array, Float32Array, Object, Reflect};
use plotters::drawing::IntoDrawingArea;
use wasm_bindgen::prelude::*;
use web_sys::OffscreenCanvas;

use crate::ecg::Ecg;
use crate::formats::patient::patient_identifiers;
use crate::formats::{
    CsvError, CsvOptions, Format, InputFile, Limits, ReadError, ReadOptions, RecordResult,
    read_csv, read_files,
};
use crate::model::{BackendKind, ModelFile, ModelFileError, Net1d, Net1dConfig, RunError, Runner};
use crate::pipeline::{Analysis, Options, Session};
use crate::render::{
    Layout, Overlay, Paper, SheetOptions, draw_median_beats, draw_sheet, layout, quality_marks,
};
use crate::saliency::Method;
use crate::signal::beats::detect_in_recorded;

pub use canvas::{CanvasError, OffscreenBackend};

/// Seed of the self-check network's weights: the same numbers on every backend.
const SELF_CHECK_SEED: u64 = 20_251_205;

fn set(target: &Object, key: &str, value: impl Into<JsValue>) {
    // Reflect.set only fails on frozen or proxied objects; these are fresh plain objects.
    let _ = Reflect::set(target, &JsValue::from_str(key), &value.into());
}

fn error_object(kind: &str, message: &str, line: Option<usize>) -> JsValue {
    let error = Object::new();
    set(&error, "kind", kind);
    set(&error, "message", message);
    if let Some(line) = line {
        set(&error, "line", line as f64);
    }
    error.into()
}

fn csv_error(error: &CsvError) -> JsValue {
    error_object(error.kind().name(), &error.to_string(), error.line())
}

fn read_error(error: &ReadError) -> JsValue {
    let line = match error {
        ReadError::Csv(e) => e.line(),
        _ => None,
    };
    error_object(error.kind().name(), &error.to_string(), line)
}

fn run_error(error: &RunError) -> JsValue {
    error_object("invalid_input", &error.to_string(), None)
}

fn model_error(error: &ModelFileError) -> JsValue {
    error_object("model", &error.to_string(), None)
}

/// What the page shows about a model file: name, version, card, warnings.
fn model_summary(model: &ModelFile) -> JsValue {
    let metadata = model.metadata();
    let out = Object::new();
    set(&out, "name", metadata.name.as_str());
    set(&out, "version", metadata.version.as_str());
    set(&out, "demonstration", metadata.card.demonstration);
    set(&out, "disclaimer", metadata.card.disclaimer.as_str());
    set(&out, "intended_use", metadata.card.intended_use.as_str());
    set(&out, "training_data", metadata.card.training_data.as_str());
    set(
        &out,
        "metrics",
        to_js(&metadata.card.metrics).unwrap_or(JsValue::NULL),
    );
    set(&out, "preprocessing", metadata.input.preprocessing.name());
    set(&out, "metadata_inferred", model.metadata_inferred());
    set(&out, "parameters", model.parameter_count() as f64);
    set(&out, "use_bn", model.config().use_bn);
    let outputs = Array::new();
    for name in &metadata.outputs {
        outputs.push(&JsValue::from_str(name));
    }
    set(&out, "outputs", outputs);
    let warnings = Array::new();
    for warning in model.warnings() {
        warnings.push(&JsValue::from_str(&warning.to_string()));
    }
    set(&out, "warnings", warnings);
    out.into()
}

fn summary(ecg: &Ecg) -> JsValue {
    let out = Object::new();
    set(&out, "sample_rate_hz", ecg.sample_rate_hz());
    set(&out, "samples_per_lead", ecg.samples_per_lead() as f64);
    set(&out, "duration_secs", ecg.duration_secs());
    let leads = Array::new();
    let mut ordered: Vec<_> = ecg.leads().iter().collect();
    ordered.sort_by_key(|signal| signal.lead);
    for signal in ordered {
        let lead = Object::new();
        set(&lead, "name", signal.lead.name());
        set(&lead, "derived", signal.derived);
        leads.push(&lead);
    }
    set(&out, "leads", leads);
    let warnings = Array::new();
    for warning in ecg.warnings() {
        warnings.push(&JsValue::from_str(&warning.to_string()));
    }
    set(&out, "warnings", warnings);
    out.into()
}

/// How the sheet's legend names a saliency method.
fn method_words(method: Method) -> String {
    match method {
        Method::GradXInput => "input × gradient".into(),
        Method::IntegratedGradients { steps } => format!("integrated gradients ({steps} steps)"),
        Method::SmoothGrad { samples, .. } => format!("SmoothGrad ({samples} samples)"),
    }
}

/// A serialisable value as a plain JavaScript object, through JSON (key order kept).
fn to_js<T: serde::Serialize>(value: &T) -> Result<JsValue, JsValue> {
    let text =
        serde_json::to_string(value).map_err(|e| error_object("internal", &e.to_string(), None))?;
    js_sys::JSON::parse(&text)
}

fn get(target: &JsValue, key: &str) -> Option<JsValue> {
    Reflect::get(target, &JsValue::from_str(key))
        .ok()
        .filter(|value| !value.is_undefined() && !value.is_null())
}

/// `navigator.gpu`, in a window or a worker, when the browser offers WebGPU.
fn browser_gpu() -> Option<JsValue> {
    get(&get(&js_sys::global(), "navigator")?, "gpu")
}

/// "vendor architecture device description" from `GPUAdapterInfo` of the default adapter (the
/// one wgpu also gets: same options). Browsers may leave fields empty for privacy.
async fn describe_browser_adapter(gpu: &JsValue) -> Option<String> {
    let request: js_sys::Function = get(gpu, "requestAdapter")?.dyn_into().ok()?;
    let promise: js_sys::Promise = request.call0(gpu).ok()?.dyn_into().ok()?;
    let adapter = wasm_bindgen_futures::JsFuture::from(promise).await.ok()?;
    let info = get(&adapter, "info")?;
    let words: Vec<String> = ["vendor", "architecture", "device", "description"]
        .iter()
        .filter_map(|key| get(&info, key)?.as_string())
        .map(|word| word.trim().to_string())
        .filter(|word| !word.is_empty())
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

/// Prints panics to the console (once per instance), then hands them to any earlier hook, such
/// as a test harness's.
fn install_panic_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            web_sys::console::error_1(&JsValue::from_str(&info.to_string()));
            previous(info);
        }));
    });
}

/// The application state one worker holds: the chosen backend, the analysis session of the
/// loaded model file (the self-check network runs until one is loaded) and the record last
/// loaded.
#[wasm_bindgen]
pub struct App {
    runner: Runner,
    self_check: Rc<Net1d>,
    session: Option<Rc<Session>>,
    /// The record last loaded, whole: its sources, format, reading time and the `Ecg`.
    record: Option<RecordResult>,
    /// The last record analysed, for [`App::explain`].
    analysis: Rc<RefCell<Option<Analysis>>>,
    /// The files the record was read from: kept in this worker's memory only, for reading
    /// the patient identifiers if (and only if) the user asks for them on a printed report.
    files: Vec<InputFile>,
    /// The last saliency map, as a sheet overlay.
    overlay: Rc<RefCell<Option<Overlay>>>,
}

#[wasm_bindgen]
impl App {
    /// Chooses the backend (WebGPU when `prefer_webgpu` and available, else CPU with the
    /// reason) and builds the self-check network on it.
    pub async fn start(prefer_webgpu: bool) -> Result<App, JsValue> {
        install_panic_hook();
        let gpu = browser_gpu();
        let mut runner = match (prefer_webgpu, &gpu) {
            (false, _) => Runner::cpu("the CPU was requested"),
            (true, None) => Runner::cpu(
                "this browser offers no WebGPU (navigator.gpu is missing: an older browser, WebGPU switched off, or a page not served over https or localhost)",
            ),
            (true, Some(_)) => Runner::probe().await,
        };
        if let (Some(gpu), BackendKind::WebGpu) = (&gpu, runner.info().kind)
            && let Some(description) = describe_browser_adapter(gpu).await
        {
            runner.describe_adapter(description);
        }
        let net = runner
            .init_net(&Net1dConfig::tiny(4), SELF_CHECK_SEED)
            .map_err(|e| error_object("model", &e.to_string(), None))?;
        Ok(App {
            runner,
            self_check: Rc::new(net),
            session: None,
            record: None,
            analysis: Rc::new(RefCell::new(None)),
            files: Vec::new(),
            overlay: Rc::new(RefCell::new(None)),
        })
    }

    /// The loaded record, or `{kind: "invalid_input"}` before one is loaded.
    fn ecg(&self) -> Result<&Ecg, JsValue> {
        match self.record.as_ref().map(|r| &r.result) {
            Some(Ok(ecg)) => Ok(ecg),
            _ => Err(error_object("invalid_input", "no ECG loaded yet", None)),
        }
    }

    /// `{kind: "webgpu"|"cpu", adapter?: string, reason?: string}`.
    pub fn backend(&self) -> JsValue {
        let info = self.runner.info();
        let out = Object::new();
        set(&out, "kind", info.kind.name());
        if let Some(adapter) = &info.adapter {
            set(&out, "adapter", adapter.as_str());
        }
        if let Some(reason) = &info.cpu_reason {
            set(&out, "reason", reason.as_str());
        }
        out.into()
    }

    /// Parses a CSV ECG (header of lead names, values in mV; rate from a time column or the
    /// given `sample_rate_hz`) and keeps it for drawing. Returns a summary, or throws
    /// `{kind, message, line?}`; a failed load keeps the previous record.
    pub fn load_csv(
        &mut self,
        bytes: &[u8],
        sample_rate_hz: Option<f64>,
    ) -> Result<JsValue, JsValue> {
        let ecg = read_csv(bytes, &CsvOptions { sample_rate_hz }, &Limits::default())
            .map_err(|e| csv_error(&e))?;
        let out = summary(&ecg);
        self.record = Some(RecordResult {
            sources: vec!["pasted CSV".into()],
            format: Format::Csv,
            result: Ok(ecg),
            patient: None,
            read_ms: 0.0,
        });
        self.files = Vec::new();
        self.analysis.replace(None);
        self.overlay.replace(None);
        Ok(out)
    }

    /// Reads the files the user picked or dropped, in any supported format, recognised by
    /// content (a WFDB header and the signal files it names form one record). `names` and
    /// `contents` are parallel. Keeps the first record read for drawing and returns its summary
    /// with `sources`, `format`, and `errors` (`{sources, kind, message, line?}` for every file
    /// that could not be read); throws the first error when no record could be read. A failed
    /// load keeps the previous record.
    pub fn load_files(
        &mut self,
        names: Vec<String>,
        contents: Vec<js_sys::Uint8Array>,
        sample_rate_hz: Option<f64>,
    ) -> Result<JsValue, JsValue> {
        if names.len() != contents.len() {
            return Err(error_object(
                "invalid_input",
                "one name is needed per file",
                None,
            ));
        }
        let files: Vec<InputFile> = names
            .into_iter()
            .zip(contents)
            .map(|(name, bytes)| InputFile {
                name,
                bytes: bytes.to_vec(),
            })
            .collect();
        let records = read_files(
            &files,
            &ReadOptions {
                sample_rate_hz,
                ..ReadOptions::default()
            },
            &Limits::default(),
        );
        let errors = Array::new();
        let mut first: Option<RecordResult> = None;
        let mut first_error = None;
        for record in records {
            match &record.result {
                Ok(_) if first.is_none() => first = Some(record),
                Ok(_) => {}
                Err(e) => {
                    let error = read_error(e);
                    let sources = Array::new();
                    for source in &record.sources {
                        sources.push(&JsValue::from_str(source));
                    }
                    if let Some(object) = error.dyn_ref::<Object>() {
                        set(object, "sources", sources);
                    }
                    first_error.get_or_insert_with(|| error.clone());
                    errors.push(&error);
                }
            }
        }
        let Some(record) = first else {
            return Err(
                first_error.unwrap_or_else(|| error_object("invalid_input", "no file given", None))
            );
        };
        let Ok(ecg) = &record.result else {
            return Err(error_object("internal", "a record read is missing", None));
        };
        let out = summary(ecg);
        if let Some(object) = out.dyn_ref::<Object>() {
            let list = Array::new();
            for source in &record.sources {
                list.push(&JsValue::from_str(source));
            }
            set(object, "sources", list);
            set(object, "format", record.format.name());
            set(object, "errors", errors);
        }
        self.record = Some(record);
        self.files = files;
        self.analysis.replace(None);
        self.overlay.replace(None);
        Ok(out)
    }

    /// Reads a safetensors model file (bytes of a file the user picked, or fetched from this
    /// page's own origin), builds it on the chosen backend and makes it the network that
    /// [`App::forward`] runs. Returns the model summary, or throws `{kind: "model", message}`
    /// listing every problem; a failed load keeps the previous network.
    pub fn load_model(&mut self, bytes: &[u8]) -> Result<JsValue, JsValue> {
        let model = ModelFile::from_bytes(bytes).map_err(|e| model_error(&e))?;
        let out = model_summary(&model);
        let session = Session::new(model, self.runner.clone())
            .map_err(|e| error_object("model", &e.to_string(), None))?;
        self.session = Some(Rc::new(session));
        self.analysis.replace(None);
        self.overlay.replace(None);
        Ok(out)
    }

    /// The loaded model's summary, or `null` while the self-check network is in use.
    pub fn model(&self) -> JsValue {
        self.session
            .as_deref()
            .map_or(JsValue::NULL, |s| model_summary(s.model()))
    }

    /// Draws the loaded record as an ECG sheet onto `canvas`, which it sizes. `options`:
    /// `{layout: "3x4"|"12x1", speed: 25|50, gain: 5|10|20, pxPerMm, startSecs, saliency}`
    /// (`pxPerMm` in device pixels; `saliency` shades the last map from [`App::explain`]).
    /// Leads the quality check flags are outlined and named. Returns `{width, height,
    /// px_per_mm, panels: [{lead, rhythm, recorded, x, y, width, height}]}` in device pixels.
    pub fn draw(&self, canvas: &OffscreenCanvas, options: JsValue) -> Result<JsValue, JsValue> {
        let ecg = self.ecg()?;
        let options = self.sheet_options(ecg, &options)?;
        let sheet = layout(ecg, &options);
        let (width, height) = sheet.size_px();
        canvas.set_width(width);
        canvas.set_height(height);
        let backend = OffscreenBackend::new(canvas)
            .map_err(|e| error_object("render", &e.to_string(), None))?;
        let sheet = draw_sheet(&backend.into_drawing_area(), ecg, &options)
            .map_err(|e| error_object("render", &e.to_string(), None))?;
        let k = sheet.px_per_mm;
        let px = |mm: f64| (mm * k).round();
        let panels = Array::new();
        for panel in &sheet.panels {
            let p = Object::new();
            set(&p, "lead", panel.lead.name());
            set(&p, "rhythm", panel.rhythm);
            set(&p, "recorded", panel.recorded);
            set(&p, "x", px(panel.x_mm));
            set(&p, "y", px(panel.y_mm));
            set(
                &p,
                "width",
                px(panel.x_mm + panel.width_mm) - px(panel.x_mm),
            );
            set(
                &p,
                "height",
                px(panel.y_mm + panel.height_mm) - px(panel.y_mm),
            );
            panels.push(&p);
        }
        let out = Object::new();
        set(&out, "width", width);
        set(&out, "height", height);
        set(&out, "px_per_mm", k);
        set(&out, "panels", panels);
        Ok(out.into())
    }

    /// Draws the median beat of every lead onto `canvas` (sized here), with the same options
    /// as [`App::draw`]; R peaks from the last analysis, else detected now.
    pub fn draw_beats(
        &self,
        canvas: &OffscreenCanvas,
        options: JsValue,
    ) -> Result<JsValue, JsValue> {
        let ecg = self.ecg()?;
        let options = self.sheet_options(ecg, &options)?;
        let r_peaks = self
            .analysis
            .borrow()
            .as_ref()
            .and_then(|a| a.beats.as_ref().map(|b| b.r_peaks.clone()))
            .unwrap_or_else(|| detect_in_recorded(ecg).r_peaks);
        let (w, h) = crate::render::beats_size_mm(&options.paper);
        let k = options.px_per_mm;
        canvas.set_width((w * k).ceil() as u32);
        canvas.set_height((h * k).ceil() as u32);
        let backend = OffscreenBackend::new(canvas)
            .map_err(|e| error_object("render", &e.to_string(), None))?;
        let panels = draw_median_beats(&backend.into_drawing_area(), ecg, &r_peaks, &options)
            .map_err(|e| error_object("render", &e.to_string(), None))?;
        let out = Object::new();
        set(&out, "width", canvas.width());
        set(&out, "height", canvas.height());
        set(&out, "beats", r_peaks.len() as f64);
        set(&out, "panels", panels.len() as f64);
        Ok(out.into())
    }

    /// Sheet options from the page's `{layout, speed, gain, pxPerMm, startSecs, saliency}`,
    /// with the quality flags of the last analysis and the cart's filters.
    fn sheet_options(&self, ecg: &Ecg, options: &JsValue) -> Result<SheetOptions, JsValue> {
        let number = |key: &str, default: f64| -> Result<f64, JsValue> {
            match get(options, key) {
                None => Ok(default),
                Some(v) => v.as_f64().ok_or_else(|| {
                    error_object("invalid_input", &format!("{key} must be a number"), None)
                }),
            }
        };
        let invalid = |e: String| error_object("invalid_input", &e, None);
        let layout_name = get(options, "layout")
            .and_then(|v| v.as_string())
            .unwrap_or_else(|| "3x4".into());
        let paper = Paper::new(number("speed", 25.0)?, number("gain", 10.0)?).map_err(invalid)?;
        let px_per_mm = number("pxPerMm", 4.0)?;
        if !(px_per_mm.is_finite() && (1.0..=40.0).contains(&px_per_mm)) {
            return Err(invalid(format!(
                "pxPerMm {px_per_mm} is outside 1–40 device pixels per millimetre"
            )));
        }
        let (flags, notes) = self
            .analysis
            .borrow()
            .as_ref()
            .and_then(|a| a.report.quality.as_ref())
            .map(quality_marks)
            .unwrap_or_default();
        let saliency = get(options, "saliency").is_some_and(|v| v.is_truthy());
        Ok(SheetOptions {
            layout: Layout::parse(&layout_name).map_err(invalid)?,
            paper,
            px_per_mm,
            start_secs: number("startSecs", 0.0)?.max(0.0),
            baseline_filter: true,
            cart_filters: ecg.info().cart_filters.clone(),
            overlay: if saliency {
                self.overlay.borrow().clone()
            } else {
                None
            },
            flags,
            notes,
        })
    }

    /// The patient identifiers in the loaded record's files (`{name?, id?, birth_date?}`, or
    /// `null`). The page calls this only when the user ticks "include patient identifiers"
    /// for a printed report; they stay in this browser and are never logged.
    pub fn patient_identifiers(&self) -> JsValue {
        let found = self
            .files
            .iter()
            .find_map(|file| patient_identifiers(self.record.as_ref()?.format, &file.bytes));
        let Some(patient) = found else {
            return JsValue::NULL;
        };
        let out = Object::new();
        if let Some(name) = &patient.name {
            set(&out, "name", name.as_str());
        }
        if let Some(id) = &patient.id {
            set(&out, "id", id.as_str());
        }
        if let Some(birth) = &patient.birth_date {
            set(&out, "birth_date", birth.as_str());
        }
        out.into()
    }

    /// Analyses the loaded record with the loaded model file ([`Session::analyse`]): the
    /// quality gate, the file's recipe, the network, strata by the file's cut-offs. Resolves
    /// to the report, the same JSON object `ecg-stenosis predict --json` prints per record
    /// (README, "The JSON report"): an unusable or unprocessable record resolves with its
    /// `error` and no vessels. `override_quality` gives an estimate for an unusable record
    /// anyway, marked `quality_overridden`. Rejects `{kind, message}` without a record or a
    /// model file.
    pub fn analyse(&self, override_quality: bool) -> js_sys::Promise {
        let ready: Result<_, JsValue> = (|| {
            let record = self
                .record
                .clone()
                .ok_or_else(|| error_object("invalid_input", "no ECG loaded yet", None))?;
            let session = self.session.clone().ok_or_else(|| {
                error_object("model", "no model file loaded: no risk estimate", None)
            })?;
            Ok((record, session))
        })();
        let slot = Rc::clone(&self.analysis);
        wasm_bindgen_futures::future_to_promise(async move {
            let (record, session) = ready?;
            let options = Options {
                override_quality,
                ..Options::default()
            };
            let analysis = session.analyse(record, options).await;
            let report = to_js(&analysis.report)?;
            slot.replace(Some(analysis));
            Ok(report)
        })
    }

    /// The saliency map of `vessel` for the record last analysed ([`Session::explain`]):
    /// `method` is `grad-x-input` (default), `integrated-gradients` or `smoothgrad`, `steps`
    /// their passes. `on_progress(done, total)` is called after each batch of gradient
    /// passes. Resolves to `{summary, map, leads, samples, sample_rate_hz, elapsed_ms}`:
    /// `summary` as `ecg-stenosis saliency --json` prints it, `map` a Float32Array
    /// `[leads, samples]` on the record's own time base (leads in model order: I, II, III,
    /// aVR, aVL, aVF, V1–V6). Rejects `{kind, message}` when nothing was analysed, the record
    /// has no estimate, or the vessel is unknown.
    pub fn explain(
        &self,
        vessel: String,
        method: Option<String>,
        steps: Option<usize>,
        on_progress: Option<js_sys::Function>,
    ) -> js_sys::Promise {
        let ready: Result<_, JsValue> = (|| {
            let method = Method::parse(method.as_deref().unwrap_or("grad-x-input"), steps)
                .map_err(|e| error_object("invalid_input", &e, None))?;
            let session = self.session.clone().ok_or_else(|| {
                error_object("model", "no model file loaded: nothing to explain", None)
            })?;
            let analysis = self.analysis.borrow().clone().ok_or_else(|| {
                error_object(
                    "invalid_input",
                    "no record analysed yet: analyse it first",
                    None,
                )
            })?;
            Ok((method, session, analysis))
        })();
        let overlay_slot = Rc::clone(&self.overlay);
        wasm_bindgen_futures::future_to_promise(async move {
            let (method, session, analysis) = ready?;
            let mut progress = |done: usize, total: usize| {
                if let Some(callback) = &on_progress {
                    // A throwing callback must not stop the computation.
                    let _ = callback.call2(
                        &JsValue::NULL,
                        &JsValue::from_f64(done as f64),
                        &JsValue::from_f64(total as f64),
                    );
                }
            };
            let explanation = session
                .explain(&analysis, &vessel, method, &mut progress)
                .await
                .map_err(|e| error_object("explain", &e.to_string(), None))?;
            let out = Object::new();
            set(&out, "summary", to_js(&explanation.summary)?);
            set(
                &out,
                "map",
                Float32Array::from(explanation.record_map.as_slice()),
            );
            let samples = explanation.record_samples;
            if let Some(ecg) = &analysis.ecg {
                overlay_slot.replace(Some(Overlay::from_map(
                    &explanation.record_map,
                    samples,
                    ecg.sample_rate_hz(),
                    format!("{vessel}, {}", method_words(method)),
                )));
            }
            set(
                &out,
                "leads",
                (explanation.record_map.len() / samples.max(1)) as f64,
            );
            set(&out, "samples", samples as f64);
            if let Some(ecg) = &analysis.ecg {
                set(&out, "sample_rate_hz", ecg.sample_rate_hz());
            }
            set(&out, "elapsed_ms", explanation.elapsed_ms);
            Ok(out.into())
        })
    }

    /// Runs the network (the loaded model file, else the self-check Net1D: a tiny configuration
    /// with fixed weights, not a clinical model) on a caller-given `[batch, leads, samples]`
    /// tensor with no preprocessing; resolves to `batch × outputs` logits.
    pub fn forward(
        &self,
        input: Vec<f32>,
        batch: usize,
        leads: usize,
        samples: usize,
    ) -> js_sys::Promise {
        let runner = self.runner.clone();
        let session = self.session.clone();
        let self_check = Rc::clone(&self.self_check);
        wasm_bindgen_futures::future_to_promise(async move {
            let net = session.as_deref().map_or(&*self_check, Session::net);
            let logits = runner
                .forward(net, input, [batch, leads, samples])
                .await
                .map_err(|e| run_error(&e))?;
            Ok(Float32Array::from(logits.as_slice()).into())
        })
    }
}
