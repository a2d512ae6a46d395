// Live page: camera -> model -> mask overlay, with FPS and model ms. `window.footseg` exposes the
// state (and the last frame with its mask) so a test can check the page against footseg's Python.
import {loadRuntime, chosenBackend, chosenThreads, fetchModels, compileModel, frameToModelInput,
        segmentInput, maskToFrame, median} from '/static/footseg.js';

const OVERLAY_ALPHA = 0.5, OVERLAY_RGB = [0, 255, 0];  // footseg.deploy.predict.overlay's colour and blend
const $ = (id) => document.getElementById(id);
const state = window.footseg = {ready: false, error: null, frames: 0, fps: 0, modelMs: 0, backend: null,
                                threads: 1, model: null, last: null, capture};
let current = null;  // {info, compiled}

function fail(message) {
  state.error = message;
  $('status').textContent = message;
  console.error(message);
}

function toBase64(bytes) {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** The last processed frame (RGB) and the page's mask for it (0/1 at the frame's size), base64. */
function capture() {
  const last = state.last;
  if (!last) return null;
  const rgb = new Uint8Array(last.width * last.height * 3);
  for (let i = 0, j = 0; i < rgb.length; i += 3, j += 4) {
    rgb[i] = last.rgba[j]; rgb[i + 1] = last.rgba[j + 1]; rgb[i + 2] = last.rgba[j + 2];
  }
  return {width: last.width, height: last.height, model: last.model, rgb: toBase64(rgb), mask: toBase64(last.mask)};
}

async function useModel(info) {
  $('status').textContent = `compiling ${info.file}…`;
  const {compiled, backend} = await compileModel(info, chosenBackend(), state.threads);
  if (current) current.compiled.delete();
  current = {info, compiled};
  state.model = info.file;
  state.backend = backend;
  $('status').textContent = '';
}

async function main() {
  const {models} = await fetchModels();
  const asked = new URLSearchParams(location.search).get('model');
  const select = $('model');
  for (const m of models) select.add(new Option(`${m.file} (${m.input_dtype} in)`, m.file));
  if (asked && models.some((m) => m.file === asked)) select.value = asked;
  const {threads} = await loadRuntime();
  state.threads = chosenThreads(threads);
  await useModel(models.find((m) => m.file === select.value));
  select.addEventListener('change', () => {
    useModel(models.find((m) => m.file === select.value)).catch((e) => fail(`${select.value}: ${e}`));
  });

  const video = $('camera');
  if (!navigator.mediaDevices?.getUserMedia) {
    return fail('no camera API here: open the page over https (footseg demo --tls) or on localhost');
  }
  // The rear camera on a phone; any camera elsewhere.
  video.srcObject = await navigator.mediaDevices.getUserMedia({audio: false, video: {facingMode: {ideal: 'environment'}}});
  await video.play();

  const work = document.createElement('canvas');
  const wctx = work.getContext('2d', {willReadFrequently: true});
  const view = $('view'), vctx = view.getContext('2d');
  const stamps = [], modelTimes = [];
  state.ready = true;
  for (;;) {
    await new Promise((resolve) => requestAnimationFrame(resolve));
    const fw = video.videoWidth, fh = video.videoHeight;
    if (!current || !fw || !fh) continue;
    const {info, compiled} = current;
    if (work.width !== fw || work.height !== fh) { work.width = view.width = fw; work.height = view.height = fh; }
    wctx.drawImage(video, 0, 0, fw, fh);
    const frame = wctx.getImageData(0, 0, fw, fh);
    const [h, w] = info.input_size;
    const rgb = frameToModelInput(frame.data, fw, fh, w, h);
    let result;
    try {
      result = await segmentInput(compiled, info, rgb);
    } catch (e) {
      if (current.compiled !== compiled) continue;  // switched model mid-run
      fail(`${info.file}: ${e}`);
      return;
    }
    const mask = maskToFrame(result.labels, w, h, fw, fh);
    state.last = {width: fw, height: fh, model: info.file, rgba: new Uint8ClampedArray(frame.data), mask};
    const px = frame.data;
    for (let i = 0; i < mask.length; i++) {
      if (!mask[i]) continue;
      const j = i * 4;
      for (let k = 0; k < 3; k++) px[j + k] = (1 - OVERLAY_ALPHA) * px[j + k] + OVERLAY_ALPHA * OVERLAY_RGB[k];
    }
    vctx.putImageData(frame, 0, 0);
    const now = performance.now();
    stamps.push(now); modelTimes.push(result.ms);
    while (stamps.length && now - stamps[0] > 2000) { stamps.shift(); modelTimes.shift(); }
    state.frames += 1;
    state.fps = stamps.length > 1 ? (stamps.length - 1) / ((now - stamps[0]) / 1000) : 0;
    state.modelMs = median(modelTimes);
    $('stats').textContent = `${state.fps.toFixed(1)} FPS · model ${state.modelMs.toFixed(1)} ms · ${state.backend}` +
      (state.backend === 'wasm' ? ` ${state.threads} thr` : '') + ` · ${fw}×${fh}`;
  }
}

main().catch((e) => fail(String(e && e.message || e)));
