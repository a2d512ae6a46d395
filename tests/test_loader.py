"""footseg.data.loader: load_split (memory-mapped) and make_dataset (tf.data) on tiny 64 px sets."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from footseg.data.loader import load_split, make_dataset
from footseg.errors import FootsegError
from tiny_data import load_tiny_split, make_tiny_dataset


@pytest.fixture
def tiny(tmp_path: Path) -> tuple[Path, Path]:
    return make_tiny_dataset(tmp_path, n=20, size=64, seed=3)


def test_load_split_matches_the_files(tiny):
    composites, split = tiny
    for name in ("train", "val", "test"):
        images, masks = load_split(composites, split, name)
        want_images, want_masks = load_tiny_split(composites, split, name)
        assert images.dtype == np.uint8 and masks.dtype == np.uint8
        assert images.shape[1:] == (64, 64, 3) and masks.shape[1:] == (64, 64)
        np.testing.assert_array_equal(images, want_images)
        np.testing.assert_array_equal(masks, want_masks)


def test_contiguous_split_is_a_memory_map(tiny):
    composites, split = tiny
    (split / "val.txt").write_text("".join(f"{i}\n" for i in range(5, 12)))
    images, masks = load_split(composites, split, "val")
    assert isinstance(images.base, np.memmap) or isinstance(images, np.memmap)
    assert len(images) == len(masks) == 7
    np.testing.assert_array_equal(images, np.load(composites / "images.npy")[5:12])


def test_dataset_batches_types_and_content(tiny):
    composites, split = tiny
    want_images, want_masks = load_tiny_split(composites, split, "train")
    dataset = make_dataset(composites, split, "train", 5, shuffle=False, seed=0, repeat=False)
    batches = list(dataset.as_numpy_iterator())
    assert [len(b[0]) for b in batches] == [5, 5, 2]
    images = np.concatenate([b[0] for b in batches])
    masks = np.concatenate([b[1] for b in batches])
    assert images.dtype == np.float32 and masks.dtype == np.int32
    np.testing.assert_array_equal(images, want_images.astype(np.float32))
    np.testing.assert_array_equal(masks, want_masks.astype(np.int32))


def test_dataset_shuffle_is_seeded_repeats_and_keeps_pairs(tiny):
    composites, split = tiny
    want_images, want_masks = load_tiny_split(composites, split, "train")

    def first_batches(seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
        dataset = make_dataset(composites, split, "train", 4, shuffle=True, seed=seed, repeat=True, drop_remainder=True)
        assert dataset.element_spec[0].shape.as_list() == [4, 64, 64, 3]
        return [b for b, _ in zip(dataset.as_numpy_iterator(), range(8))]  # 8 x 4 > 12 rows: repeats

    a, b, c = first_batches(1), first_batches(1), first_batches(2)
    assert all(np.array_equal(x[0], y[0]) for x, y in zip(a, b))
    assert not all(np.array_equal(x[0], y[0]) for x, y in zip(a, c))
    # Every image arrives with its own mask.
    lookup = {want_images[i].tobytes(): want_masks[i] for i in range(len(want_images))}
    for images, masks in a:
        for image, mask in zip(images, masks):
            np.testing.assert_array_equal(lookup[image.astype(np.uint8).tobytes()], mask)


def test_errors_are_one_line(tiny, tmp_path: Path):
    composites, split = tiny
    with pytest.raises(FootsegError, match="unknown split 'valid'"):
        load_split(composites, split, "valid")
    with pytest.raises(FootsegError, match="images.npy: file not found"):
        load_split(tmp_path / "nowhere", split, "train")
    (split / "test.txt").write_text("0\n999\n")
    with pytest.raises(FootsegError, match="test.txt: index .* out of range"):
        make_dataset(composites, split, "test", 2, shuffle=False, seed=0, repeat=False)
    (composites / "masks.npy").write_bytes(b"not an array")
    with pytest.raises(FootsegError, match="masks.npy"):
        load_split(composites, split, "train")
