"""Keras model -> .tflite at fp32, fp16 and full-integer int8, each checked by running it.

Conversion goes through ``TFLiteConverter.from_keras_model`` (``from_concrete_functions`` silently
writes a broken file with Keras 3, DESIGN.md). The int8 file takes uint8 camera pixels and gives
uint8 logits: one scale for both channels, so argmax on the raw bytes is already the mask.

Quantisation-aware training is not offered: tensorflow-model-optimization 0.8 only wraps tf_keras
(Keras 2) models; its ``quantize_model`` rejects Keras 3 ones ("`to_quantize` can only either be a
keras Sequential or Functional model"; tensorflow/model-optimization issues 1119 and 1270, open).
When int8 loses more than the allowed IoU, the fix offered is recalibration with more
representative images (per-channel weights are the converter's default already); what was done
is written into metrics/export.json.
"""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path
from typing import Any, Iterable

import numpy as np

from ..errors import FootsegError, require, require_choices
from .records import PRECISIONS

INT8_FIXES = ("none", "recalibrate")


def exported_name(model_name: str, precision: str) -> str:
    """File name of one exported model: ``<model>.<precision>.tflite``."""
    return f"{model_name}.{precision}.tflite"


def sample_indices(total: int, count: int, seed: int) -> np.ndarray:
    """``count`` distinct indices of ``total`` (all when count <= 0 or >= total), sorted, seeded."""
    if count <= 0 or count >= total:
        return np.arange(total)
    return np.sort(np.random.default_rng(seed).choice(total, size=count, replace=False))


def convert(model: Any, precision: str, representative: np.ndarray | None = None) -> bytes:
    """Convert a Keras model to .tflite bytes.

    ``representative``: uint8 images (N,S,S,3) from the training split, required for int8
    (the converter calibrates activation ranges on them).
    """
    import tensorflow as tf

    require(precision in PRECISIONS, f"unknown precision {precision!r}; choose from {', '.join(PRECISIONS)}")
    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    if precision == "fp16":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.target_spec.supported_types = [tf.float16]
    elif precision == "int8":
        require(
            representative is not None and len(representative) > 0,
            "int8 export needs representative images from the train split",
        )
        images = np.asarray(representative)

        def dataset() -> Iterable[list[np.ndarray]]:
            for image in images:
                yield [image[None].astype(np.float32)]

        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.representative_dataset = dataset
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        converter.inference_input_type = tf.uint8
        converter.inference_output_type = tf.uint8
    with warnings.catch_warnings():
        # uint8 input without "statistics" is intended: our models normalise inside, scale 1 fits.
        warnings.filterwarnings("ignore", message="Statistics for quantized inputs were expected")
        return bytes(converter.convert())


def rounded(scores: dict[str, float]) -> dict[str, float]:
    """Scores as plain floats rounded to 6 digits, for stable JSON."""
    return {k: round(float(v), 6) for k, v in scores.items()}


def evaluate_tflite(
    path: str | os.PathLike[str],
    images: np.ndarray,
    masks: np.ndarray,
    *,
    interpreter: str = "tflite",
    threads: int | str = "all",
    input_range: float = 255.0,
) -> dict[str, float]:
    """Accuracy / IoU / mIoU of a .tflite file on uint8 images and 0/1 masks at its input size."""
    from ..train.metrics import evaluate_model
    from .interpreter import TFLiteModel

    runner = TFLiteModel(path, interpreter=interpreter, threads=threads, input_range=input_range)
    return rounded(evaluate_model(runner.predict_batch, images, masks))


