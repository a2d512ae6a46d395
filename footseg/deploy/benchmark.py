"""Benchmark of the exported .tflite files on this machine (or a phone, see footseg.deploy.adb).

Per file: latency (warm-up, then N timed invokes; median and p90) for every configured interpreter
and thread count, size, FLOPs and parameters (from metrics/export.json, measured on the Keras
model), accuracy/IoU on the synthetic test subset (export's check, same interpreter run) and on a
real set when given, and efficiency = FLOPs / latency / peak FLOP/s of one core.

The peer row is MediaPipe's selfie segmenter, run by the same interpreters with the same threads,
so our latency can be given as a ratio to it.

Real set layout (``bench.real_dir``)::

    <real_dir>/images/<name>.jpg|.png|...     photos (footseg.io.IMAGE_SUFFIXES), any size (resized to the model's input)
    <real_dir>/masks/<name>.png               same name, foot = non-zero pixels
"""

from __future__ import annotations

import os
import platform
import time
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import FootsegError, require, require_choices
from ..io import IMAGE_SUFFIXES
from .interpreter import INTERPRETERS, TFLiteModel, interpreter_available, interpreter_version, resolve_threads
from .records import PRECISIONS, headline_latency, ordered_models

# MediaPipe's selfie segmenter takes pixels scaled to 0..1 and gives a person probability.
PEER_INPUT_RANGE = 1.0


MIN_TIMED_RUNS = 3  # a median needs a few runs even when the time cap is hit


def measure_latency(
    model: TFLiteModel, warmup: int, runs: int, max_seconds: float | None = None, seed: int = 0
) -> dict[str, float]:
    """Time up to ``runs`` invokes after ``warmup`` untimed ones on one fixed random image, in ms.

    Like benchmark_model's time limit, warm-up and timing each stop early once ``max_seconds``
    have passed (after at least one warm-up and MIN_TIMED_RUNS timed runs): the big teacher gets
    a few runs, small models all of them. ``runs`` in the result says how many were timed.
    """
    h, w = model.input_size
    image = np.random.default_rng(seed).integers(0, 256, size=(h, w, 3), dtype=np.uint8)
    model.set_input(image)
    warm_start = time.perf_counter()
    for i in range(warmup):
        model.invoke()
        if max_seconds is not None and time.perf_counter() - warm_start > max_seconds:
            break  # one slow warm-up run already did the warming (allocations, packing)
    times: list[float] = []
    for _ in range(runs):
        start = time.perf_counter()
        model.invoke()
        times.append((time.perf_counter() - start) * 1e3)
        if max_seconds is not None and sum(times) > max_seconds * 1e3 and len(times) >= MIN_TIMED_RUNS:
            break
    t = np.asarray(times)
    return {
        "median_ms": round(float(np.median(t)), 4),
        "p90_ms": round(float(np.percentile(t, 90)), 4),
        "mean_ms": round(float(t.mean()), 4),
        "min_ms": round(float(t.min()), 4),
        "runs": len(times),
    }


def latency_table(
    path: Path,
    *,
    interpreters: list[str],
    threads: list[int | str],
    warmup: int,
    runs: int,
    max_seconds: float | None = None,
    input_range: float = 255.0,
) -> dict[str, dict[str, dict[str, float]]]:
    """{interpreter: {"<threads>": latency}} for every interpreter available here."""
    table: dict[str, dict[str, dict[str, float]]] = {}
    for name in interpreters:
        if not interpreter_available(name):
            continue
        table[name] = {}
        for t in threads:
            model = TFLiteModel(path, interpreter=name, threads=t, input_range=input_range)
            table[name][str(model.threads)] = measure_latency(model, warmup, runs, max_seconds)
    return table


def resolve_real_dir(cfg: dict[str, Any]) -> str | None:
    """The real set to score: ``bench.real_dir`` when given, else ``bench.default_real_dir`` if
    that folder exists (the shared 30-photo development set), else none."""
    if cfg.get("real_dir"):
        return str(cfg["real_dir"])
    default = cfg.get("default_real_dir")
    return str(default) if default and Path(default).is_dir() else None


