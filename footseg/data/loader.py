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

    from .train_augment import AugmentSpec

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


def make_training_dataset(
    composites_dir: str | Path,
    split_dir: str | Path,
    *,
    batch_size: int,
    size: int,
    seed: int,
    augment: "AugmentSpec | None" = None,
    teacher_logits: str | Path | None = None,
) -> "tf.data.Dataset":
    """Endless shuffled training batches at ``size`` px, augmented on the fly (footseg.data.train_augment).

    Yields (images float32 [B, size, size, 3] 0..255, masks int32 [B, size, size]) or, with
    ``teacher_logits`` (a .npy of the teacher's foot-minus-background logits per training image, in
    ascending index order: footseg.train.teacher_logits), ((images, teacher logits float32
    [B, size, size, 2]), masks) with the logits warped exactly as the mask. Deterministic for a seed.
    """
    import tensorflow as tf

    from .train_augment import AugmentSpec, augment_batch

    spec = augment if augment is not None else AugmentSpec()
    images, masks = open_composites(composites_dir)
    indices = np.sort(read_split_indices(split_dir, "train", len(images)))
    cache = None
    if teacher_logits is not None:
        cache = np.load(teacher_logits, mmap_mode="r")
        require(
            cache.shape == (len(indices),) + images.shape[1:3],
            f"{teacher_logits}: cached logits {cache.shape} do not match the {len(indices)} training images",
        )
    side, batch_size = images.shape[1], int(batch_size)

    def gather(positions: np.ndarray):
        positions = np.sort(positions)  # ascending memmap reads; order within a batch is irrelevant
        rows = indices[positions]
        out = [np.asarray(images[rows]), np.asarray(masks[rows])]
        if cache is not None:
            out.append(np.asarray(cache[positions]))
        return out

    types = [tf.uint8, tf.uint8] + ([tf.float16] if cache is not None else [])

    def load(number: tf.Tensor, positions: tf.Tensor):
        arrays = tf.numpy_function(gather, [positions], types, stateful=False)
        arrays[0].set_shape([batch_size, side, side, 3])
        arrays[1].set_shape([batch_size, side, side])
        logits = None
        if cache is not None:
            logits = tf.reshape(arrays[2], [batch_size, side, side])
        batch_images, batch_masks, logits = augment_batch(
            arrays[0], arrays[1], logits, spec=spec, size=int(size), seed=int(seed), batch_number=number
        )
        batch_images.set_shape([batch_size, size, size, 3])  # the resample's shape is dynamic
        batch_masks.set_shape([batch_size, size, size])
        if logits is None:
            return batch_images, batch_masks
        logits.set_shape([batch_size, size, size])
        return (batch_images, tf.stack([tf.zeros_like(logits), logits], axis=-1)), batch_masks

    dataset = tf.data.Dataset.range(len(indices))
    dataset = dataset.shuffle(len(indices), seed=int(seed), reshuffle_each_iteration=True).repeat()
    dataset = dataset.batch(batch_size, drop_remainder=True).enumerate()
    dataset = dataset.map(load, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    return dataset.prefetch(tf.data.AUTOTUNE)
