"""Segmentation scores from a confusion matrix: one implementation for Keras and .tflite outputs.

Everything here is numpy, so a Keras model, a TFLite interpreter or any other predictor is scored
by exactly the same code: accumulate ``confusion_counts`` over batches, then
``scores_from_confusion``. Class 1 is the foot, class 0 the background.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

NUM_CLASSES = 2
FOOT = 1


def to_labels(output: np.ndarray, mask_ndim: int = 3) -> np.ndarray:
    """Per-pixel class labels from a model output: logits/probabilities (..., 2) or labels.

    ``mask_ndim`` is the rank of the matching masks (3 for a batch (B, H, W)); an output with one
    more axis is taken as per-class scores and arg-maxed, a trailing axis of 1 is squeezed.
    """
    output = np.asarray(output)
    if output.ndim == mask_ndim + 1:
        if output.shape[-1] == 1:
            return output[..., 0].astype(np.int64)
        return np.argmax(output, axis=-1)
    return output.astype(np.int64)


def confusion_counts(masks_true: np.ndarray, labels_pred: np.ndarray) -> np.ndarray:
    """The (2, 2) pixel confusion matrix, rows = true class, columns = predicted class (int64).

    Sums add up over batches: ``cm = sum(confusion_counts(m, p) for m, p in batches)``.
    ``labels_pred`` may also be logits (..., 2); they are arg-maxed.
    """
    masks_true = np.asarray(masks_true)
    labels_pred = to_labels(labels_pred, masks_true.ndim)
    if masks_true.shape != labels_pred.shape:
        raise ValueError(f"masks {masks_true.shape} and predictions {labels_pred.shape} differ in shape")
    true = masks_true.reshape(-1).astype(np.int64)
    pred = labels_pred.reshape(-1).astype(np.int64)
    if true.size and (true.min() < 0 or true.max() >= NUM_CLASSES):
        raise ValueError(f"mask values must be 0 or 1, got range {true.min()}..{true.max()}")
    # bincount of true*2+pred is one pass over the pixels, far cheaper than four boolean masks.
    flat = np.bincount(true * NUM_CLASSES + np.clip(pred, 0, NUM_CLASSES - 1), minlength=NUM_CLASSES**2)
    return flat.reshape(NUM_CLASSES, NUM_CLASSES).astype(np.int64)


def class_ious(cm: np.ndarray) -> np.ndarray:
    """IoU per class from a confusion matrix; a class absent from truth and prediction scores 1.0
    (there was nothing to get wrong), so an all-background image does not poison the mean."""
    cm = np.asarray(cm, dtype=np.float64)
    intersection = np.diag(cm)
    union = cm.sum(axis=0) + cm.sum(axis=1) - intersection
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(union > 0, intersection / np.maximum(union, 1), 1.0)


def scores_from_confusion(cm: np.ndarray) -> dict[str, float]:
    """{"accuracy": pixel accuracy, "iou": foot-class IoU, "miou": mean IoU over both classes}."""
    cm = np.asarray(cm, dtype=np.float64)
    total = cm.sum()
    ious = class_ious(cm)
    return {
        "accuracy": float(np.trace(cm) / total) if total else 1.0,
        "iou": float(ious[FOOT]),
        "miou": float(ious.mean()),
    }


def evaluate_model(
    predict_fn: Callable[[np.ndarray], np.ndarray],
    images: np.ndarray,
    masks: np.ndarray,
    batch_size: int = 16,
    progress: bool = False,
    desc: str = "evaluate",
) -> dict[str, float]:
    """Score ``predict_fn`` on (images, masks), batch by batch (memmaps are read lazily).

    ``predict_fn`` maps an image batch (as stored, uint8) to logits (B, H, W, 2) or labels (B, H, W);
    the caller casts if its model wants float input.
    """
    if len(images) != len(masks):
        raise ValueError(f"{len(images)} images but {len(masks)} masks")
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    cm = np.zeros((NUM_CLASSES, NUM_CLASSES), dtype=np.int64)
    starts = range(0, len(images), batch_size)
    if progress:
        from tqdm import tqdm

        starts = tqdm(starts, desc=desc, unit="batch", leave=False)
    for start in starts:
        batch_masks = np.asarray(masks[start : start + batch_size])
        output = np.asarray(predict_fn(np.asarray(images[start : start + batch_size])))
        cm += confusion_counts(batch_masks, output)
    return scores_from_confusion(cm)


def keras_predict_fn(model) -> Callable[[np.ndarray], np.ndarray]:
    """A ``predict_fn`` for a Keras model taking raw float32 pixels. Keras' compiled predict
    function (traced once per batch shape), not an eager call: eager runs each layer from Python,
    which took 1.1x (linknet) to 2.3x (nanoseg) the time of the compiled graph at 256 px, batch 16
    (scripts/bench_score.py)."""

    def predict(batch: np.ndarray) -> np.ndarray:
        return np.asarray(model.predict_on_batch(batch.astype(np.float32)))

    return predict
