"""Cached teacher logits for distillation: the teacher runs once per training composite instead of
once per training step (a student sees each composite many times; the on-the-fly augmentation
warps the cached logits exactly as the mask: footseg.data.loader.make_training_dataset).

For two classes softmax(t / T) depends only on d = t_foot - t_background, so the cache holds d as
float16, (N_train, S, S), in ascending training-index order; a batch gets logits (0, d) back.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np


def cache_teacher_logits(
    teacher: Any, composites: str | Path, split: str | Path, path: str | Path, batch: int = 16, progress: bool = True
) -> Path:
    """Run ``teacher`` over the training split once and save d = foot - background logits to ``path``."""
    from ..data.loader import open_composites, read_split_indices
    from .metrics import keras_predict_fn

    images, _ = open_composites(composites)
    indices = np.sort(read_split_indices(split, "train", len(images)))  # ascending memmap reads
    path = Path(path)
    cache = np.lib.format.open_memmap(path, mode="w+", dtype=np.float16, shape=(len(indices),) + images.shape[1:3])
    predict = keras_predict_fn(teacher)
    starts = range(0, len(indices), batch)
    if progress:
        from tqdm import tqdm

        starts = tqdm(starts, desc="teacher logits", unit="batch", leave=False)
    for start in starts:
        logits = predict(np.asarray(images[indices[start : start + batch]]))
        cache[start : start + len(logits)] = (logits[..., 1] - logits[..., 0]).astype(np.float16)
    cache.flush()
    del cache
    return path