def real_scores(predictions: np.ndarray, masks: np.ndarray, names: list[str] | None = None) -> dict[str, Any]:
    """Precision, recall and IoU of foot pixels pooled over the real set, and per photo.

    Precision (the share of predicted-foot pixels that are foot) is the one that shows shins
    taken for feet; the per-photo list shows which photos fail."""

    def ratio(a: float, b: float) -> float | None:
        return round(a / b, 4) if b > 0 else None

    per_photo = []
    tp_all = fp_all = fn_all = 0
    for i, (pred, true) in enumerate(zip(predictions, masks)):
        pred, true = np.asarray(pred) > 0, np.asarray(true) > 0
        tp, fp, fn = int((pred & true).sum()), int((pred & ~true).sum()), int((~pred & true).sum())
        tp_all, fp_all, fn_all = tp_all + tp, fp_all + fp, fn_all + fn
        per_photo.append(
            {
                "name": names[i] if names else str(i),
                "iou": ratio(tp, tp + fp + fn),
                "precision": ratio(tp, tp + fp),
                "recall": ratio(tp, tp + fn),
            }
        )
    ious = [p["iou"] for p in per_photo if p["iou"] is not None]
    return {
        "precision": ratio(tp_all, tp_all + fp_all),
        "recall": ratio(tp_all, tp_all + fn_all),
        "mean_photo_iou": round(float(np.mean(ious)), 4) if ious else None,
        "per_photo": per_photo,
    }


def load_real_names(real_dir: str | os.PathLike[str]) -> list[str]:
    """The photo names of a real set, in load_real_set's order."""
    images_dir = Path(real_dir) / "images"
    return [p.stem for p in sorted(p for p in images_dir.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)]


