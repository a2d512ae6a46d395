"""Things lying on the floor around the feet: cables, small appliances, cloth at the frame's edge.

The real photos (reference/real-feet-dev) have them and every model marked some as foot: a black
charger with its cable at the top of the frame, a patterned cloth in a bottom corner. They are
background (never in the mask) and lie on the floor, so they are painted onto the floor layer in
output pixels, before the cast shadow and the feet go over them.
"""

from __future__ import annotations

import math
from typing import Any

import cv2
import numpy as np


def _colour(rng: np.random.Generator, grey: float = 0.6) -> np.ndarray:
    """Black, grey or white plastic (share ``grey``), else a saturated colour of any hue (skin's too)."""
    if rng.random() < grey:
        level = rng.choice([rng.uniform(10, 60), rng.uniform(190, 245)], p=[0.7, 0.3])
        return np.full(3, level) + rng.normal(0, 4, 3)
    hsv = np.uint8([[[rng.integers(0, 180), rng.integers(80, 256), rng.integers(90, 250)]]])
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)[0, 0].astype(np.float64)


def _edge_point(rng: np.random.Generator, size: int) -> np.ndarray:
    t, side = rng.uniform(0, size), rng.integers(4)
    return np.array([(t, 0.0), (size - 1.0, t), (t, size - 1.0), (0.0, t)][side])


def _bezier(p: np.ndarray, steps: int = 48) -> np.ndarray:
    t = np.linspace(0, 1, steps)[:, None]
    return (1 - t) ** 3 * p[0] + 3 * (1 - t) ** 2 * t * p[1] + 3 * (1 - t) * t**2 * p[2] + t**3 * p[3]


def _roi(shape: np.ndarray, margin: float) -> tuple[slice, slice] | None:
    """Rows and columns around the silhouette's pixels, ``margin`` pixels wider (None: empty)."""
    x, y, w, h = cv2.boundingRect(shape)
    if w == 0 or h == 0:
        return None
    m = int(math.ceil(margin))
    rows, cols = shape.shape
    return slice(max(0, y - m), min(rows, y + h + m)), slice(max(0, x - m), min(cols, x + w + m))


