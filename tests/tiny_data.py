"""A tiny learnable dataset in the composite-feet + split format, for tests that train or score.

    composites/images.npy (N, S, S, 3) uint8, masks.npy (N, S, S) uint8 0/1, manifest.json
    split/{train,val,test}.txt   one composite index per line

Each image is a textured dark "floor" with one or two bright skin-toned ellipses ("feet"); the mask
is the ellipses. A small conv net separates them within a few dozen steps.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

SPLIT_FRACTIONS = {"train": 0.6, "val": 0.2, "test": 0.2}


def _image_and_mask(rng: np.random.Generator, size: int) -> tuple[np.ndarray, np.ndarray]:
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    # Floor: a random base colour, a stripe texture and pixel noise, kept below the feet's brightness.
    base = rng.uniform(20, 90, size=3)
    stripes = 15 * np.sin(xx * rng.uniform(0.2, 0.8) + yy * rng.uniform(0.0, 0.5))[..., None]
    noise = rng.normal(0, 8, size=(size, size, 3))
    image = base + stripes + noise
    mask = np.zeros((size, size), dtype=bool)
    for _ in range(int(rng.integers(1, 3))):
        cy, cx = rng.uniform(0.25, 0.75, size=2) * size
        ry, rx = rng.uniform(0.12, 0.3, size=2) * size
        angle = rng.uniform(0, np.pi)
        dy, dx = yy - cy, xx - cx
        u = dx * np.cos(angle) + dy * np.sin(angle)
        v = -dx * np.sin(angle) + dy * np.cos(angle)
        mask |= (u / rx) ** 2 + (v / ry) ** 2 <= 1.0
    skin = np.array([225, 180, 150]) + rng.normal(0, 10, size=3)
    image[mask] = skin + rng.normal(0, 6, size=(int(mask.sum()), 3))
    return np.clip(image, 0, 255).astype(np.uint8), mask.astype(np.uint8)


def make_tiny_dataset(root: str | Path, n: int = 20, size: int = 64, seed: int = 0) -> tuple[Path, Path]:
    """Write ``n`` composites of ``size`` px and a 60/20/20 split under ``root``.

    Returns (composites_dir, split_dir) = (root/"composites", root/"split"). Same seed, same bytes.
    """
    if n < 3:
        raise ValueError(f"need n >= 3 to fill three splits, got {n}")
    root = Path(root)
    composites, split = root / "composites", root / "split"
    composites.mkdir(parents=True, exist_ok=True)
    split.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    pairs = [_image_and_mask(rng, size) for _ in range(n)]
    np.save(composites / "images.npy", np.stack([p[0] for p in pairs]))
    np.save(composites / "masks.npy", np.stack([p[1] for p in pairs]))
    manifest = {
        "composites": [
            {
                "index": i,
                "foot_ids": [f"tiny-foot-{i}"],
                "person_id": f"tiny-person-{i}",
                "floor_id": f"tiny-floor-{i}",
                "view": "tiny",
                "pool": 0,
                "augment": {},
            }
            for i in range(n)
        ]
    }
    (composites / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    n_val = max(1, round(n * SPLIT_FRACTIONS["val"]))
    n_test = max(1, round(n * SPLIT_FRACTIONS["test"]))
    n_train = n - n_val - n_test
    order = rng.permutation(n)
    parts = {
        "train": order[:n_train],
        "val": order[n_train : n_train + n_val],
        "test": order[n_train + n_val :],
    }
    for name, indices in parts.items():
        (split / f"{name}.txt").write_text("".join(f"{int(i)}\n" for i in sorted(indices)))
    return composites, split


def load_tiny_split(composites: Path, split: Path, name: str) -> tuple[np.ndarray, np.ndarray]:
    """(images, masks) of one split, read directly (tests that must not depend on the loader)."""
    indices = np.loadtxt(split / f"{name}.txt", dtype=np.int64, ndmin=1)
    images = np.load(composites / "images.npy")
    masks = np.load(composites / "masks.npy")
    return images[indices], masks[indices]