def load_real_set(real_dir: str | os.PathLike[str], size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Real photos and masks (layout in the module docstring) mapped to ``size`` (H, W) by
    footseg.data.frames' convention (squash), like ``footseg predict`` and the composites."""
    import cv2

    from ..data.frames import frame_to_input, mask_to_input

    real_dir = Path(real_dir)
    images_dir, masks_dir = real_dir / "images", real_dir / "masks"
    require(images_dir.is_dir(), f"{images_dir}: not a directory (bench.real_dir needs images/ and masks/)")
    require(masks_dir.is_dir(), f"{masks_dir}: not a directory (bench.real_dir needs images/ and masks/)")
    files = sorted(p for p in images_dir.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    require(len(files) > 0, f"{images_dir}: no images ({', '.join(IMAGE_SUFFIXES)})")
    images, masks = [], []
    for path in files:
        mask_path = masks_dir / f"{path.stem}.png"
        require(mask_path.is_file(), f"{mask_path}: mask missing for {path.name}")
        image = cv2.imread(str(path), cv2.IMREAD_COLOR)
        require(image is not None, f"{path}: not a readable image")
        mask = cv2.imread(str(mask_path), cv2.IMREAD_GRAYSCALE)
        require(mask is not None, f"{mask_path}: not a readable image")
        require(
            mask.shape == image.shape[:2],
            f"{mask_path}: size {mask.shape[::-1]} differs from its image's {image.shape[1::-1]}",
        )
        images.append(frame_to_input(cv2.cvtColor(image, cv2.COLOR_BGR2RGB), size))
        masks.append((mask_to_input(mask, size) > 0).astype(np.uint8))
    return np.stack(images), np.stack(masks)


def machine_info() -> dict[str, Any]:
    """What the figures were measured on: CPU model, cores, OS, interpreter versions."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": int(resolve_threads("all")),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        # Other work on the machine slows every figure; recorded so a noisy run can be recognised.
        "load_average_1min": round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None,
        "interpreters": {name: interpreter_version(name) for name in INTERPRETERS},
    }


def efficiency(flops: int | None, latency_ms: float | None, peak_gflops: float) -> float | None:
    """Fraction of one core's peak reached: FLOPs / latency / peak (None when unknown)."""
    if not flops or not latency_ms:
        return None
    return round(flops / (latency_ms / 1e3) / (peak_gflops * 1e9), 6)


def validate_bench_config(cfg: dict[str, Any]) -> None:
    """Check the ``bench`` config group; FootsegError naming the key on a bad value."""
    require(cfg.get("device") in ("local", "adb"), f"bench.device must be local or adb, got {cfg.get('device')!r}")
    require_choices(cfg.get("interpreters"), INTERPRETERS, "bench.interpreters", "interpreter")
    threads = cfg.get("threads")
    require(isinstance(threads, list) and len(threads) > 0, f"bench.threads must be a non-empty list, got {threads!r}")
    for t in threads:
        require(
            t == "all" or (isinstance(t, int) and not isinstance(t, bool) and t > 0),
            f"bench.threads: each entry must be a positive integer or 'all', got {t!r}",
        )
    for key, minimum in (("runs", 1), ("warmup", 0), ("grid_images", 1)):
        value = cfg.get(key)
        require(
            isinstance(value, int) and not isinstance(value, bool) and value >= minimum,
            f"bench.{key} must be an integer >= {minimum}, got {value!r}",
        )
    max_seconds = cfg.get("max_seconds")
    require(
        max_seconds is None
        or (isinstance(max_seconds, (int, float)) and not isinstance(max_seconds, bool) and max_seconds > 0),
        f"bench.max_seconds must be a positive number of seconds or null, got {max_seconds!r}",
    )
    peak = cfg.get("peak_gflops")
    require(
        isinstance(peak, (int, float)) and not isinstance(peak, bool) and peak > 0,
        f"bench.peak_gflops must be a positive number, got {peak!r}",
    )
    require(
        cfg.get("grid_precision") in PRECISIONS,
        f"bench.grid_precision must be one of {', '.join(PRECISIONS)}, got {cfg.get('grid_precision')!r}",
    )
    real_dir = cfg.get("real_dir")
    if real_dir is not None:
        require(Path(real_dir).is_dir(), f"bench.real_dir: {real_dir}: not a directory")
    if cfg["device"] == "adb":
        from .adb import validate_adb_config

        validate_adb_config(cfg.get("adb") or {})


def _primary(latency: dict[str, dict[str, dict[str, Any]]], threads: int) -> tuple[str | None, float | None]:
    """(interpreter, median ms) headlining ``threads`` threads."""
    name, figures = headline_latency(latency, str(threads))
    return name, figures["median_ms"] if figures else None


def ratios(
    ours: dict[str, dict[str, dict[str, float]]], ref: dict[str, dict[str, dict[str, float]]]
) -> dict[str, dict[str, float]]:
    """Our median latency / the reference's, for each interpreter and thread count both have."""
    out: dict[str, dict[str, float]] = {}
    for name, per_threads in ours.items():
        for t, lat in per_threads.items():
            ref_lat = ref.get(name, {}).get(t)
            if ref_lat:
                out.setdefault(name, {})[t] = round(lat["median_ms"] / ref_lat["median_ms"], 4)
    return out


def local_latency_fn(bench_cfg: dict[str, Any]) -> Any:
    """A ``latency_fn(path, input_range)`` timing files here with the configured interpreters."""

    def latency(path: Path, input_range: float = 255.0) -> dict[str, dict[str, dict[str, float]]]:
        return latency_table(
            path,
            interpreters=list(bench_cfg["interpreters"]),
            threads=list(bench_cfg["threads"]),
            warmup=int(bench_cfg["warmup"]),
            runs=int(bench_cfg["runs"]),
            max_seconds=bench_cfg.get("max_seconds"),
            input_range=input_range,
        )

    return latency


def run_benchmark(
    exported_dir: str | os.PathLike[str],
    export_report: dict[str, Any],
    bench_cfg: dict[str, Any],
    *,
    test_images: np.ndarray,
    test_masks: np.ndarray,
    real: tuple[np.ndarray, np.ndarray] | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """Measure every exported file listed in ``export_report`` and the peer; the benchmark record.

    Latency is timed here (``bench.device=local``) or on a phone over adb (``adb``); scores are
    always computed here. ``test_images``/``test_masks``: the test subset export scored on (the
    peer is scored on the same images).
    """
    from tqdm import tqdm

    from .export import evaluate_tflite, exported_name

    if bench_cfg["device"] == "adb":
        from .adb import adb_latency_fn

        latency_fn = adb_latency_fn(bench_cfg)
    else:
        latency_fn = local_latency_fn(bench_cfg)

    exported_dir = Path(exported_dir)
    jobs = [(m, p) for m, rec in export_report["models"].items() for p in rec["exported"]]
    one_core = 1
    models: dict[str, Any] = {}
    for name, precision in tqdm(jobs, desc="benchmark", unit="file", disable=not progress):
        rec = export_report["models"][name]
        path = exported_dir / exported_name(name, precision)
        require(path.is_file(), f"{path}: exported file missing (run the export stage first)")
        latency = latency_fn(path)
        interp, ms_one = _primary(latency, one_core)
        row = {
            "file": path.name,
            "size_mb": round(path.stat().st_size / 1e6, 6),
            "flops": rec["flops"],
            "gflops": round(rec["flops"] / 1e9, 4),
            "params": rec["params"],
            "latency": latency,
            "efficiency_1thread": efficiency(rec["flops"], ms_one, float(bench_cfg["peak_gflops"])),
            "efficiency_interpreter": interp,
            "test": rec["exported"][precision]["test"],
            "test_interpreter": export_report.get("interpreter"),
            "real": None,
        }
        if real is not None:
            row["real"] = evaluate_tflite(path, real[0], real[1], interpreter=_scoring_interpreter(interp))
            predicted = TFLiteModel(path, interpreter=_scoring_interpreter(interp)).predict_batch(real[0])
            row["real"].update(real_scores(predicted, real[1], real[2] if len(real) > 2 else None))
        models.setdefault(name, {})[precision] = row
    peer = benchmark_peer(bench_cfg, latency_fn, test_images=test_images, test_masks=test_masks, real=real)
    for per_precision in models.values():
        for row in per_precision.values():
            row["latency_ratio_to_peer"] = ratios(row["latency"], peer["latency"]) if peer["available"] else None
    return {"device": bench_cfg["device"], "models": models, "peer": peer}


def _scoring_interpreter(name: str | None) -> str:
    """Scores are computed here: with the timed interpreter when it is one of ours."""
    return name if name in INTERPRETERS else "tflite"


def benchmark_peer(
    bench_cfg: dict[str, Any],
    latency_fn: Any,
    *,
    test_images: np.ndarray,
    test_masks: np.ndarray,
    real: tuple[np.ndarray, np.ndarray] | None = None,
) -> dict[str, Any]:
    """MediaPipe's selfie segmenter under the same interpreters and threads ("not available" if absent)."""
    from .export import evaluate_tflite

    path = Path(bench_cfg["peer_model"]) if bench_cfg.get("peer_model") else None
    if path is None or not path.is_file():
        return {"available": False, "note": f"not available ({path} missing; run `footseg fetch-peer`)"}
    latency = latency_fn(path, PEER_INPUT_RANGE)
    runner = TFLiteModel(path, input_range=PEER_INPUT_RANGE)
    size = runner.input_size
    record: dict[str, Any] = {
        "available": True,
        "name": "mediapipe-selfie-segmenter",
        "file": path.name,
        "size_mb": round(path.stat().st_size / 1e6, 6),
        "latency": latency,
        "note": "person segmenter: marks the leg too, so its IoU on feet is for reference only",
        "test": None,
        "real": None,
    }
    interp = _scoring_interpreter(next(iter(latency), None))
    if tuple(test_images.shape[1:3]) == size:
        record["test"] = evaluate_tflite(
            path, test_images, test_masks, interpreter=interp, input_range=PEER_INPUT_RANGE
        )
    if real is not None and tuple(real[0].shape[1:3]) == size:
        record["real"] = evaluate_tflite(path, real[0], real[1], interpreter=interp, input_range=PEER_INPUT_RANGE)
    return record


def segment_grid(
    exported_dir: str | os.PathLike[str],
    model_names: list[str],
    precision: str,
    images: np.ndarray,
    peer_model: str | None = None,
) -> dict[str, np.ndarray]:
    """Masks (N,H,W) of each model (and the peer, if present) on the same images, for Fig 4.1."""
    from .export import exported_name

    out: dict[str, np.ndarray] = {}
    for name in model_names:
        path = Path(exported_dir) / exported_name(name, precision)
        if path.is_file():
            out[name] = TFLiteModel(path, threads="all").predict_batch(images)
    if peer_model and Path(peer_model).is_file():
        runner = TFLiteModel(peer_model, threads="all", input_range=PEER_INPUT_RANGE)
        if tuple(images.shape[1:3]) == runner.input_size:
            out["peer"] = runner.predict_batch(images)
    return out


def summary_line(record: dict[str, Any]) -> str:
    """The stage's one line: files measured and the fastest file at 1 thread."""
    best: tuple[float, str] | None = None
    count = 0
    for name, per_precision in record["models"].items():
        for precision, row in per_precision.items():
            count += 1
            _, ms = _primary(row["latency"], 1)
            if ms is not None and (best is None or ms < best[0]):
                best = (ms, f"{name}.{precision}")
    fastest = f", fastest at 1 thread {best[1]} {best[0]:.2f} ms" if best else ""
    peer = record.get("peer", {})
    peer_txt = ""
    if peer.get("available"):
        _, peer_ms = _primary(peer["latency"], 1)
        if peer_ms is not None:
            peer_txt = f" (peer {peer_ms:.2f} ms)"
    return f"benchmark [{record['device']}]: {count} files{fastest}{peer_txt}"


def require_export_report(path: str | os.PathLike[str]) -> dict[str, Any]:
    """metrics/export.json, checked to hold the models export wrote."""
    from ..io import read_json

    report = read_json(path)
    if not isinstance(report, dict) or not isinstance(report.get("models"), dict) or "eval_seed" not in report:
        raise FootsegError(f"{path}: not an export report (no 'models' mapping); re-run the export stage")
    return report


def benchmark_all(
    *,
    exported_dir: str | os.PathLike[str],
    export_json: str | os.PathLike[str],
    composites_dir: str | os.PathLike[str],
    split_dir: str | os.PathLike[str],
    bench_cfg: dict[str, Any],
    metrics_path: str | os.PathLike[str],
    plots_dir: str | os.PathLike[str],
    progress: bool = True,
) -> dict[str, Any]:
    """The benchmark stage: measure, write metrics/benchmark.json and the segmentation grids (the
    figures that need the models run; footseg.deploy.report draws the rest from the metrics).

    The test subset is export's (its size and seed are in metrics/export.json), so the peer and
    the grid use the test images the exported files were scored on.
    """
    from ..data.loader import load_split
    from ..io import write_json
    from .adb import phone_info
    from .export import sample_indices
    from .figures import plot_real_grid, plot_segmentation_grid

    validate_bench_config(bench_cfg)
    export_report = require_export_report(export_json)
    test_images, test_masks = load_split(composites_dir, split_dir, "test")
    pick = sample_indices(len(test_images), int(export_report["eval_samples"]), int(export_report["eval_seed"]))
    test_images, test_masks = np.asarray(test_images[pick]), np.asarray(test_masks[pick])
    real = None
    real_dir = resolve_real_dir(bench_cfg)
    if real_dir:
        real = (*load_real_set(real_dir, tuple(test_images.shape[1:3])), load_real_names(real_dir))
    record = run_benchmark(
        exported_dir,
        export_report,
        bench_cfg,
        test_images=test_images,
        test_masks=test_masks,
        real=real,
        progress=progress,
    )
    record.update(
        machine=machine_info() if bench_cfg["device"] == "local" else phone_info(bench_cfg["adb"]),
        runs=int(bench_cfg["runs"]),
        warmup=int(bench_cfg["warmup"]),
        max_seconds=bench_cfg.get("max_seconds"),
        peak_gflops=float(bench_cfg["peak_gflops"]),
        eval_samples=int(len(test_images)),
        real_samples=int(len(real[0])) if real is not None else 0,
        real_dir=real_dir,
    )
    write_json(metrics_path, record)
    n = min(int(bench_cfg["grid_images"]), len(test_images))
    if n > 0:
        precision = bench_cfg["grid_precision"]
        grid = segment_grid(
            exported_dir,
            ordered_models(list(record["models"])),
            precision,
            test_images[:n],
            bench_cfg.get("peer_model"),
        )
        plot_segmentation_grid(
            test_images[:n], test_masks[:n], grid, Path(plots_dir) / "segmentation_grid.png", precision
        )
    if real is not None:
        precision = bench_cfg["grid_precision"]
        grid = segment_grid(exported_dir, ordered_models(list(record["models"])), precision, real[0], None)
        plot_real_grid(real[0], real[1], grid, Path(plots_dir) / "real_grid.jpg", precision, real[2])
    return record
