"""The records that pass between the data modules."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class FootMesh:
    """A foot up to just above the ankle. Metres; x runs heel -> toe, y to the foot's left, z up.

    The sole rests near z = 0 and the heel near x = 0 (FIND's template convention).
    """

    vertices: np.ndarray  # (V, 3) float32
    faces: np.ndarray  # (F, 3) int32, counter-clockwise seen from outside
    colors: np.ndarray  # (V, 3) float32 in 0..1, per-vertex albedo (skin)
    side: str  # "left" | "right"
    foot_id: str
    person_id: str
    params: dict[str, Any] = field(default_factory=dict)  # how it was sampled, for the manifest


@dataclass
class FootView:
    """One rendered (or imported) view of a foot, ready to composite onto a floor.

    ``alpha`` covers everything drawn (foot, sock/shoe, lower leg, trouser hem); ``mask`` covers
    only the foot up to the ankle, the segmentation target. Both are aligned with ``rgb``.
    """

    rgb: np.ndarray  # (H, W, 3) uint8
    alpha: np.ndarray  # (H, W) uint8, 0..255
    mask: np.ndarray  # (H, W) bool
    foot_id: str
    person_id: str
    view: str  # e.g. "scanner-0".."scanner-3", "phone-12"
    params: dict[str, Any] = field(default_factory=dict)  # camera, light, material, leg...


@dataclass
class Floor:
    """A floor photograph as loaded from data/floors."""

    image: np.ndarray  # (H, W, 3) uint8
    floor_id: str