def export_model(
    model: Any,
    model_name: str,
    out_dir: Path,
    *,
    precisions: list[str],
    representative: np.ndarray,
    test_images: np.ndarray,
    test_masks: np.ndarray,
    max_int8_iou_drop: float,
    int8_fix: str = "none",
    recalibration_images: np.ndarray | None = None,
    interpreter: str = "tflite",
) -> dict[str, Any]:
    """Write ``out_dir/<model_name>.<precision>.tflite`` for each precision and check each one.

    Returns the model's record for metrics/export.json: the Keras model's test scores, and per
    precision the file, its size, its test scores (run by ``interpreter``) and its IoU drop.
    """
    from ..train.metrics import evaluate_model, keras_predict_fn

    keras_scores = rounded(evaluate_model(keras_predict_fn(model), test_images, test_masks))
    # The architecture (the Keras model's name is its registry name): a profile may train the
    # teacher as another architecture, and the report then does not set it beside the thesis' EmilSeg.
    record: dict[str, Any] = {"architecture": model.name, "keras": {"test": keras_scores}, "exported": {}}
    for precision in precisions:
        path = out_dir / exported_name(model_name, precision)
        path.write_bytes(convert(model, precision, representative))
        scores = evaluate_tflite(path, test_images, test_masks, interpreter=interpreter)
        entry: dict[str, Any] = {"file": path.name, "calibration_samples": None}
        if precision == "int8":
            entry["calibration_samples"] = len(representative)
            drop = keras_scores["iou"] - scores["iou"]
            if drop > max_int8_iou_drop and int8_fix == "recalibrate" and recalibration_images is not None:
                # A second calibration on more images; kept only if it really is better.
                retry = path.with_suffix(".retry")
                retry.write_bytes(convert(model, precision, recalibration_images))
                retry_scores = evaluate_tflite(retry, test_images, test_masks, interpreter=interpreter)
                entry["fix"] = {
                    "method": "recalibrate",
                    "calibration_samples": len(recalibration_images),
                    "iou_before": scores["iou"],
                    "iou_after": retry_scores["iou"],
                }
                if retry_scores["iou"] > scores["iou"]:
                    os.replace(retry, path)
                    scores = retry_scores
                    entry["calibration_samples"] = len(recalibration_images)
                else:
                    retry.unlink()
        entry["size_mb"] = round(path.stat().st_size / 1e6, 6)
        entry["test"] = scores
        entry["iou_drop"] = round(keras_scores["iou"] - scores["iou"], 6)
        entry["iou_drop_exceeded"] = bool(precision == "int8" and entry["iou_drop"] > max_int8_iou_drop)
        if entry["iou_drop_exceeded"]:
            print(
                f"WARNING: {path.name} loses {100 * entry['iou_drop']:.2f} IoU points against the Keras "
                f"model (allowed {100 * max_int8_iou_drop:.2f}); see metrics/export.json",
                file=sys.stderr,
                flush=True,
            )
        record["exported"][precision] = entry
    return record


def validate_export_config(cfg: dict[str, Any]) -> None:
    """Check the ``export`` config group; FootsegError naming the key on a bad value."""
    precisions = require_choices(cfg.get("precisions"), PRECISIONS, "export.precisions", "precision")
    require(len(set(precisions)) == len(precisions), f"export.precisions has duplicates: {precisions}")
    for key in ("calibration_samples", "eval_samples", "recalibration_samples", "workers"):
        value = cfg.get(key)
        require(
            isinstance(value, int) and not isinstance(value, bool) and value > 0,
            f"export.{key} must be a positive integer, got {value!r}",
        )
    drop = cfg.get("max_int8_iou_drop")
    require(
        isinstance(drop, (int, float)) and not isinstance(drop, bool) and 0 <= drop <= 1,
        f"export.max_int8_iou_drop must be a number in [0, 1], got {drop!r}",
    )
    require(
        cfg.get("int8_fix") in INT8_FIXES,
        f"export.int8_fix must be one of {', '.join(INT8_FIXES)}, got {cfg.get('int8_fix')!r}",
    )
    require(
        cfg.get("interpreter") in ("tflite", "litert"),
        f"export.interpreter must be tflite or litert, got {cfg.get('interpreter')!r}",
    )
    if cfg.get("qat"):
        raise FootsegError(
            "export.qat: quantisation-aware training needs tensorflow-model-optimization, which does not "
            "support Keras 3 models; use export.int8_fix=recalibrate"
        )


def model_paths(models_dir: str | os.PathLike[str], students: list[str]) -> dict[str, Path]:
    """name -> Keras file: models/teacher.keras and models/students/<name>.keras (train stages' outs)."""
    models_dir = Path(models_dir)
    paths = {"teacher": models_dir / "teacher.keras"}
    paths.update({name: models_dir / "students" / f"{name}.keras" for name in students})
    return paths


def load_keras_model(path: Path) -> Any:
    """Load a saved model; footseg.models registers the custom layers it may contain."""
    import keras

    import footseg.models  # noqa: F401  (registers custom layers for deserialisation)

    require(path.is_file(), f"{path}: model file not found (run the training stages first)")
    from ..io import check_keras_file

    check_keras_file(path)  # a truncated file: one clear line, not Keras' "File not found"
    try:
        return keras.models.load_model(path, compile=False)
    except Exception as exc:  # keras raises many types for a corrupt or foreign file
        raise FootsegError(f"{path}: cannot load Keras model ({type(exc).__name__}: {exc})".splitlines()[0]) from None


