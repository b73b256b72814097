// The Web Worker that owns the wasm instance: every parse, draw and forward pass runs here,
// off the page's main thread. It only relays messages; all logic lives in Rust (src/web/).

// The two builds of the module: the CPU-only one, small, which the page starts with, and the
// one with burn's WebGPU runtime, which the page loads in the background when the browser's
// adapter is worth it (issue 19: the first risk card does not wait for the GPU compiler).
const MODULES = {
  cpu: '../pkg/cpu/ecg_stenosis.js',
  webgpu: '../pkg/ecg_stenosis.js',
};

// The module's exported class, once imported.
let App = null;
let app = null;
let canvas = null;
let beatsCanvas = null;
// Set once the wasm instance has trapped (a Rust panic, memory exhausted): it cannot be used
// again, so every later request is answered "crashed" and the page replaces this worker.
let crashed = null;
// The readers' byte limit (App.facts), read once the module is initialised.
let maxFileBytes = 0;
// Resolves the shipped model a starting worker waits for from the page.
let shippedFromPage = null;

function plainError(error) {
  // Errors from Rust arrive as {kind, message, line?}; anything else is an internal failure.
  if (error && typeof error === 'object' && 'kind' in error && 'message' in error) return error;
  return { kind: 'internal', message: String(error && error.message ? error.message : error) };
}

// A canvas the page handed over (transferControlToOffscreen), answering getContext('2d') with
// the one context it made the first time. Firefox (ESR 153.8) throws InvalidStateError "Cannot
// update created context to different thread" from every getContext after the first on such a
// canvas, where the standard returns the same context again; Rust asks on every draw.
function oneContext(surface) {
  if (!surface) return surface;
  const context = surface.getContext('2d');
  Object.defineProperty(surface, 'getContext', { value: (type) => (type === '2d' ? context : null) });
  return surface;
}

// The page shows a worker's OffscreenCanvas frame only once the worker commits it, after the
// task that drew it. Answering after the next animation frame makes 'drawn' mean on screen.
async function presented(result) {
  if (typeof self.requestAnimationFrame === 'function') {
    await new Promise((resolve) => self.requestAnimationFrame(resolve));
  }
  return result;
}

// The page's demonstration model: {bytes} or {error}.
async function fetchShippedModel() {
  try {
    const response = await fetch(new URL('./models/demo.safetensors', import.meta.url));
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return { bytes: new Uint8Array(await response.arrayBuffer()), error: null };
  } catch (error) {
    return { bytes: null, error: plainError(error).message };
  }
}

// How much of a file the campaign planner looks at to tell a WFDB header from anything else.
const PREFIX_BYTES = 4096;

// A campaign's records from its files' handles ({name, file}): only WFDB headers are read
// whole (they name their signal files); of every other file only a prefix, dropped at once.
async function planCampaign(files) {
  const heads = new Array(files.length);
  const empty = new Uint8Array(0);
  const batch = 32;
  for (let start = 0; start < files.length; start += batch) {
    await Promise.all(files.slice(start, start + batch).map(async ({ file }, k) => {
      let head = empty;
      try {
        const prefix = new Uint8Array(await file.slice(0, PREFIX_BYTES).arrayBuffer());
        if (App.is_wfdb_header(prefix)) {
          head = new Uint8Array(await file.slice(0, maxFileBytes).arrayBuffer());
        }
      } catch {
        // Unreadable now: reading the record later says why.
      }
      heads[start + k] = head;
    }));
  }
  return App.campaign_records(files.map((f) => f.name), heads);
}

// One record of a campaign, read from its files' handles and analysed; nothing is kept here.
async function campaignRecord(files, position, sampleRateHz, cohortSaliency) {
  const contents = [];
  const faults = [];
  for (const { file } of files) {
    if (file.size > maxFileBytes) {
      contents.push(new Uint8Array(0));
      faults.push('');
      continue;
    }
    try {
      contents.push(new Uint8Array(await file.arrayBuffer()));
      faults.push('');
    } catch (error) {
      contents.push(new Uint8Array(0));
      faults.push(`the browser could not read it (${error.name}: ${error.message})`);
    }
  }
  return app.campaign_record(files.map((f) => f.name), contents, files.map((f) => f.file.size),
    faults, position, sampleRateHz ?? undefined, Boolean(cohortSaliency));
}

