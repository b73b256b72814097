// The page: DOM only. It forwards files to the worker and shows what comes back; no ECG logic
// lives here (parsing, drawing and inference are Rust, in the worker).
const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
const pending = new Map();
let nextId = 1;

worker.onmessage = (event) => {
  const { id, ok, result, error, progress } = event.data;
  const request = pending.get(id);
  if (!request) return;
  if (progress) {
    if (request.onProgress) request.onProgress(progress);
    return;
  }
  pending.delete(id);
  if (ok) request.resolve(result); else request.reject(error);
};

// One request to the worker; `onProgress({done, total})` hears the long ones' progress.
function ask(message, transfer = [], onProgress = null) {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject, onProgress });
    worker.postMessage({ ...message, id }, transfer);
  });
}

const $ = (id) => document.getElementById(id);
const canvas = $('tracing');

function canvasSize(leadCount) {
  const ratio = window.devicePixelRatio || 1;
  const cssWidth = canvas.clientWidth || 1200;
  const cssHeight = Math.max(240, 56 * Math.max(leadCount, 1) + 16);
  canvas.style.height = `${cssHeight}px`;
  return { width: Math.round(cssWidth * ratio), height: Math.round(cssHeight * ratio), pixelRatio: ratio };
}

function describeBackend(info) {
  if (info.kind === 'webgpu') return `WebGPU (adapter: ${info.adapter})`;
  return `CPU (WebGPU not used: ${info.reason})`;
}

function showError(fileName, error) {
  document.body.dataset.state = 'error';
  $('message').textContent = `Could not read ${fileName}: ${error.message}`;
}

// Several files can form one record (a WFDB header and its signal files): all are sent.
async function openFiles(fileList) {
  $('message').textContent = '';
  document.body.dataset.state = 'loading';
  const rateText = $('rate').value.trim();
  const sampleRateHz = rateText === '' ? undefined : Number(rateText);
  const files = await Promise.all(fileList.map(async (f) => ({ name: f.name, bytes: await f.arrayBuffer() })));
  const file = { name: fileList.map((f) => f.name).join(' + ') };
  try {
    const summary = await ask({ type: 'load', files, sampleRateHz }, files.map((f) => f.bytes));
    const panels = await ask({ type: 'draw', ...canvasSize(summary.leads.length) });
    const names = summary.leads.map((lead) => lead.name + (lead.derived ? '*' : '')).join(', ');
    $('summary').textContent = `${file.name}: ${summary.leads.length} leads (${names}), `
      + `${summary.sample_rate_hz} Hz, ${summary.duration_secs.toFixed(2)} s.`
      + (summary.warnings.length ? ` Notes: ${summary.warnings.join('; ')}.` : '')
      + summary.errors.map((e) => ` Could not read ${e.sources.join(' + ')}: ${e.message}.`).join('');
    canvas.setAttribute('aria-label', `ECG tracing of ${file.name}: ${names}`);
    canvas.dataset.panels = JSON.stringify(panels);
    await showRisk();
    document.body.dataset.state = 'drawn';
  } catch (error) {
    showError(file.name, error);
  }
}

// Per-vessel probability and stratum, with the model card's disclaimer beside them whenever
// the model is a demonstration model. Text only (no HTML from data).
async function showRisk() {
  const box = $('risk');
  box.replaceChildren();
  if (!modelInfo) {
    box.textContent = `No risk estimate: no model is loaded (${modelError || 'none found'}).`;
    return;
  }
  let result;
  try {
    result = await ask({ type: 'analyse' });
  } catch (error) {
    box.textContent = `No risk estimate: ${error.message}`;
    return;
  }
  if (result.error) {
    box.textContent = `No risk estimate: ${result.error.message}`;
    return;
  }
  const table = document.createElement('table');
  table.id = 'risk-table';
  const head = table.createTHead().insertRow();
  for (const title of ['Vessel', 'Probability of severe stenosis', 'Stratum']) {
    const th = document.createElement('th');
    th.textContent = title;
    head.appendChild(th);
  }
  const body = table.createTBody();
  for (const [vessel, v] of Object.entries(result.vessels)) {
    const row = body.insertRow();
    row.dataset.vessel = vessel;
    row.insertCell().textContent = vessel;
    row.insertCell().textContent = `${(100 * v.probability).toFixed(1)} %`;
    row.insertCell().textContent = v.stratum || 'no strata in this model';
  }
  const caption = table.createCaption();
  caption.textContent = `${result.model.name} (${result.model.version}); signal quality: ${result.quality.verdict}`;
  box.appendChild(table);
  if (result.model.demonstration) {
    const note = document.createElement('p');
    note.id = 'disclaimer';
    note.className = 'disclaimer';
    note.textContent = result.model.disclaimer;
    box.appendChild(note);
  }
}

let modelInfo = null;
let modelError = null;

async function start() {
  const offscreen = canvas.transferControlToOffscreen();
  const preferWebgpu = new URLSearchParams(location.search).get('backend') !== 'cpu';
  try {
    const started = await ask({ type: 'start', canvas: offscreen, preferWebgpu }, [offscreen]);
    const info = started.backend;
    modelInfo = started.model;
    modelError = started.modelError;
    $('backend').textContent = describeBackend(info);
    $('model').textContent = modelInfo
      ? `${modelInfo.name}${modelInfo.demonstration ? ': a demonstration model, not clinically validated' : ''}`
      : `none (${modelError})`;
    document.body.dataset.backend = info.kind;
    document.body.dataset.state = 'ready';
  } catch (error) {
    $('backend').textContent = `unavailable: ${error.message}`;
    document.body.dataset.state = 'failed';
    return;
  }
  $('file').addEventListener('change', () => {
    const files = Array.from($('file').files);
    if (files.length) openFiles(files);
  });
}

start();
