"""The figures drawn from model predictions, by the benchmark stage where the models run:
plots/segmentation_grid.png (Fig 4.1's layout) and plots/real_grid.jpg (the real photos)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np


def plot_segmentation_grid(
    images: np.ndarray,
    masks: np.ndarray,
    predictions: dict[str, np.ndarray],
    png: str | os.PathLike[str],
    precision: str,
) -> None:
    """Fig 4.1-style grid: one row per test image; columns image, ground truth, then each model."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..io import atomic_file

    columns = ["image", "ground truth", *predictions]
    rows = len(images)
    fig, axes = plt.subplots(rows, len(columns), figsize=(1.6 * len(columns), 1.6 * rows + 0.3), dpi=110, squeeze=False)
    for r in range(rows):
        panels = [images[r], masks[r], *(predictions[name][r] for name in predictions)]
        for c, panel in enumerate(panels):
            ax = axes[r][c]
            if c == 0:
                ax.imshow(panel)
            else:
                ax.imshow(panel, cmap="gray", vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
            if r == 0:
                title = columns[c] if c < 2 else f"{columns[c]}\n{precision}" if columns[c] != "peer" else "mediapipe"
                ax.set_title(title, fontsize=7)
    fig.tight_layout()
    with atomic_file(png) as tmp:
        fig.savefig(tmp, format="png")
    plt.close(fig)


def plot_real_grid(
    images: np.ndarray,
    masks: np.ndarray,
    predictions: dict[str, np.ndarray],
    png: str | os.PathLike[str],
    precision: str,
    names: list[str] | None = None,
    frame: tuple[int, int] = (96, 128),
) -> None:
    """plots/real_grid.jpg: one column per real photo (shown at its 3:4 frame shape), a top row of
    the photos with the true outline (green), then one row per model: its predicted foot tinted
    red, the true outline over it."""
    import cv2

    from ..io import atomic_file

    w, h = frame
    label_w = 90
    rows = [("truth", None), *predictions.items()]
    sheet = np.full((len(rows) * h, label_w + len(images) * w, 3), 255, np.uint8)
    for c, (image, mask) in enumerate(zip(images, masks)):
        photo = cv2.resize(image, (w, h), interpolation=cv2.INTER_AREA)
        true = cv2.resize(mask.astype(np.uint8), (w, h), interpolation=cv2.INTER_NEAREST)
        outline, _ = cv2.findContours(true, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
        for r, (_, pred) in enumerate(rows):
            tile = photo.copy()
            if pred is not None:
                p = cv2.resize(pred[c].astype(np.uint8), (w, h), interpolation=cv2.INTER_NEAREST) > 0
                tile[p] = (0.45 * tile[p] + 0.55 * np.array([255, 40, 40])).astype(np.uint8)
            cv2.drawContours(tile, outline, -1, (0, 255, 0), 1)
            if pred is not None:  # this photo's IoU, at the input's resolution
                hit, true_px = pred[c] > 0, mask > 0
                iou = (hit & true_px).sum() / max((hit | true_px).sum(), 1)
                cv2.putText(
                    tile, f"{iou:.2f}", (3, 12), cv2.FONT_HERSHEY_SIMPLEX, 0.35, (255, 255, 255), 1, cv2.LINE_AA
                )
            elif names:
                cv2.putText(
                    tile, names[c][:12], (3, 12), cv2.FONT_HERSHEY_SIMPLEX, 0.3, (255, 255, 255), 1, cv2.LINE_AA
                )
            sheet[r * h : (r + 1) * h, label_w + c * w : label_w + (c + 1) * w] = tile
    for r, (name, _) in enumerate(rows):
        text = "mediapipe" if name == "peer" else name
        cv2.putText(sheet, text[:13], (3, r * h + h // 2), cv2.FONT_HERSHEY_SIMPLEX, 0.35, (0, 0, 0), 1, cv2.LINE_AA)
        if name not in ("truth", "peer"):
            cv2.putText(
                sheet, precision, (3, r * h + h // 2 + 14), cv2.FONT_HERSHEY_SIMPLEX, 0.35, (0, 0, 0), 1, cv2.LINE_AA
            )
    # JPEG: a grid of photos is ~7x smaller than as PNG (it is committed with the report).
    ok, data = cv2.imencode(".jpg", cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 85])
    with atomic_file(png) as tmp:
        Path(tmp).write_bytes(data.tobytes())
