//! The page's JavaScript API: the only module that speaks wasm-bindgen.
//!
//! One exported class, [`App`], owned by the Web Worker (`www/worker.js`). What crosses the
//! boundary is a serde type of [`types`] (results, options, errors), converted with
//! `serde_wasm_bindgen` there and nowhere else; the analysis is the library's
//! [`Session`], the same the command line uses.

mod campaign;
mod canvas;
mod context;
pub mod types;
mod validation;

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Float32Array, Reflect};
use plotters::drawing::IntoDrawingArea;
use wasm_bindgen::prelude::*;
use web_sys::OffscreenCanvas;

use crate::ecg::Ecg;
use crate::formats::patient::patient_identifiers;
use crate::formats::{InputFile, Limits, ReadOptions, RecordResult, read_files};
use crate::model::{BackendPreference, ModelFile, Runner};
use crate::pipeline::{Analysis, ErrorKind, Options, Session};
use crate::render::{
    Layout, Overlay, Paper, SheetOptions, beats_size_mm, draw_median_beats, draw_sheet, layout,
    quality_marks,
};
use crate::saliency::Method;
use crate::signal::beats::detect_in_recorded;

pub use canvas::{CanvasError, OffscreenBackend};
use types::{
    BackendView, BeatsView, DrawOptions, ExplainView, Facts, ModelView, PatientView, RecordView,
    SheetView, WebError, from_js, to_js,
};