async function handle(data) {
  switch (data.type) {
    case 'start': {
      const path = MODULES[data.module];
      if (!path) throw { kind: 'internal', message: `unknown engine module ${data.module}` };
      // The demonstration model ships with the page (same origin); without it the page still
      // reads and draws ECGs and says that no risk estimate is available. Its download starts
      // now, beside the module's. A campaign worker is given the model the page has loaded
      // (data.modelBytes).
      // The page's own worker gets the model from the page, which started its download with
      // the page (index.html preloads it), in a 'shippedModel' message that may come while
      // the module is loading.
      let shipped = null;
      if (data.modelFromPage) shipped = new Promise((resolve) => { shippedFromPage = resolve; });
      else if (!data.modelBytes) shipped = fetchShippedModel();
      const module = await import(path);
      App = module.App;
      // The instance's memory, for the campaign memory benchmark (scripts/bench-campaign.mjs).
      self.wasmMemory = (await module.default()).memory;
      canvas = oneContext(data.canvas ?? null);
      beatsCanvas = oneContext(data.beatsCanvas ?? null);
      // The model is awaited before the engine starts: where the browser does not say what
      // its WebGPU adapter is, App.start times one forward pass of it on each backend and keeps
      // the faster.
      let bytes = data.modelBytes ? new Uint8Array(data.modelBytes) : null;
      let model = null;
      let modelError = null;
      if (!bytes) ({ bytes, error: modelError } = await shipped);
      app = await App.start(data.backend, bytes ?? undefined);
      if (bytes) {
        try {
          model = app.load_model(bytes);
        } catch (error) {
          modelError = plainError(error).message;
        }
      }
      const facts = App.facts();
      maxFileBytes = facts.max_file_bytes;
      return { backend: app.backend(), facts, model, modelError, upgrade: app.webgpu_worth_loading() };
    }
    case 'shippedModel':
      // {bytes} or {error}, for the 'start' in progress.
      if (shippedFromPage) shippedFromPage({ bytes: data.bytes ? new Uint8Array(data.bytes) : null, error: data.error ?? null });
      shippedFromPage = null;
      return null;
    case 'canvases':
      // A worker started in the background (the WebGPU engine) gets the page's canvases when
      // it takes over.
      canvas = oneContext(data.canvas);
      beatsCanvas = oneContext(data.beatsCanvas);
      return null;
    case 'load':
      return app.load_files(
        data.files.map((file) => file.name),
        data.files.map((file) => new Uint8Array(file.bytes)),
        data.sampleRateHz ?? undefined,
      );
    case 'analyse':
      return app.analyse(Boolean(data.overrideQuality));
    case 'explain':
      // Progress of the gradient passes goes back as {id, progress: {done, total}} messages
      // while the request runs; the answer comes last.
      return app.explain(data.vessel, data.method ?? undefined, data.steps ?? undefined,
        (done, total) => self.postMessage({ id: data.id, progress: { done, total } }));
    case 'loadModel':
      return app.load_model(new Uint8Array(data.bytes));
    case 'draw':
      return presented(app.draw(canvas, data.options));
    case 'drawBeats':
      return presented(app.draw_beats(beatsCanvas, data.options));
    case 'context':
      // The clinical context form's fields: computed, answered, not kept.
      return app.context(data.fields);
    case 'campaignContextCheck':
      return App.check_context_file(new Uint8Array(data.bytes));
    case 'campaignContext':
      return app.campaign_context(new Uint8Array(data.bytes));
    case 'campaignContextForget':
      return app.campaign_context_forget();
    case 'patient':
      // Only when the user ticked "include patient identifiers" for a printed report.
      return app.patient_identifiers();
    case 'campaignPlan':
      return planCampaign(data.files);
    case 'campaignRecord':
      return campaignRecord(data.files, data.position, data.sampleRateHz, data.cohortSaliency);
    case 'campaignHistograms': {
      // Drawn in this worker with plotters, handed to the page as a PNG.
      const surface = new OffscreenCanvas(data.width, data.height);
      app.draw_campaign_histograms(surface, data.names, data.values.map((v) => new Float64Array(v)));
      return surface.convertToBlob();
    }
    case 'cohortReset':
      return app.cohort_reset(data.setup);
    case 'cohortAdd':
      return app.cohort_add(data.part, data.beats);
    case 'cohortForget':
      return app.cohort_forget();
    case 'cohortDraw': {
      // Sized by Rust; handed to the page as a PNG with the counts and attribution shares.
      const surface = new OffscreenCanvas(1, 1);
      app.draw_cohort(surface);
      return { image: await surface.convertToBlob(), summary: app.cohort_summary() };
    }
    case 'csvHeader':
      return app.csv_header();
    case 'validationReport':
      return app.validation_report(data.table, data.labelsName, data.labels, data.options);
    case 'calibratedModel':
      return app.calibrated_model(data.table, data.labelsName, data.labels, data.options);
    case 'trap':
      // The end-to-end suite's way to check that the page recovers from a panic.
      return app.trap();
    default:
      throw { kind: 'internal', message: `unknown request ${data.type}` };
  }
}

self.onmessage = async (event) => {
  const { id } = event.data;
  if (crashed) {
    self.postMessage({ id, ok: false, crashed: true, error: crashed });
    return;
  }
  try {
    self.postMessage({ id, ok: true, result: await handle(event.data) });
  } catch (error) {
    if (error instanceof WebAssembly.RuntimeError || error instanceof RangeError) {
      crashed = { kind: 'internal', message: `the engine stopped (${error.message})` };
      self.postMessage({ id, ok: false, crashed: true, error: crashed });
      return;
    }
    self.postMessage({ id, ok: false, error: plainError(error) });
  }
};
