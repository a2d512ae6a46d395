"""A contact sheet of data/floors: thumbnails with their floor_id and kind, to judge realism at a glance."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from ...io import atomic_file
from .manifest import read_manifest


def floors_sheet(floors_dir: str | Path, cells: int = 48, thumb: int = 160, columns: int = 8) -> np.ndarray:
    """(H, W, 3) uint8 grid of up to ``cells`` floors spread evenly over the manifest, labelled."""
    floors_dir = Path(floors_dir)
    entries = read_manifest(floors_dir)
    picks = np.unique(np.linspace(0, len(entries) - 1, min(cells, len(entries))).round().astype(int)) if entries else []
    rows = max(1, -(-len(picks) // columns))
    gap = 3
    sheet = np.full((rows * (thumb + gap) + gap, columns * (thumb + gap) + gap, 3), 24, np.uint8)
    for cell, index in enumerate(picks):
        entry = entries[index]
        with Image.open(floors_dir / entry["file"]) as im:
            tile = np.asarray(im.convert("RGB").resize((thumb, thumb), Image.Resampling.LANCZOS)).copy()
        label = f"{entry['floor_id']} {entry['kind'] or ''}".strip()
        # White text on a dark strip: readable on light and dark floors alike.
        tile[thumb - 15 :] = (tile[thumb - 15 :] * 0.35).astype(np.uint8)
        cv2.putText(tile, label, (4, thumb - 4), cv2.FONT_HERSHEY_SIMPLEX, 0.38, (255, 255, 255), 1, cv2.LINE_AA)
        y, x = gap + (cell // columns) * (thumb + gap), gap + (cell % columns) * (thumb + gap)
        sheet[y : y + thumb, x : x + thumb] = tile
    return sheet


def write_floors_sheet(path: str | Path, floors_dir: str | Path, cells: int = 48) -> None:
    """Write the contact sheet of ``floors_dir`` as a PNG, atomically."""
    sheet = floors_sheet(floors_dir, cells=cells)
    with atomic_file(path) as tmp:
        Image.fromarray(sheet).save(tmp, format="PNG")