fn error(kind: ErrorKind, message: impl Into<String>) -> JsValue {
    WebError::new(kind, message).into()
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

/// What the browser says about its default WebGPU adapter (the one wgpu also gets: same
/// options).
struct BrowserAdapter {
    /// "vendor architecture device description" from `GPUAdapterInfo`; browsers may leave
    /// fields empty for privacy.
    description: Option<String>,
    /// Why it is a software renderer, when it is one.
    software: Option<String>,
    /// Whether the browser names the vendor (if not, the page cannot tell what it is).
    #[cfg_attr(not(feature = "webgpu"), allow(dead_code))]
    vendor_named: bool,
}

/// Renderers that draw on the CPU: Chromium's SwiftShader, Mesa's llvmpipe, lavapipe and
/// softpipe, Windows' WARP ("Microsoft Basic Render Driver").
const SOFTWARE_RENDERERS: [&str; 5] = [
    "swiftshader",
    "llvmpipe",
    "lavapipe",
    "softpipe",
    "basic render",
];

async fn browser_adapter(gpu: &JsValue) -> Option<BrowserAdapter> {
    let request: js_sys::Function = get(gpu, "requestAdapter")?.dyn_into().ok()?;
    let promise: js_sys::Promise = request.call0(gpu).ok()?.dyn_into().ok()?;
    let adapter = wasm_bindgen_futures::JsFuture::from(promise).await.ok()?;
    let info = get(&adapter, "info");
    let field = |key: &str| {
        info.as_ref()
            .and_then(|info| get(info, key)?.as_string())
            .map(|word| word.trim().to_string())
            .filter(|word| !word.is_empty())
    };
    let words: Vec<String> = ["vendor", "architecture", "device", "description"]
        .iter()
        .filter_map(|key| field(key))
        .collect();
    let description = (!words.is_empty()).then(|| words.join(" "));
    // `GPUAdapterInfo.isFallbackAdapter` (Chromium 136+; earlier `GPUAdapter.isFallbackAdapter`).
    let fallback = [info.as_ref(), Some(&adapter)]
        .into_iter()
        .flatten()
        .any(|holder| get(holder, "isFallbackAdapter").and_then(|v| v.as_bool()) == Some(true));
    let lower = description.as_deref().unwrap_or("").to_lowercase();
    let software = if fallback {
        Some("the browser marks it as a fallback adapter".to_string())
    } else {
        SOFTWARE_RENDERERS
            .iter()
            .find(|name| lower.contains(*name))
            .map(|name| format!("{name} is a software renderer"))
    };
    Some(BrowserAdapter {
        description,
        software,
        vendor_named: field("vendor").is_some(),
    })
}

/// Why the CPU beats the browser's adapter without trying it: the adapter is a software
/// renderer.
fn software_verdict(adapter: &BrowserAdapter) -> Option<String> {
    let words = adapter
        .description
        .clone()
        .unwrap_or_else(|| "an adapter the browser does not name".into());
    adapter.software.as_ref().map(|why| {
        format!(
            "the only WebGPU adapter is a software renderer ({words}: {why}); the CPU is faster"
        )
    })
}

/// What the browser offers when the CPU is used, given `navigator.gpu`.
const NO_WEBGPU: &str = "this browser offers no WebGPU (navigator.gpu is missing: an older browser, WebGPU switched off, or a page not served over https or localhost)";

/// The page's CPU-only module (built without the `webgpu` feature; issue 19, cold start):
/// whether the WebGPU module is worth loading in the background, or why not.
#[cfg(not(feature = "webgpu"))]
async fn webgpu_prospect(preference: BackendPreference) -> Result<String, String> {
    let gpu = match (preference, browser_gpu()) {
        (BackendPreference::Cpu, _) => return Err("the CPU was requested".into()),
        (_, None) => return Err(NO_WEBGPU.into()),
        (BackendPreference::Gpu, Some(_)) => {
            return Ok("WebGPU was asked for; its engine is loading".into());
        }
        (BackendPreference::Auto, Some(gpu)) => gpu,
    };
    match browser_adapter(&gpu).await {
        None => Err("this browser offers WebGPU but no adapter for it".into()),
        Some(adapter) => match software_verdict(&adapter) {
            Some(why) => Err(why),
            None => Ok(format!(
                "the WebGPU engine is loading for {}",
                adapter
                    .description
                    .as_deref()
                    .unwrap_or("an adapter the browser does not name")
            )),
        },
    }
}

/// Median-free, two-shot timing of one forward pass of `model` on `runner`: a warm-up (WebGPU
/// compiles its shaders on the first run), then one timed run, in milliseconds.
#[cfg(feature = "webgpu")]
async fn time_one_forward(model: &ModelFile, runner: &Runner) -> Result<f64, String> {
    use crate::clock::{now_ms, since_ms};
    let session = Session::new(model.clone(), runner.clone()).map_err(|e| e.to_string())?;
    let input = model.metadata().input.shape();
    let zeros = vec![0.0f32; input.samples * model.config().in_channels];
    session
        .forward_inputs(&zeros)
        .await
        .map_err(|e| e.to_string())?;
    let start = now_ms();
    session
        .forward_inputs(&zeros)
        .await
        .map_err(|e| e.to_string())?;
    Ok(since_ms(start))
}

/// WebGPU or the CPU, whichever [`App::start`] should use, with the reason.
#[cfg(feature = "webgpu")]
async fn choose_in_browser(gpu: &JsValue, model: Option<&[u8]>) -> Runner {
    let mut runner = Runner::probe().await;
    if runner.info().kind != crate::model::BackendKind::WebGpu {
        return runner;
    }
    let adapter = browser_adapter(gpu).await;
    let named = adapter.as_ref().and_then(|a| a.description.clone());
    let words = named
        .clone()
        .unwrap_or_else(|| "an adapter the browser does not name".into());
    if let Some(why) = adapter.as_ref().and_then(software_verdict) {
        return Runner::cpu(why);
    }
    if let Some(description) = named {
        runner.describe_adapter(description);
    }
    if adapter.as_ref().is_some_and(|a| a.vendor_named) {
        return runner;
    }
    // Unsure what the adapter is: measure.
    let Some(model) = model.and_then(|bytes| ModelFile::from_bytes(bytes).ok()) else {
        return runner;
    };
    let cpu = Runner::cpu("placeholder");
    match (
        time_one_forward(&model, &runner).await,
        time_one_forward(&model, &cpu).await,
    ) {
        (Ok(gpu_ms), Ok(cpu_ms)) if cpu_ms < gpu_ms => Runner::cpu(format!(
            "the browser does not say what its WebGPU adapter is ({words}); one forward pass \
             took {cpu_ms:.0} ms on the CPU and {gpu_ms:.0} ms on WebGPU"
        )),
        (Err(e), _) => Runner::cpu(format!("WebGPU ({words}) failed a test forward pass: {e}")),
        _ => runner,
    }
}

/// Runs the static constructors when the page instantiates the module
/// ([`crate::model::runner::run_static_constructors`]: without it every export call ran them).
#[wasm_bindgen(start)]
fn instantiated() {
    crate::model::runner::run_static_constructors();
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
/// loaded model file and the record last loaded, whole.
#[wasm_bindgen]
pub struct App {
    runner: Runner,
    session: Option<Rc<Session>>,
    /// The record last loaded: its sources, format, reading time and the `Ecg`.
    record: Option<RecordResult>,
    /// The last record analysed, for [`App::explain`].
    analysis: Rc<RefCell<Option<Analysis>>>,
    /// The files the record was read from: kept in this worker's memory only, for reading
    /// the patient identifiers if (and only if) the user asks for them on a printed report.
    files: Vec<InputFile>,
    /// The last saliency map, as a sheet overlay.
    overlay: Rc<RefCell<Option<Overlay>>>,
    /// The campaign's cohort view and the line it carries about the model (issue 21).
    cohort: Option<(crate::pipeline::Cohort, String)>,
    /// In the CPU-only module: the WebGPU module is worth loading in the background.
    webgpu_worth_loading: bool,
    /// The campaign's context file, once given ([`App::campaign_context`]).
    campaign_context: Option<Rc<crate::validation::ContextTable>>,
}

#[wasm_bindgen]
impl App {
    /// Chooses the backend (issue 19). `backend` is the page's `?backend=` value: `cpu`;
    /// `webgpu` (any adapter the browser offers, software ones included, else the CPU with the
    /// reason); or `auto` (the default): the CPU when the browser offers no WebGPU or when its
    /// only adapter is a software renderer (SwiftShader took 8 s per ECG where the CPU took
    /// 0.3 s), WebGPU on a named hardware adapter, and when the browser does not say what its
    /// adapter is and `model` (a model file's bytes) is given, one forward pass of that model
    /// timed on each, keeping the faster. The choice and its reason are in [`App::backend`].
    /// Rejects `{kind: "invalid_input"}` for any other `backend`.
    ///
    /// The page's CPU-only module (built without the `webgpu` feature, loaded first for a
    /// quick first risk) always runs on the CPU; it only decides, by the same rules up to the
    /// timing, whether the WebGPU module is worth loading ([`App::webgpu_worth_loading`]), and
    /// its reason then says that the WebGPU engine is loading.
    pub async fn start(backend: String, model: Option<Vec<u8>>) -> Result<App, JsValue> {
        install_panic_hook();
        let preference: BackendPreference = backend
            .parse()
            .map_err(|e: String| error(ErrorKind::InvalidInput, e))?;
        #[cfg(feature = "webgpu")]
        let (runner, webgpu_worth_loading) = {
            let gpu = browser_gpu();
            let runner = match (preference, &gpu) {
                (BackendPreference::Cpu, _) => Runner::cpu("the CPU was requested"),
                (_, None) => Runner::cpu(NO_WEBGPU),
                (BackendPreference::Gpu, Some(gpu)) => match Runner::choose(preference).await {
                    Ok(mut runner) => {
                        if let Some(description) =
                            browser_adapter(gpu).await.and_then(|a| a.description)
                        {
                            runner.describe_adapter(description);
                        }
                        runner
                    }
                    Err(e) => Runner::cpu(format!("WebGPU was asked for but {e}")),
                },
                (BackendPreference::Auto, Some(gpu)) => {
                    choose_in_browser(gpu, model.as_deref()).await
                }
            };
            (runner, false)
        };
        #[cfg(not(feature = "webgpu"))]
        let (runner, webgpu_worth_loading) = {
            let _ = &model;
            match webgpu_prospect(preference).await {
                Ok(loading) => (Runner::cpu(loading), true),
                Err(why) => (Runner::cpu(why), false),
            }
        };
        Ok(App {
            runner,
            session: None,
            record: None,
            analysis: Rc::new(RefCell::new(None)),
            files: Vec::new(),
            overlay: Rc::new(RefCell::new(None)),
            cohort: None,
            webgpu_worth_loading,
            campaign_context: None,
        })
    }

    /// Whether this is the page's CPU-only module and the browser's WebGPU adapter is worth
    /// loading the WebGPU module for, in the background (`?backend=webgpu`, or `auto` with an
    /// adapter that is not a software renderer). Always false in the WebGPU module.
    pub fn webgpu_worth_loading(&self) -> bool {
        self.webgpu_worth_loading
    }

    /// What the page shows but does not decide: `{vessels: [{vessel, artery}], strata: [{name,
    /// words, symbol}], sheet_width_mm_at_25}`.
    pub fn facts() -> Result<JsValue, JsValue> {
        to_js(&Facts::new())
    }

    /// Panics on purpose, so that the end-to-end suite can check that the page recovers from
    /// any panic inside its worker (the worker is replaced, the model and the record are
    /// loaded again). Nothing in the page calls it.
    pub fn trap(&self) {
        panic!("a panic asked for by the page's recovery test");
    }

    /// `{kind: "webgpu"|"cpu", adapter?: string, reason?: string}`.
    pub fn backend(&self) -> Result<JsValue, JsValue> {
        to_js(&BackendView::of(&self.runner))
    }

    /// The loaded record, or `{kind: "invalid_input"}` before one is loaded.
    fn ecg(&self) -> Result<&Ecg, JsValue> {
        match self.record.as_ref().map(|r| &r.result) {
            Some(Ok(ecg)) => Ok(ecg),
            _ => Err(error(ErrorKind::InvalidInput, "no ECG loaded yet")),
        }
    }

    /// Reads the files the user picked or dropped, in any supported format, recognised by
    /// content (a WFDB header and the signal files it names form one record). `names` and
    /// `contents` are parallel. Keeps the first record read for drawing and returns its view
    /// (`RecordView`: sources, format, rate, leads, warnings, and `errors` for every file that
    /// could not be read); throws the first error when no record could be read. A failed load
    /// keeps the previous record.
    pub fn load_files(
        &mut self,
        names: Vec<String>,
        contents: Vec<js_sys::Uint8Array>,
        sample_rate_hz: Option<f64>,
    ) -> Result<JsValue, JsValue> {
        if names.len() != contents.len() {
            return Err(error(
                ErrorKind::InvalidInput,
                "one name is needed per file",
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
        let options = ReadOptions {
            sample_rate_hz,
            ..ReadOptions::default()
        };
        let mut first: Option<RecordResult> = None;
        let mut errors = Vec::new();
        for record in read_files(&files, &options, &Limits::default()) {
            match &record.result {
                Ok(_) if first.is_none() => first = Some(record),
                Ok(_) => {}
                Err(e) => errors.push(WebError::read(e, record.sources.clone())),
            }
        }
        let Some(record) = first else {
            let first_error = errors.into_iter().next();
            return Err(first_error
                .unwrap_or_else(|| WebError::new(ErrorKind::InvalidInput, "no file given"))
                .into());
        };
        let Ok(ecg) = &record.result else {
            return Err(error(ErrorKind::Internal, "a record read is missing"));
        };
        let view = to_js(&RecordView::of(&record, ecg, errors))?;
        self.record = Some(record);
        self.files = files;
        self.analysis.replace(None);
        self.overlay.replace(None);
        Ok(view)
    }

    /// Reads a safetensors model file (bytes of a file the user picked, or fetched from this
    /// page's own origin) and builds it on the chosen backend as the analysis session. Returns
    /// its `ModelView`, or throws `{kind: "model", message}` listing every problem; a failed
    /// load keeps the previous model.
    pub fn load_model(&mut self, bytes: &[u8]) -> Result<JsValue, JsValue> {
        let model =
            ModelFile::from_bytes(bytes).map_err(|e| error(ErrorKind::Model, e.to_string()))?;
        let view = to_js(&ModelView::of(&model))?;
        let session = Session::new(model, self.runner.clone())
            .map_err(|e| error(ErrorKind::Model, e.to_string()))?;
        self.session = Some(Rc::new(session));
        self.analysis.replace(None);
        self.overlay.replace(None);
        Ok(view)
    }

    /// The loaded model's `ModelView`, or `null` before one is loaded.
    pub fn model(&self) -> Result<JsValue, JsValue> {
        match &self.session {
            Some(session) => to_js(&ModelView::of(session.model())),
            None => Ok(JsValue::NULL),
        }
    }

    /// Draws the loaded record as an ECG sheet onto `canvas`, which it sizes. `options`:
    /// `DrawOptions` (`{layout: "3x4"|"12x1", speed: 25|50, gain: 5|10|20, px_per_mm,
    /// start_secs, saliency}`; `px_per_mm` in device pixels; `saliency` shades the last map
    /// from [`App::explain`]). Leads the quality check flags are outlined and named. Returns a
    /// `SheetView`: the canvas size and every panel, in device pixels.
    pub fn draw(&self, canvas: &OffscreenCanvas, options: JsValue) -> Result<JsValue, JsValue> {
        let ecg = self.ecg()?;
        let options = self.sheet_options(ecg, options)?;
        let sheet = layout(ecg, &options);
        let (width, height) = sheet.size_px();
        canvas.set_width(width);
        canvas.set_height(height);
        let backend =
            OffscreenBackend::new(canvas).map_err(|e| error(ErrorKind::Render, e.to_string()))?;
        let sheet = draw_sheet(&backend.into_drawing_area(), ecg, &options)
            .map_err(|e| error(ErrorKind::Render, e.to_string()))?;
        to_js(&SheetView::of(&sheet))
    }

    /// Draws the median beat of every lead onto `canvas` (sized here), with the same options
    /// as [`App::draw`]; R peaks from the last analysis, else detected now. Returns a
    /// `BeatsView`.
    pub fn draw_beats(
        &self,
        canvas: &OffscreenCanvas,
        options: JsValue,
    ) -> Result<JsValue, JsValue> {
        let ecg = self.ecg()?;
        let options = self.sheet_options(ecg, options)?;
        let r_peaks = self
            .analysis
            .borrow()
            .as_ref()
            .and_then(|a| a.beats.as_ref().map(|b| b.r_peaks.clone()))
            .unwrap_or_else(|| detect_in_recorded(ecg).r_peaks);
        let (w, h) = beats_size_mm(&options.paper);
        let k = options.px_per_mm;
        canvas.set_width((w * k).ceil() as u32);
        canvas.set_height((h * k).ceil() as u32);
        let backend =
            OffscreenBackend::new(canvas).map_err(|e| error(ErrorKind::Render, e.to_string()))?;
        let panels = draw_median_beats(&backend.into_drawing_area(), ecg, &r_peaks, &options)
            .map_err(|e| error(ErrorKind::Render, e.to_string()))?;
        let size = (canvas.width(), canvas.height());
        to_js(&BeatsView::of(size, r_peaks.len(), &panels))
    }

    /// Sheet options from the page's `DrawOptions`, with the quality marks of the last
    /// analysis and the cart's filters.
    fn sheet_options(&self, ecg: &Ecg, options: JsValue) -> Result<SheetOptions, JsValue> {
        let options: DrawOptions = from_js(options, "drawing options", &DrawOptions::FIELDS)?;
        let invalid = |e: String| error(ErrorKind::InvalidInput, e);
        let paper = Paper::new(options.speed, options.gain).map_err(invalid)?;
        let px_per_mm = options.px_per_mm;
        if !(px_per_mm.is_finite() && (1.0..=40.0).contains(&px_per_mm)) {
            return Err(invalid(format!(
                "px_per_mm {px_per_mm} is outside 1–40 device pixels per millimetre"
            )));
        }
        let (flags, notes) = self
            .analysis
            .borrow()
            .as_ref()
            .and_then(|a| a.report.quality.as_ref())
            .map(quality_marks)
            .unwrap_or_default();
        Ok(SheetOptions {
            layout: Layout::parse(&options.layout).map_err(invalid)?,
            paper,
            px_per_mm,
            start_secs: if options.start_secs.is_finite() {
                options.start_secs.max(0.0)
            } else {
                0.0
            },
            baseline_filter: true,
            cart_filters: ecg.info().cart_filters.clone(),
            overlay: if options.saliency {
                self.overlay.borrow().clone()
            } else {
                None
            },
            flags,
            notes,
        })
    }

    /// The patient identifiers in the loaded record's files (`PatientView`: `{name?, id?,
    /// birth_date?}`, or `null`). The page calls this only when the user ticks "include
    /// patient identifiers" for a printed report; they stay in this browser and are never
    /// logged.
    pub fn patient_identifiers(&self) -> Result<JsValue, JsValue> {
        let Some(format) = self.record.as_ref().map(|r| r.format) else {
            return Ok(JsValue::NULL);
        };
        let found = self
            .files
            .iter()
            .find_map(|file| patient_identifiers(format, &file.bytes));
        match found {
            Some(patient) => to_js(&PatientView {
                name: patient.name,
                id: patient.id,
                birth_date: patient.birth_date,
            }),
            None => Ok(JsValue::NULL),
        }
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
                .ok_or_else(|| error(ErrorKind::InvalidInput, "no ECG loaded yet"))?;
            let session = self
                .session
                .clone()
                .ok_or_else(|| error(ErrorKind::Model, "no model file loaded: no risk estimate"))?;
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

    /// The loaded model's logits for already-preprocessed inputs, as `ecg-stenosis predict
    /// --tensor` gives them: `input` holds whole records of the model file's input shape
    /// (`[leads, samples]` each, row-major), and the result is a Float32Array of `[records,
    /// outputs]` logits. No quality gate, no recipe: for researchers comparing the network with
    /// their own runtime (`scripts/bench-race.sh` does). Rejects `{kind, message}` without a
    /// model or for a length that is not a whole number of records.
    pub fn forward_tensor(&self, input: Float32Array) -> js_sys::Promise {
        let session = self.session.clone();
        let values = input.to_vec();
        wasm_bindgen_futures::future_to_promise(async move {
            let session = session
                .ok_or_else(|| error(ErrorKind::Model, "no model file loaded: no logits"))?;
            let logits = session
                .forward_inputs(&values)
                .await
                .map_err(|e| error(ErrorKind::InvalidInput, e.to_string()))?;
            let flat: Vec<f32> = logits.into_iter().flatten().collect();
            Ok(Float32Array::from(flat.as_slice()).into())
        })
    }

    /// The saliency map of `vessel` for the record last analysed ([`Session::explain`]):
    /// `method` is `grad-x-input` (default), `integrated-gradients` or `smoothgrad`, `steps`
    /// their passes. `on_progress(done, total)` is called after each batch of gradient
    /// passes. Resolves to an `ExplainView` (`{summary, method_words, leads, samples,
    /// sample_rate_hz, elapsed_ms}`, `summary` as `ecg-stenosis saliency --json` prints it)
    /// with `map`, a Float32Array `[leads, samples]` on the record's own time base (leads in
    /// model order: I, II, III, aVR, aVL, aVF, V1–V6). Rejects `{kind, message}` when nothing
    /// was analysed, the record has no estimate, or the vessel is unknown.
    pub fn explain(
        &self,
        vessel: String,
        method: Option<String>,
        steps: Option<usize>,
        on_progress: Option<js_sys::Function>,
    ) -> js_sys::Promise {
        let ready: Result<_, JsValue> = (|| {
            let method = Method::parse(method.as_deref().unwrap_or("grad-x-input"), steps)
                .map_err(|e| error(ErrorKind::InvalidInput, e))?;
            let session = self.session.clone().ok_or_else(|| {
                error(ErrorKind::Model, "no model file loaded: nothing to explain")
            })?;
            let analysis = self.analysis.borrow().clone().ok_or_else(|| {
                error(
                    ErrorKind::InvalidInput,
                    "no record analysed yet: analyse it first",
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
                .map_err(|e| error(ErrorKind::Explain, e.to_string()))?;
            let samples = explanation.record_samples;
            let rate = analysis.ecg.as_ref().map_or(0.0, Ecg::sample_rate_hz);
            let view = ExplainView {
                summary: &explanation.summary,
                method_words: method.words(),
                leads: explanation.record_map.len() / samples.max(1),
                samples,
                sample_rate_hz: rate,
                elapsed_ms: explanation.elapsed_ms,
            };
            let out = to_js(&view)?;
            // The map travels as a typed array beside the serde view, not as 90 000 numbers.
            let map = Float32Array::from(explanation.record_map.as_slice());
            Reflect::set(&out, &JsValue::from_str("map"), &map)?;
            overlay_slot.replace(Some(Overlay::from_map(
                &explanation.record_map,
                samples,
                rate,
                format!("{vessel}, {}", method.words()),
            )));
            Ok(out)
        })
    }
}
