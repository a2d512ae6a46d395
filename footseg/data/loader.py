"""Reading the composited dataset: one split as memory-mapped arrays or as a tf.data pipeline.

The layout (written by composite-feet and split):

    <composites_dir>/images.npy   (N, S, S, 3) uint8
    <composites_dir>/masks.npy    (N, S, S)    uint8, 1 = foot
    <split_dir>/{train,val,test}.txt   one composite index per line, sorted

Nothing here assumes S = 256: the side comes from the arrays (tests use tiny 64 px sets).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from footseg.errors import FootsegError, require

if TYPE_CHECKING:  # TensorFlow is imported lazily: numpy users should not pay its 3 s import
    import tensorflow as tf

SPLITS = ("train", "val", "test")


def open_composites(composites_dir: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """Memory-map images.npy and masks.npy of ``composites_dir`` and check they belong together."""
    composites_dir = Path(composites_dir)
    arrays = []
    for name in ("images.npy", "masks.npy"):
        path = composites_dir / name
        if not path.is_file():
            raise FootsegError(f"{path}: file not found (run the composite-feet stage first)")
        try:
            arrays.append(np.load(path, mmap_mode="r"))
        except (ValueError, OSError) as exc:
            raise FootsegError(f"{path}: not a readable .npy array ({exc})") from None
    images, masks = arrays
    require(
        images.ndim == 4 and images.shape[-1] == 3 and images.dtype == np.uint8,
        f"{composites_dir / 'images.npy'}: expected (N, S, S, 3) uint8, got {images.shape} {images.dtype}",
    )
    require(
        masks.dtype == np.uint8 and masks.shape == images.shape[:3],
        f"{composites_dir / 'masks.npy'}: expected {images.shape[:3]} uint8 to match images.npy, "
        f"got {masks.shape} {masks.dtype}",
    )
    return images, masks


def read_split_indices(split_dir: str | Path, split: str, count: int | None = None) -> np.ndarray:
    """The composite indices of ``split`` (int64, as written), checked against ``count`` composites."""
    require(split in SPLITS, f"unknown split {split!r} (expected one of {', '.join(SPLITS)})")
    path = Path(split_dir) / f"{split}.txt"
    if not path.is_file():
        raise FootsegError(f"{path}: file not found (run the split stage first)")
    try:
        indices = np.array([int(line) for line in path.read_text().split()], dtype=np.int64)
    except ValueError:
        raise FootsegError(f"{path}: expected one integer composite index per line") from None
    require(indices.size > 0, f"{path}: split {split!r} is empty")
    if count is not None:
        bad = indices[(indices < 0) | (indices >= count)]
        require(bad.size == 0, f"{path}: index {bad[:1].tolist()} out of range for {count} composites")
    return indices


def _as_slice(indices: np.ndarray) -> slice | None:
    """The slice equal to ``indices`` when they are one ascending run, else None."""
    start = int(indices[0])
    if np.array_equal(indices, np.arange(start, start + indices.size)):
        return slice(start, start + indices.size)
    return None


def load_split(composites_dir: str | Path, split_dir: str | Path, split: str) -> tuple[np.ndarray, np.ndarray]:
    """(images uint8 (N, S, S, 3), masks uint8 (N, S, S)) of one split.

    Memory-mapped views when the split is one run of indices (composite-feet orders composites by
    pool and split prefers contiguous pools, so the pipeline's own splits are); otherwise the rows
    are gathered from the memory map into memory.
    """
    images, masks = open_composites(composites_dir)
    indices = read_split_indices(split_dir, split, len(images))
    run = _as_slice(indices)
    if run is not None:
        return images[run], masks[run]
    return images[indices], masks[indices]


def make_dataset(
    composites_dir: str | Path,
    split_dir: str | Path,
    split: str,
    batch_size: int,
    *,
    shuffle: bool,
    seed: int,
    repeat: bool,
    drop_remainder: bool = False,
) -> "tf.data.Dataset":
    """Batches of (images float32 [B, S, S, 3] raw 0..255, masks int32 [B, S, S] 0/1), prefetched.

    Only indices travel through tf.data; each batch is gathered from the memory map (sorted reads,
    so the disk sees ascending offsets), so the dataset never holds the split in memory. With
    ``shuffle`` the order is a deterministic function of ``seed`` and changes every epoch.
    """
    import tensorflow as tf

    require(int(batch_size) > 0, f"batch_size must be a positive integer, got {batch_size}")
    images, masks = open_composites(composites_dir)
    indices = read_split_indices(split_dir, split, len(images))
    side = images.shape[1]
    static_batch = int(batch_size) if drop_remainder else None

    def gather(batch_indices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        order = np.argsort(batch_indices, kind="stable")
        rows = batch_indices[order]
        inverse = np.empty_like(order)
        inverse[order] = np.arange(order.size)
        # Fancy indexing a memmap reads only the requested rows; undo the sort to keep the shuffle.
        return np.ascontiguousarray(images[rows][inverse]), np.ascontiguousarray(masks[rows][inverse])

    def load(batch_indices: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        batch_images, batch_masks = tf.numpy_function(gather, [batch_indices], [tf.uint8, tf.uint8], stateful=False)
        batch_images.set_shape([static_batch, side, side, 3])
        batch_masks.set_shape([static_batch, side, side])
        # Casting in the graph keeps the Python side to a memcpy of uint8 rows.
        return tf.cast(batch_images, tf.float32), tf.cast(batch_masks, tf.int32)

    dataset = tf.data.Dataset.from_tensor_slices(indices)
    if shuffle:
        dataset = dataset.shuffle(indices.size, seed=int(seed), reshuffle_each_iteration=True)
    if repeat:
        dataset = dataset.repeat()
    dataset = dataset.batch(int(batch_size), drop_remainder=drop_remainder)
    dataset = dataset.map(load, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    return dataset.prefetch(tf.data.AUTOTUNE)
