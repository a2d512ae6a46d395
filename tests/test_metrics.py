"""footseg.train.metrics: confusion counts and scores against hand-computed values."""

from __future__ import annotations

import numpy as np
import pytest

from footseg.train.metrics import (
    confusion_counts,
    evaluate_model,
    scores_from_confusion,
    to_labels,
)
from tiny_data import load_tiny_split, make_tiny_dataset


def test_confusion_counts_by_hand():
    true = np.array([[[0, 0, 1, 1], [0, 1, 1, 0]]])
    pred = np.array([[[0, 1, 1, 0], [0, 1, 1, 1]]])
    # true 0 -> pred 0: 2, true 0 -> pred 1: 2, true 1 -> pred 0: 1, true 1 -> pred 1: 3
    np.testing.assert_array_equal(confusion_counts(true, pred), [[2, 2], [1, 3]])


def test_scores_by_hand():
    cm = np.array([[2, 2], [1, 3]])
    scores = scores_from_confusion(cm)
    assert scores["accuracy"] == pytest.approx(5 / 8)
    assert scores["iou"] == pytest.approx(3 / (3 + 2 + 1))  # foot: TP / (TP + FP + FN)
    assert scores["miou"] == pytest.approx((2 / 5 + 3 / 6) / 2)


def test_logits_are_argmaxed_and_counts_accumulate():
    masks = np.array([[[0, 1], [1, 1]]], dtype=np.uint8)
    logits = np.zeros((1, 2, 2, 2), dtype=np.float32)
    logits[..., 1] = [[[-1.0, 2.0], [3.0, -4.0]]]  # foot where positive
    assert to_labels(logits).tolist() == [[[0, 1], [1, 0]]]
    cm = confusion_counts(masks, logits) + confusion_counts(masks, logits)
    np.testing.assert_array_equal(cm, [[2, 0], [2, 4]])


def test_perfect_and_empty_foot():
    masks = np.zeros((2, 3, 3), dtype=np.uint8)
    scores = scores_from_confusion(confusion_counts(masks, masks))
    assert scores == {"accuracy": 1.0, "iou": 1.0, "miou": 1.0}
    wrong = scores_from_confusion(confusion_counts(masks, 1 - masks))
    assert wrong["accuracy"] == 0.0 and wrong["iou"] == 0.0


def test_shape_mismatch_and_bad_mask_values_raise():
    with pytest.raises(ValueError):
        confusion_counts(np.zeros((1, 2, 2)), np.zeros((1, 3, 3)))
    with pytest.raises(ValueError):
        confusion_counts(np.full((1, 2, 2), 3), np.zeros((1, 2, 2)))


def test_evaluate_model_batches_equal_one_pass(tmp_path):
    composites, split = make_tiny_dataset(tmp_path, n=10, size=16, seed=1)
    images, masks = load_tiny_split(composites, split, "train")

    def threshold(batch: np.ndarray) -> np.ndarray:  # a "model": bright pixels are foot
        return (batch.astype(np.float32).mean(axis=-1) > 140).astype(np.int64)

    whole = scores_from_confusion(confusion_counts(masks, threshold(images)))
    assert evaluate_model(threshold, images, masks, batch_size=4) == whole
    assert evaluate_model(threshold, images, masks, batch_size=1) == whole
    assert whole["iou"] > 0.9  # the tiny data is learnable: even a threshold finds the feet


def test_tiny_dataset_is_deterministic_and_in_format(tmp_path):
    a, sa = make_tiny_dataset(tmp_path / "a", n=6, size=16, seed=3)
    b, _ = make_tiny_dataset(tmp_path / "b", n=6, size=16, seed=3)
    assert (a / "images.npy").read_bytes() == (b / "images.npy").read_bytes()
    images, masks = np.load(a / "images.npy"), np.load(a / "masks.npy")
    assert images.shape == (6, 16, 16, 3) and images.dtype == np.uint8
    assert masks.shape == (6, 16, 16) and set(np.unique(masks)) <= {0, 1}
    indices = sorted(int(x) for name in ("train", "val", "test") for x in (sa / f"{name}.txt").read_text().split())
    assert indices == list(range(6))
