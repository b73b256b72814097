//! The page's JavaScript API: the only module that speaks wasm-bindgen.
//!
//! One exported class, [`App`], owned by the Web Worker (`www/worker.js`). What crosses the
//! boundary is a serde type of [`types`] (results, options, errors), converted with
//! `serde_wasm_bindgen` there and nowhere else; the analysis is the library's
//! [`Session`], the same the command line uses.

mod canvas;
pub mod types;

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Float32Array, Reflect};
use plotters::drawing::IntoDrawingArea;
use wasm_bindgen::prelude::*;
use web_sys::OffscreenCanvas;

use crate::ecg::Ecg;
use crate::formats::patient::patient_identifiers;
use crate::formats::{InputFile, Limits, ReadOptions, RecordResult, read_files};
use crate::model::{BackendKind, ModelFile, Runner};
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
}

#[wasm_bindgen]
impl App {
    /// Chooses the backend: WebGPU when `prefer_webgpu` and available, else the CPU with the
    /// reason.
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
        Ok(App {
            runner,
            session: None,
            record: None,
            analysis: Rc::new(RefCell::new(None)),
            files: Vec::new(),
            overlay: Rc::new(RefCell::new(None)),
        })
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