def _blur(layer: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur; wide ones at a quarter of the resolution (the same look, a tenth of the cost)."""
    if sigma < 3:
        return cv2.GaussianBlur(layer, (0, 0), max(sigma, 0.3))
    rows, cols = layer.shape
    small = cv2.resize(layer, (max(1, cols // 4), max(1, rows // 4)), interpolation=cv2.INTER_AREA)
    return cv2.resize(cv2.GaussianBlur(small, (0, 0), sigma / 4), (cols, rows), interpolation=cv2.INTER_LINEAR)


def _lay(image: np.ndarray, shape: np.ndarray, face: Any, offset: np.ndarray, blur: float, depth: float) -> None:
    """Lay an object on the floor: darken under its blurred, shifted silhouette (``shape``, uint8
    0/255), then paint ``face`` (a colour, or a function of the region giving its pixels) over the
    silhouette. Only the silhouette's neighbourhood is touched: ~1 ms an object at 256 px, not ~4-12."""
    roi = _roi(shape, 3 * blur + np.abs(offset).max() + 1)
    if roi is None:
        return
    part, sil = image[roi], shape[roi]
    moved = cv2.warpAffine(sil, np.float32([[1, 0, offset[0]], [0, 1, offset[1]]]), sil.shape[::-1])
    dark = _blur(moved, blur).astype(np.float32) * np.float32(depth / 255.0)
    floor = cv2.blendLinear(part, np.zeros_like(part), 1.0 - dark, dark)
    if callable(face):
        colour = np.clip(face(roi), 0, 255).astype(np.uint8)
    else:
        colour = np.empty_like(part)
        colour[:] = np.clip(face, 0, 255).astype(np.uint8)
    alpha = sil.astype(np.float32) * np.float32(1 / 255.0)
    image[roi] = cv2.blendLinear(colour, floor, alpha, 1.0 - alpha)


def _cable(image: np.ndarray, rng: np.random.Generator, start: np.ndarray | None = None) -> dict[str, Any]:
    size = image.shape[0]
    start = _edge_point(rng, size) if start is None else start
    end = rng.uniform(0, size, 2) if rng.random() < 0.5 else _edge_point(rng, size)
    bends = start + (end - start) * np.array([[0.33], [0.66]]) + rng.normal(0, size * 0.2, (2, 2))
    points = _bezier(np.stack([start, bends[0], bends[1], end]))
    thickness = max(1, int(round(rng.uniform(0.006, 0.02) * size)))
    shape = np.zeros(image.shape[:2], np.uint8)
    pts = np.round(points * 16).astype(np.int32)[None]  # 4 fractional bits: smooth anti-aliased curve
    cv2.polylines(shape, pts, False, 255, thickness, cv2.LINE_AA, shift=4)
    _lay(image, shape, _colour(rng), np.array([1.0, 2.0]) * thickness, 1.0 + thickness, 0.35)
    return {"kind": "cable", "thickness": thickness}


def _box(image: np.ndarray, rng: np.random.Generator) -> dict[str, Any]:
    """A charger, phone or remote: a rotated, lit rectangle, often trailing a cable."""
    size = image.shape[0]
    w, h = rng.uniform(0.06, 0.22, 2) * size
    centre = rng.uniform(0, size, 2)
    angle = rng.uniform(0, 180)
    corners = cv2.boxPoints(((float(centre[0]), float(centre[1])), (float(w), float(h)), float(angle)))
    shape = np.zeros(image.shape[:2], np.uint8)
    cv2.fillConvexPoly(shape, np.round(corners * 16).astype(np.int32), 255, cv2.LINE_AA, shift=4)
    colour = _colour(rng)
    # One light: a brightness ramp across the top face, and a glossy highlight on dark plastic.
    a = math.radians(rng.uniform(0, 360))
    slope = rng.uniform(0.1, 0.35) / max(w, h)
    spot = rng.uniform(-0.3, 0.3, 2) * [w, h] + centre
    glare = rng.uniform(60, 160) if rng.random() < 0.5 else 0.0

    def face(roi: tuple[slice, slice]) -> np.ndarray:
        yy, xx = np.mgrid[roi].astype(np.float32)
        ramp = 1.0 + slope * ((xx - centre[0]) * math.cos(a) + (yy - centre[1]) * math.sin(a))
        lit = colour[None, None] * ramp[..., None]
        if glare:
            lit += (
                glare * np.exp(-((xx - spot[0]) ** 2 + (yy - spot[1]) ** 2) / (2 * (0.15 * min(w, h)) ** 2))[..., None]
            )
        return lit

    _lay(image, shape, face, rng.normal(0, 0.015 * size, 2), 0.02 * size, 0.5)
    record = {"kind": "box", "size": [round(float(w), 1), round(float(h), 1)]}
    if rng.random() < 0.6:
        record["cable"] = _cable(image, rng, start=corners[rng.integers(4)].astype(np.float64))["thickness"]
    return record


def _cloth(image: np.ndarray, rng: np.random.Generator) -> dict[str, Any]:
    """A patterned cloth, towel or rug edge coming in from a side or the bottom of the frame."""
    size = image.shape[0]
    base = _colour(rng, grey=0.2)
    # A print: small blobs in two or three other colours.
    palette = np.clip([_colour(rng, grey=0.2) for _ in range(int(rng.integers(2, 4)))], 0, 255).astype(int)
    count = int(rng.integers(30, 90))
    centres = rng.uniform(0, size, (count, 2)).astype(int)
    axes = (rng.uniform(0.01, 0.04, (count, 2)) * size + 1).astype(int)
    angles = rng.uniform(0, 180, count)
    inks = rng.integers(0, len(palette), count)

    def face(roi: tuple[slice, slice]) -> np.ndarray:
        top, left = roi[0].start, roi[1].start
        layer = np.empty((roi[0].stop - top, roi[1].stop - left, 3), np.uint8)
        layer[:] = np.clip(base, 0, 255).astype(np.uint8)
        for (cx, cy), (ax, ay), angle, ink in zip(centres.tolist(), axes.tolist(), angles.tolist(), inks):
            cv2.ellipse(layer, (cx - left, cy - top), (ax, ay), angle, 0, 360, palette[ink].tolist(), -1)
        return cv2.GaussianBlur(layer, (0, 0), 0.6)  # soft print edges, and the anti-aliasing

    # The region: a wavy band along one edge, reaching 8-30 % into the frame.
    side = int(rng.choice([1, 2, 3], p=[0.3, 0.4, 0.3]))  # right, bottom, left
    depth = rng.uniform(0.08, 0.3) * size
    span = rng.uniform(0.3, 1.0) * size
    t = rng.uniform(0, size - span) + np.linspace(0, span, 16)
    # Wavy, and tapering to the frame edge at both ends of the span.
    taper = np.sin(np.linspace(0, math.pi, 16)) ** 0.3
    reach = depth * taper * (1 + 0.3 * np.sin(np.linspace(0, rng.uniform(2, 8), 16) + rng.uniform(0, 6)))
    far = float(size)
    edge = {1: np.stack([far - reach, t], 1), 2: np.stack([t, far - reach], 1), 3: np.stack([reach, t], 1)}[side]
    shape = np.zeros(image.shape[:2], np.uint8)
    cv2.fillPoly(shape, [np.round(edge * 16).astype(np.int32)], 255, cv2.LINE_AA, shift=4)
    _lay(image, shape, face, np.zeros(2), 0.01 * size, 0.4)
    return {"kind": "cloth", "side": ["top", "right", "bottom", "left"][side], "depth": round(float(depth), 1)}


PAINTERS = {"cable": _cable, "box": _box, "cloth": _cloth}


def paint_clutter(image: np.ndarray, rng: np.random.Generator, chance: float) -> list[dict[str, Any]]:
    """With ``chance``, paint 1-3 floor objects onto ``image`` (S x S x 3 uint8, in place)."""
    if rng.random() >= chance:
        return []
    kinds = rng.choice(list(PAINTERS), size=int(rng.integers(1, 4)), p=[0.35, 0.4, 0.25])
    return [PAINTERS[str(kind)](image, rng) for kind in kinds]
