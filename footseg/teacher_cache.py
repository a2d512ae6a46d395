"""Cached teacher logits for distillation: the teacher runs once per training image instead of once
per training step.

For two classes softmax(t / T) depends only on d = t_foot - t_background, so the cache holds d as
float16, (N_train, S, S), in the training split's order; a batch gets logits (0, d) back. Whether
caching pays depends on how many images a run sees against the split's size (README: measured).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np


def cache_teacher_logits(teacher: Any, composites: str | Path, split: str | Path, path: str | Path,
                         batch: int = 16, progress: bool = True) -> Path:
    """Run ``teacher`` over the training split once and save d = foot - background logits to ``path``."""
    from .data.loader import open_composites, read_split_indices
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


def cached_distillation_dataset(composites: str | Path, split: str | Path, cache_path: str | Path,
                                batch_size: int, seed: int) -> Any:
    """Shuffled, repeating ((images float32, teacher logits float32 (B, S, S, 2)), masks int32) batches."""
    import tensorflow as tf

    from .data.loader import open_composites, read_split_indices

    images, masks = open_composites(composites)
    indices = np.sort(read_split_indices(split, "train", len(images)))
    cache = np.load(cache_path, mmap_mode="r")
    if len(cache) != len(indices):
        raise ValueError(f"{cache_path}: {len(cache)} cached logits for {len(indices)} training images")
    side = images.shape[1]

    def gather(positions: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        positions = np.sort(positions)  # ascending memmap reads; the batch order within is irrelevant
        rows = indices[positions]
        return np.asarray(images[rows]), np.asarray(masks[rows]), np.asarray(cache[positions])

    def load(positions: tf.Tensor) -> tuple[tuple[tf.Tensor, tf.Tensor], tf.Tensor]:
        batch_images, batch_masks, diff = tf.numpy_function(gather, [positions], [tf.uint8, tf.uint8, tf.float16],
                                                            stateful=False)
        batch_images.set_shape([batch_size, side, side, 3])
        batch_masks.set_shape([batch_size, side, side])
        diff = tf.cast(tf.reshape(diff, [batch_size, side, side, 1]), tf.float32)
        teacher_logits = tf.concat([tf.zeros_like(diff), diff], axis=-1)
        return (tf.cast(batch_images, tf.float32), teacher_logits), tf.cast(batch_masks, tf.int32)

    dataset = tf.data.Dataset.range(len(indices))
    dataset = dataset.shuffle(len(indices), seed=int(seed), reshuffle_each_iteration=True).repeat()
    dataset = dataset.batch(int(batch_size), drop_remainder=True)
    return dataset.map(load, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True).prefetch(tf.data.AUTOTUNE)
