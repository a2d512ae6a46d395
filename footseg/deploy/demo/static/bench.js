// Benchmark page: every served model, `warmup` untimed then `runs` timed runs on one fixed frame
// (like footseg.deploy.benchmark.measure_latency); "Save" posts the times to the server, which writes
// metrics/browser/<device>.json. `window.footsegBench` exposes the state for tests.
import {loadRuntime, chosenBackend, chosenThreads, fetchModels, compileModel, segmentInput,
        median, percentile} from '/static/footseg.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const RUNS = parseInt(params.get('runs') || '30', 10), WARMUP = parseInt(params.get('warmup') || '5', 10);
const state = window.footsegBench = {done: false, error: null, results: [], saved: null, payload: null};

/** A short name for this browser and device from its user agent, e.g. "chrome-140-android-pixel-7". */
function defaultDevice() {
  const ua = navigator.userAgent;
  const browser = (ua.match(/(Firefox|Edg|OPR|Chrome|CriOS|Version)\/(\d+)/) || [, 'browser', ''])
  const name = {Edg: 'edge', OPR: 'opera', CriOS: 'chrome', Version: 'safari'}[browser[1]] || browser[1].toLowerCase();
  const android = ua.match(/Android [\d.]+; ([^;)]+)/);
  const os = android ? `android-${android[1]}` : /iPhone|iPad/.test(ua) ? 'ios' : /Mac OS/.test(ua) ? 'macos' : /Windows/.test(ua) ? 'windows' : 'linux';
  return `${name}-${browser[2]}-${os}`.toLowerCase().replace(/[^a-z0-9._-]+/g, '-');
}

/** One fixed pseudo-random frame at the model's size (seeded, the same on every device). */
function fixedFrame(h, w) {
  const out = new Uint8Array(h * w * 3);
  let x = 12345;
  for (let i = 0; i < out.length; i++) { x = (x * 1103515245 + 12345) >>> 0; out[i] = x >>> 24; }
  return out;
}

function row(cells) {
  const tr = document.createElement('tr');
  for (const c of cells) { const td = document.createElement('td'); td.textContent = c; tr.appendChild(td); }
  $('results').tBodies[0].appendChild(tr);
}

async function main() {
  $('device').value = params.get('device') || defaultDevice();
  const {models, litertjs} = await fetchModels();
  const {threads: threaded} = await loadRuntime();
  const threads = chosenThreads(threaded);
  const asked = chosenBackend();
  $('info').textContent = `LiteRT.js ${litertjs}; ${navigator.userAgent}; ${navigator.hardwareConcurrency} cores; ` +
    `backend asked: ${asked}; wasm threads: ${threads}; ${WARMUP} warm-up + ${RUNS} timed runs per model`;
  let backendUsed = null;
  for (const info of models) {
    $('status').textContent = `running ${info.file}…`;
    const {compiled, backend} = await compileModel(info, asked, threads);
    backendUsed = backendUsed || backend;
    const [h, w] = info.input_size;
    const rgb = fixedFrame(h, w);
    for (let i = 0; i < WARMUP; i++) await segmentInput(compiled, info, rgb);
    const times = [];
    for (let i = 0; i < RUNS; i++) times.push((await segmentInput(compiled, info, rgb)).ms);
    compiled.delete();
    state.results.push({file: info.file, backend, times_ms: times});
    row([info.file, backend, RUNS, median(times).toFixed(2), percentile(times, 90).toFixed(2)]);
  }
  state.payload = {backend: backendUsed, threads: backendUsed === 'wasm' ? threads : 1, warmup: WARMUP,
                   user_agent: navigator.userAgent, cores: navigator.hardwareConcurrency || null, results: state.results};
  state.done = true;
  $('status').textContent = 'done: Save writes metrics/browser/<device>.json on the server';
  $('save').disabled = false;
}

$('save').addEventListener('click', async () => {
  $('save').disabled = true;
  try {
    const response = await fetch('/api/bench', {method: 'POST', headers: {'Content-Type': 'application/json'},
                                                 body: JSON.stringify({...state.payload, device: $('device').value})});
    const body = await response.json();
    if (!response.ok) throw new Error(body.error || `HTTP ${response.status}`);
    state.saved = body.path;
    $('status').textContent = `saved to ${body.path}`;
  } catch (e) {
    state.error = String(e.message || e);
    $('status').textContent = `not saved: ${state.error}`;
  } finally {
    $('save').disabled = false;
  }
});

main().catch((e) => { state.error = String(e && e.message || e); $('status').textContent = state.error; });
