"""A contact sheet: a grid of composites with their foot masks outlined, to judge realism at a glance."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from footseg.errors import FootsegError
from footseg.io import atomic_file

OUTLINE_RGB = (0, 255, 64)  # bright green: visible on wood, tile, carpet and skin alike


def pick_indices(count: int, cells: int) -> list[int]:
    """Up to ``cells`` indices spread evenly over ``count`` composites (they are ordered by pool)."""
    if count <= cells:
        return list(range(count))
    return np.linspace(0, count - 1, cells).round().astype(int).tolist()


def outline(image: np.ndarray, mask: np.ndarray, color: tuple[int, int, int] = OUTLINE_RGB) -> np.ndarray:
    """A copy of ``image`` with the mask's boundary (1 px inside the foot) drawn in ``color``."""
    out = image.copy()
    edge = (mask > 0) & (cv2.erode(mask.astype(np.uint8), np.ones((3, 3), np.uint8)) == 0)
    out[edge] = color
    return out


def contact_sheet(
    images: np.ndarray, masks: np.ndarray, indices: list[int], columns: int = 8, gap: int = 3, labels: bool = True
) -> np.ndarray:
    """(H, W, 3) uint8 grid of ``images[indices]`` with mask outlines and small index labels."""
    size = images.shape[1]
    rows = max(1, -(-len(indices) // columns))
    sheet = np.full((rows * (size + gap) + gap, columns * (size + gap) + gap, 3), 24, np.uint8)
    for cell, index in enumerate(indices):
        y = gap + (cell // columns) * (size + gap)
        x = gap + (cell % columns) * (size + gap)
        tile = outline(np.asarray(images[index]), np.asarray(masks[index]))
        if labels:
            cv2.putText(tile, str(index), (4, 14), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (255, 255, 255), 1, cv2.LINE_AA)
        sheet[y : y + size, x : x + size] = tile
    return sheet


def write_contact_sheet(
    path: str | Path, images: np.ndarray, masks: np.ndarray, cells: int = 48, columns: int = 8
) -> Path:
    """Write the PNG for ``cells`` evenly spread composites (atomically); return its path."""
    path = Path(path)
    sheet = contact_sheet(images, masks, pick_indices(len(images), cells), columns=min(columns, max(1, len(images))))
    ok, encoded = cv2.imencode(".png", cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR))
    if not ok:
        raise FootsegError(f"{path}: PNG encoding failed")
    with atomic_file(path) as tmp:
        tmp.write_bytes(encoded.tobytes())
    return path


def realism_sheet(
    images: np.ndarray,
    masks: np.ndarray,
    real_images: np.ndarray,
    real_masks: np.ndarray,
    columns: int = 8,
    rows: int = 3,
    frame: tuple[int, int] = (168, 224),
    gap: int = 3,
    seed: int = 0,
) -> np.ndarray:
    """Rows of composites alternating with rows of real photos, every tile un-squashed back to a
    3:4 frame (``frame`` = width, height) with its mask outlined: is a composite told apart?"""
    w, h = frame
    rng = np.random.default_rng(seed)
    synth = rng.choice(len(images), size=min(len(images), columns * rows), replace=False)
    real = rng.choice(len(real_images), size=min(len(real_images), columns * rows), replace=False)
    sheet = np.full((2 * rows * (h + gap) + gap, columns * (w + gap) + gap, 3), 24, np.uint8)
    for r in range(2 * rows):
        source = (images, masks) if r % 2 == 0 else (real_images, real_masks)
        picks = synth if r % 2 == 0 else real
        for c in range(columns):
            k = (r // 2) * columns + c
            if k >= len(picks):
                continue
            image, mask = source
            tile = cv2.resize(np.asarray(image[picks[k]]), (w, h), interpolation=cv2.INTER_AREA)
            m = cv2.resize(np.asarray(mask[picks[k]]).astype(np.uint8), (w, h), interpolation=cv2.INTER_NEAREST)
            tile = outline(tile, m)
            cv2.putText(
                tile, picks_label(picks, k, r), (4, 14), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (255, 255, 255), 1, cv2.LINE_AA
            )
            y, x = gap + r * (h + gap), gap + c * (w + gap)
            sheet[y : y + h, x : x + w] = tile
    return sheet


def picks_label(picks: np.ndarray, k: int, row: int) -> str:
    return f"{'syn' if row % 2 == 0 else 'real'} {int(picks[k])}"


def write_png(path: str | Path, rgb: np.ndarray) -> Path:
    """Write an RGB array as PNG atomically; return the path."""
    path = Path(path)
    ok, encoded = cv2.imencode(".png", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    if not ok:
        raise FootsegError(f"{path}: PNG encoding failed")
    with atomic_file(path) as tmp:
        tmp.write_bytes(encoded.tobytes())
    return path
