// What both pages share: loading LiteRT.js from this server, feeding a model the way footseg's
// Python does (footseg/deploy/predict.py + footseg/deploy/interpreter.py), and reading its mask back.
import {loadLiteRt, loadAndCompile, Tensor, isWebGPUSupported} from '@litertjs/core';

const WASM_DIR = '/npm/@litertjs/core/wasm/';

let runtime = null;

/** Load the wasm runtime once; threaded only when the page is cross-origin isolated (SharedArrayBuffer). */
export async function loadRuntime() {
  if (!runtime) {
    // ?wasm=single forces the single-threaded build (for comparing the two).
    const single = new URLSearchParams(location.search).get('wasm') === 'single';
    const threads = self.crossOriginIsolated === true && !single;
    runtime = loadLiteRt(WASM_DIR, {threads}).then(() => ({threads}));
  }
  return runtime;
}

/** 'webgpu' or 'wasm' from ?backend=, else WebGPU where the browser has it. */
export function chosenBackend() {
  const asked = new URLSearchParams(location.search).get('backend');
  if (asked === 'wasm' || asked === 'webgpu') return asked;
  return isWebGPUSupported() ? 'webgpu' : 'wasm';
}

export function chosenThreads(threaded) {
  const asked = parseInt(new URLSearchParams(location.search).get('threads') || '', 10);
  if (asked > 0) return threaded ? asked : 1;
  return threaded ? Math.max(1, Math.min(navigator.hardwareConcurrency || 1, 4)) : 1;
}

export async function fetchModels() {
  const response = await fetch('/api/models');
  if (!response.ok) throw new Error(`/api/models: HTTP ${response.status}`);
  return response.json();
}

/** Compile one model; WebGPU falls back to wasm when it cannot compile there. Returns {compiled, backend}. */
export async function compileModel(info, backend, threads) {
  const cpuOptions = {numThreads: threads};
  if (backend === 'webgpu') {
    try {
      return {compiled: await loadAndCompile(info.url, {accelerator: 'webgpu', cpuOptions}), backend: 'webgpu'};
    } catch (err) {
      console.warn(`${info.file}: WebGPU compile failed (${err}); using wasm`);
    }
  }
  return {compiled: await loadAndCompile(info.url, {accelerator: 'wasm', cpuOptions}), backend: 'wasm'};
}

/**
 * The camera frame -> the model's input pixels: mirrors footseg.deploy.predict.segment's
 * `cv2.resize(rgb, (w, h), interpolation=cv2.INTER_AREA)`.
 * Convention (today's Python): the WHOLE frame is resized to the model's h x w, aspect ratio
 * NOT kept (a 3:4 portrait frame is squeezed into 256x256); no crop, no padding.
 * If footseg.deploy.predict changes this mapping (e.g. a centre crop), change this one function to match.
 * INTER_AREA when shrinking = each output pixel is the area-weighted mean of the source pixels it
 * covers, done here separably (columns then rows), rounded like OpenCV's saturate_cast.
 * rgba: Uint8ClampedArray (fw*fh*4) from getImageData; returns Uint8Array (h*w*3) RGB.
 */
export function frameToModelInput(rgba, fw, fh, w, h) {
  const xs = areaWeights(fw, w), ys = areaWeights(fh, h);
  const tmp = new Float32Array(fh * w * 3);  // columns resampled, all rows
  for (let y = 0; y < fh; y++) {
    const row = y * fw * 4;
    for (let x = 0; x < w; x++) {
      let r = 0, g = 0, b = 0;
      for (const [sx, wt] of xs[x]) {
        const i = row + sx * 4;
        r += rgba[i] * wt; g += rgba[i + 1] * wt; b += rgba[i + 2] * wt;
      }
      const o = (y * w + x) * 3;
      tmp[o] = r; tmp[o + 1] = g; tmp[o + 2] = b;
    }
  }
  const out = new Uint8Array(h * w * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let r = 0, g = 0, b = 0;
      for (const [sy, wt] of ys[y]) {
        const i = (sy * w + x) * 3;
        r += tmp[i] * wt; g += tmp[i + 1] * wt; b += tmp[i + 2] * wt;
      }
      const o = (y * w + x) * 3;
      out[o] = Math.round(r); out[o + 1] = Math.round(g); out[o + 2] = Math.round(b);
    }
  }
  return out;
}