def export_all(
    models: dict[str, Path],
    *,
    composites_dir: str | os.PathLike[str],
    split_dir: str | os.PathLike[str],
    exported_dir: str | os.PathLike[str],
    metrics_path: str | os.PathLike[str],
    export_cfg: dict[str, Any],
    seed: int,
    progress: bool = True,
) -> dict[str, Any]:
    """Export every model at every precision into ``exported_dir`` (atomically) and write the check.

    metrics/export.json: per model its FLOPs at the input size, parameters, the Keras model's test
    scores and, per precision, the file's size, test scores and IoU drop; plus the settings used.
    """
    from tqdm import tqdm

    from ..data.loader import load_split
    from ..io import atomic_dir, write_json
    from ..workers import spawn_pool

    validate_export_config(export_cfg)
    for path in models.values():
        require(path.is_file(), f"{path}: model file not found (run the training stages first)")
    train_images, _ = load_split(composites_dir, split_dir, "train")
    test_images, test_masks = load_split(composites_dir, split_dir, "test")
    # Fixed subsets (seeded) keep the run inside the profile's budget and the bytes reproducible.
    calib = np.asarray(train_images[sample_indices(len(train_images), export_cfg["calibration_samples"], seed)])
    recalib = np.asarray(train_images[sample_indices(len(train_images), export_cfg["recalibration_samples"], seed + 1)])
    pick = sample_indices(len(test_images), export_cfg["eval_samples"], seed)
    test_images, test_masks = np.asarray(test_images[pick]), np.asarray(test_masks[pick])

    shared = (export_cfg, calib, recalib, test_images, test_masks)
    workers = min(export_cfg["workers"], len(models))
    with atomic_dir(exported_dir) as out_dir:
        tasks = [(name, path, out_dir, *shared) for name, path in models.items()]
        # The bar closes (ends its line) before an error propagates, so the error is a line of its own.
        with tqdm(total=len(tasks), desc="export", unit="model", disable=not progress) as bar:
            if workers <= 1:
                records = {}
                for task in tasks:
                    records[task[0]] = _export_one(*task)
                    bar.update()
            else:  # one model per process, side by side (the converter runs on one core)
                with spawn_pool(workers) as pool:
                    pending = [pool.apply_async(_export_one, task, callback=lambda _: bar.update()) for task in tasks]
                    records = {task[0]: result.get() for task, result in zip(tasks, pending)}
    report = {
        "models": records,
        "eval_samples": int(len(test_images)),
        "eval_seed": int(seed),  # benchmark picks the same test subset from these two
        "interpreter": export_cfg["interpreter"],
        "max_int8_iou_drop": float(export_cfg["max_int8_iou_drop"]),
        "int8_over_limit": sorted(
            n for n, r in records.items() if r["exported"].get("int8", {}).get("iou_drop_exceeded")
        ),
    }
    write_json(metrics_path, report)
    return report


def _export_one(
    name: str,
    path: Path,
    out_dir: Path,
    export_cfg: dict[str, Any],
    calib: np.ndarray,
    recalib: np.ndarray,
    test_images: np.ndarray,
    test_masks: np.ndarray,
) -> dict[str, Any]:
    """One model's files and its record for metrics/export.json."""
    from ..models import count_params, flops

    model = load_keras_model(path)
    record = export_model(
        model,
        name,
        out_dir,
        precisions=list(export_cfg["precisions"]),
        representative=calib,
        test_images=test_images,
        test_masks=test_masks,
        max_int8_iou_drop=float(export_cfg["max_int8_iou_drop"]),
        int8_fix=export_cfg["int8_fix"],
        recalibration_images=recalib,
        interpreter=export_cfg["interpreter"],
    )
    record["flops"] = int(flops(model))
    record["params"] = int(count_params(model))
    record["input_size"] = int(model.input_shape[1])
    return record


def summary_line(report: dict[str, Any], exported_dir: str | os.PathLike[str]) -> str:
    """The stage's one-line summary: files written and the worst int8 IoU drop."""
    models = report["models"]
    files = sum(len(r["exported"]) for r in models.values())
    drops = [r["exported"]["int8"]["iou_drop"] for r in models.values() if "int8" in r["exported"]]
    worst = f", worst int8 IoU drop {100 * max(drops):.2f} pts" if drops else ""
    over = report["int8_over_limit"]
    flag = f", OVER LIMIT: {', '.join(over)}" if over else ""
    return f"export: {len(models)} models -> {files} .tflite files in {exported_dir}{worst}{flag}"
