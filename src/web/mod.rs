//! The page's JavaScript API: the only module that speaks wasm-bindgen.
//!
//! One exported class, [`App`], owned by the Web Worker (`www/worker.js`). Results cross to
//! JavaScript as plain objects; errors as `{kind, message, line?}` objects, converted here and
//! nowhere else.

mod canvas;

use std::rc::Rc;

use js_sys::{Array, Float32Array, Object, Reflect};
use plotters::drawing::IntoDrawingArea;
use wasm_bindgen::prelude::*;
use web_sys::OffscreenCanvas;

use crate::ecg::Ecg;
use crate::formats::{
    CsvError, CsvOptions, InputFile, Limits, ReadError, ReadOptions, read_csv, read_files,
};
use crate::model::{BackendKind, ModelFile, ModelFileError, Net1d, Net1dConfig, RunError, Runner};
use crate::render::{DrawOptions, draw_leads};

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

/// The application state one worker holds: the chosen backend, the network (the self-check
/// network until a model file is loaded) and the record last loaded.
#[wasm_bindgen]
pub struct App {
    runner: Rc<Runner>,
    net: Rc<Net1d>,
    model: Option<ModelFile>,
    ecg: Option<Ecg>,
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
            runner: Rc::new(runner),
            net: Rc::new(net),
            model: None,
            ecg: None,
        })
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
        self.ecg = Some(ecg);
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
        let mut first: Option<(Ecg, Vec<String>, &'static str)> = None;
        let mut first_error = None;
        for record in records {
            match record.result {
                Ok(ecg) if first.is_none() => {
                    first = Some((ecg, record.sources, record.format.name()));
                }
                Ok(_) => {}
                Err(e) => {
                    let error = read_error(&e);
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
        let Some((ecg, sources, format)) = first else {
            return Err(
                first_error.unwrap_or_else(|| error_object("invalid_input", "no file given", None))
            );
        };
        let out = summary(&ecg);
        if let Some(object) = out.dyn_ref::<Object>() {
            let list = Array::new();
            for source in &sources {
                list.push(&JsValue::from_str(source));
            }
            set(object, "sources", list);
            set(object, "format", format);
            set(object, "errors", errors);
        }
        self.ecg = Some(ecg);
        Ok(out)
    }

    /// Reads a safetensors model file (bytes of a file the user picked, or fetched from this
    /// page's own origin), builds it on the chosen backend and makes it the network that
    /// [`App::forward`] runs. Returns the model summary, or throws `{kind: "model", message}`
    /// listing every problem; a failed load keeps the previous network.
    pub fn load_model(&mut self, bytes: &[u8]) -> Result<JsValue, JsValue> {
        let model = ModelFile::from_bytes(bytes).map_err(|e| model_error(&e))?;
        let net = model
            .build(self.runner.device())
            .map_err(|e| error_object("model", &e.to_string(), None))?;
        let out = model_summary(&model);
        self.net = Rc::new(net);
        self.model = Some(model);
        Ok(out)
    }

    /// The loaded model's summary, or `null` while the self-check network is in use.
    pub fn model(&self) -> JsValue {
        self.model.as_ref().map_or(JsValue::NULL, model_summary)
    }

    /// Draws the loaded record onto `canvas` (device pixels; `pixel_ratio` = device pixels
    /// per CSS pixel) and returns the panels `[{lead, x, y, width, height}]`.
    pub fn draw(&self, canvas: &OffscreenCanvas, pixel_ratio: f64) -> Result<JsValue, JsValue> {
        let ecg = self
            .ecg
            .as_ref()
            .ok_or_else(|| error_object("invalid_input", "no ECG loaded yet", None))?;
        let backend = OffscreenBackend::new(canvas)
            .map_err(|e| error_object("render", &e.to_string(), None))?;
        let options = DrawOptions {
            pixel_ratio,
            ..DrawOptions::default()
        };
        let panels = draw_leads(&backend.into_drawing_area(), ecg, &options)
            .map_err(|e| error_object("render", &e.to_string(), None))?;
        let out = Array::new();
        for panel in panels {
            let p = Object::new();
            set(&p, "lead", panel.lead.name());
            set(&p, "x", panel.x);
            set(&p, "y", panel.y);
            set(&p, "width", panel.width);
            set(&p, "height", panel.height);
            out.push(&p);
        }
        Ok(out.into())
    }

    /// The risk of the loaded record with the loaded model file: the quality gate, the file's
    /// recipe, the network, then per vessel `{vessel, probability, stratum}` (strata by the
    /// file's cut-offs), with `{quality, warnings, model}`; `model` carries the demonstration
    /// flag and the disclaimer the page shows next to the probabilities. Throws
    /// `{kind, message}` without a record or a model file, or for an unusable record.
    pub fn predict(&self) -> js_sys::Promise {
        use crate::pipeline::{model_input, vessel_risks};
        use crate::signal::WindowOptions;
        use crate::signal::beats::detect_in_recorded;
        use crate::signal::quality::{Verdict, assess};
        let prepared = (|| {
            let ecg = self
                .ecg
                .as_ref()
                .ok_or_else(|| error_object("invalid_input", "no ECG loaded yet", None))?;
            let model = self.model.as_ref().ok_or_else(|| {
                error_object("model", "no model file loaded: no risk estimate", None)
            })?;
            let metadata = model.metadata();
            let beats = detect_in_recorded(ecg);
            let seconds = metadata.input.samples as f64 / metadata.input.sample_rate_hz;
            let quality = assess(ecg, &beats, seconds, false);
            if quality.verdict == Verdict::Unusable {
                return Err(error_object(
                    "quality",
                    &format!("no risk estimate: {}", quality.unusable_reasons()),
                    None,
                ));
            }
            let input = model_input(ecg, metadata, WindowOptions::default())
                .map_err(|e| error_object("invalid_input", &e.to_string(), None))?;
            let warnings: Vec<String> = input.warnings.iter().map(ToString::to_string).collect();
            let leads = metadata.architecture.config.in_channels;
            Ok((
                input.values,
                [1, leads, metadata.input.samples],
                metadata.clone(),
                quality.verdict.name(),
                warnings,
                model_summary(model),
            ))
        })();
        let runner = Rc::clone(&self.runner);
        let net = Rc::clone(&self.net);
        wasm_bindgen_futures::future_to_promise(async move {
            let (values, shape, metadata, verdict, warnings, summary) = prepared?;
            let logits = runner
                .forward(&net, values, shape)
                .await
                .map_err(|e| run_error(&e))?;
            let out = Object::new();
            let vessels = Array::new();
            for risk in vessel_risks(&metadata, &logits) {
                let v = Object::new();
                set(&v, "vessel", risk.vessel.as_str());
                set(&v, "probability", risk.probability);
                if let Some(stratum) = risk.stratum {
                    set(&v, "stratum", stratum.name());
                }
                vessels.push(&v);
            }
            set(&out, "vessels", vessels);
            set(&out, "quality", verdict);
            let list = Array::new();
            for w in &warnings {
                list.push(&JsValue::from_str(w));
            }
            set(&out, "warnings", list);
            set(&out, "model", summary);
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
        let runner = Rc::clone(&self.runner);
        let net = Rc::clone(&self.net);
        wasm_bindgen_futures::future_to_promise(async move {
            let logits = runner
                .forward(&net, input, [batch, leads, samples])
                .await
                .map_err(|e| run_error(&e))?;
            Ok(Float32Array::from(logits.as_slice()).into())
        })
    }
}