// For each output index, [source index, weight] pairs of the source interval it covers. When
// enlarging (src < dst) OpenCV's INTER_AREA is bilinear; the nearest source pixel is close enough
// for a camera frame, which is always larger than the model's input.
const weightCache = new Map();
function areaWeights(src, dst) {
  const key = `${src}:${dst}`;
  if (weightCache.has(key)) return weightCache.get(key);
  const scale = src / dst;
  const table = [];
  for (let d = 0; d < dst; d++) {
    if (scale < 1) { table.push([[Math.min(src - 1, Math.floor(d * scale)), 1]]); continue; }
    const start = d * scale, end = start + scale;
    const pairs = [];
    for (let s = Math.floor(start); s < Math.min(src, Math.ceil(end)); s++) {
      const overlap = Math.min(end, s + 1) - Math.max(start, s);
      if (overlap > 1e-9) pairs.push([s, overlap / scale]);
    }
    table.push(pairs);
  }
  weightCache.set(key, table);
  return table;
}

/** uint8 RGB pixels -> the input tensor's values, exactly TFLiteModel._to_input's rule. */
export function toInputArray(info, rgb) {
  const pixelScale = info.input_range / 255;
  if (info.input_dtype === 'uint8' || info.input_dtype === 'int8') {
    // Our int8 files take uint8 camera pixels (scale 1, zero point 0): the bytes go in as they are.
    if (info.input_dtype === 'int8') throw new Error(`${info.file}: int8 input tensors are not supported by LiteRT.js; export with uint8 input`);
    if (info.input_scale === 0) return rgb;
    const out = new Uint8Array(rgb.length);
    for (let i = 0; i < rgb.length; i++) {
      const q = Math.round((rgb[i] * pixelScale) / info.input_scale + info.input_zero_point);
      out[i] = q < 0 ? 0 : q > 255 ? 255 : q;
    }
    return out;
  }
  const out = new Float32Array(rgb.length);
  for (let i = 0; i < rgb.length; i++) out[i] = rgb[i] * pixelScale;
  return out;
}

/** Output values (h*w*c) -> 0/1 labels (h*w), like TFLiteModel.labels_from_output. */
export function labelsFromOutput(info, values, h, w) {
  const c = info.output_channels;
  const labels = new Uint8Array(h * w);
  const quantized = info.output_dtype === 'uint8' || info.output_dtype === 'int8';
  if (c === 1) {
    for (let i = 0; i < h * w; i++) {
      const p = quantized && info.output_scale !== 0 ? (values[i] - info.output_zero_point) * info.output_scale : values[i];
      labels[i] = p > 0.5 ? 1 : 0;
    }
    return labels;
  }
  // One scale for all channels: argmax of the raw values equals argmax of the dequantised ones.
  for (let i = 0; i < h * w; i++) {
    let best = 0, bestValue = values[i * c];
    for (let k = 1; k < c; k++) if (values[i * c + k] > bestValue) { bestValue = values[i * c + k]; best = k; }
    labels[i] = best;
  }
  return labels;
}

/** Labels (h*w) -> mask at the frame's size, like cv2.resize(..., INTER_NEAREST): src = floor(dst * scale). */
export function maskToFrame(labels, w, h, fw, fh) {
  const mask = new Uint8Array(fw * fh);
  const sx = w / fw, sy = h / fh;
  for (let y = 0; y < fh; y++) {
    const ly = Math.min(h - 1, Math.floor(y * sy)) * w;
    for (let x = 0; x < fw; x++) mask[y * fw + x] = labels[ly + Math.min(w - 1, Math.floor(x * sx))];
  }
  return mask;
}

// LiteRT.js 2.5 reports some run failures only as an error line from its wasm (e.g. "Failed to
// register output tensor buffer") and returns an unwritten output: catch those lines, so a page
// shows an error instead of a garbage mask.
let runtimeErrors = [];
const consoleError = console.error.bind(console);
console.error = (...args) => {
  const text = args.map(String).join(' ');
  if (/Failed to|was not true/.test(text)) runtimeErrors.push(text);
  consoleError(...args);
};

/** Run once on uint8 RGB at the model's size: {labels, ms} (ms = run + reading the output back). */
export async function segmentInput(model, info, rgb) {
  const [h, w] = info.input_size;
  const input = new Tensor(toInputArray(info, rgb), [1, h, w, 3]);
  runtimeErrors = [];
  const start = performance.now();
  const outputs = await model.run(input);
  if (runtimeErrors.length) {
    input.delete();
    for (const t of outputs) t.delete();
    throw new Error(`LiteRT.js could not run ${info.file}: ${runtimeErrors[0]}`);
  }
  const values = (await outputs[0].data()).slice();  // copy: the view is into wasm memory
  const ms = performance.now() - start;
  input.delete();
  for (const t of outputs) t.delete();
  return {labels: labelsFromOutput(info, values, h, w), ms};
}

export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** numpy.percentile's default (linear) rule, so the page shows what the saved record will say. */
export function percentile(values, q) {
  const s = [...values].sort((a, b) => a - b);
  const pos = (s.length - 1) * q / 100, lo = Math.floor(pos), hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}
