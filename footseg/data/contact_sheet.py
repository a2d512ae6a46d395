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


def contact_sheet(images: np.ndarray, masks: np.ndarray, indices: list[int], columns: int = 8,
                  gap: int = 3, labels: bool = True) -> np.ndarray:
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
        sheet[y:y + size, x:x + size] = tile
    return sheet


def write_contact_sheet(path: str | Path, images: np.ndarray, masks: np.ndarray, cells: int = 48,
                        columns: int = 8) -> Path:
    """Write the PNG for ``cells`` evenly spread composites (atomically); return its path."""
    path = Path(path)
    sheet = contact_sheet(images, masks, pick_indices(len(images), cells), columns=min(columns, max(1, len(images))))
    ok, encoded = cv2.imencode(".png", cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR))
    if not ok:
        raise FootsegError(f"{path}: PNG encoding failed")
    with atomic_file(path) as tmp:
        tmp.write_bytes(encoded.tobytes())
    return path
