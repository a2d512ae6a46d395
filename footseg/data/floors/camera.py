"""A phone camera held by a standing person looking down at the floor, and its photo defects.

Geometry: the camera is ``height`` metres above the floor plane z = 0, tilted ``tilt`` degrees
from looking straight down, rolled slightly; every output pixel's ray is intersected with the
floor, giving the floor coordinates (metres) the material patterns are evaluated at. Far rays
are clamped below the horizon so the whole frame is floor, as in a crop around the feet.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

MAX_RAY_DEG = 80.0  # steepest ray from the vertical: keeps the horizon out of the frame


@dataclass
class FloorView:
    """Floor coordinates under each pixel (metres) plus what shading needs."""

    x: np.ndarray  # (H, W) float32
    y: np.ndarray  # (H, W) float32
    distance: np.ndarray  # (H, W) camera-to-floor distance, metres
    footprint: np.ndarray  # (H, W) floor metres covered by one pixel (for anti-aliasing)
    grazing: np.ndarray  # (H, W) 1 - cos(incidence): 0 looking straight down, -> 1 at grazing


def camera_params(
    rng: np.random.Generator,
    tilt_deg: tuple[float, float],
    fov_deg: tuple[float, float],
    height_m: tuple[float, float],
    roll_deg: float,
) -> dict[str, float]:
    """Draw a camera pose; the field of view narrows when the tilt would show the horizon."""
    tilt = float(rng.uniform(*tilt_deg))
    fov = float(rng.uniform(*fov_deg))
    # Diagonal half-angle bounds the steepest ray; narrow the view (a crop) rather than the tilt.
    max_half = MAX_RAY_DEG - tilt
    half_diag = np.degrees(np.arctan(np.tan(np.radians(fov / 2)) * np.sqrt(2)))
    if half_diag > max_half:
        fov = float(2 * np.degrees(np.arctan(np.tan(np.radians(max_half)) / np.sqrt(2))))
    return {
        "tilt_deg": round(tilt, 3),
        "fov_deg": round(fov, 3),
        "height_m": round(float(rng.uniform(*height_m)), 3),
        "roll_deg": round(float(rng.uniform(-roll_deg, roll_deg)), 3),
    }


def focal_px(cam: dict[str, float], size: int) -> float:
    """Focal length in pixels of a square ``size``-pixel image with the pose's field of view."""
    return float((size / 2) / np.tan(np.radians(cam["fov_deg"]) / 2))


def project_floor(size: int, cam: dict[str, float]) -> FloorView:
    """Floor coordinates seen by a square ``size``-pixel camera with pose ``cam``."""
    tilt, roll = np.radians(cam["tilt_deg"]), np.radians(cam["roll_deg"])
    f = focal_px(cam, size)
    # Camera axes in world coordinates (z up); the top of the image looks away from the person.
    forward = np.array([0.0, np.sin(tilt), -np.cos(tilt)], np.float32)
    right = np.array([1.0, 0.0, 0.0], np.float32)
    down = np.array([0.0, -np.cos(tilt), -np.sin(tilt)], np.float32)
    cr, sr = np.float32(np.cos(roll)), np.float32(np.sin(roll))
    right, down = cr * right + sr * down, -sr * right + cr * down
    coords = ((np.arange(size, dtype=np.float32) + np.float32(0.5 - size / 2)) / f).astype(np.float32)
    u, v = np.meshgrid(coords, coords)
    d = [forward[i] + u * right[i] + v * down[i] for i in range(3)]
    dz = np.minimum(d[2], -1e-3)
    t = np.float32(cam["height_m"]) / -dz
    norm = np.sqrt(d[0] ** 2 + d[1] ** 2 + d[2] ** 2)
    cos_inc = -dz / norm
    distance = t * norm
    footprint = distance / (f * np.maximum(cos_inc, 0.05))
    f32 = np.float32
    return FloorView(
        x=(t * d[0]).astype(f32),
        y=(t * d[1]).astype(f32),
        distance=distance.astype(f32),
        footprint=footprint.astype(f32),
        grazing=(1.0 - cos_inc).astype(f32),
    )


def place_on_floor(view: FloorView, angle_rad: float, offset: tuple[float, float]) -> tuple[np.ndarray, np.ndarray]:
    """Rotate and shift floor coordinates: the floor pattern's orientation relative to the person."""
    c, s = np.float32(np.cos(angle_rad)), np.float32(np.sin(angle_rad))
    x = c * view.x - s * view.y + np.float32(offset[0])
    y = s * view.x + c * view.y + np.float32(offset[1])
    return x, y


def to_linear(srgb: np.ndarray) -> np.ndarray:
    """Approximate sRGB -> linear light (gamma 2.2), the space lighting multiplies in."""
    return np.power(np.clip(srgb, 0.0, 1.0), 2.2, dtype=np.float32)


def to_srgb(linear: np.ndarray) -> np.ndarray:
    return np.power(np.clip(linear, 0.0, 1.0), 1 / 2.2, dtype=np.float32)


def vignette(size: int, strength: float) -> np.ndarray:
    """Radial falloff of a phone lens: 1 at the centre, 1 - strength in the corners."""
    coords = np.linspace(-1, 1, size, dtype=np.float32)
    r2 = coords[None, :] ** 2 + coords[:, None] ** 2
    return 1.0 - strength * (r2 / 2.0) ** 1.5


def depth_of_field(img: np.ndarray, distance: np.ndarray, focus_m: float, sigma_px: float) -> np.ndarray:
    """Blur what lies well beyond the focus distance (the feet are in focus, the far floor not)."""
    if sigma_px <= 0.05:
        return img
    blurred = cv2.GaussianBlur(img, (0, 0), sigma_px)
    weight = np.clip((distance - focus_m) / (1.5 * focus_m), 0.0, 1.0)[..., None]
    return img + weight * (blurred - img)


def sensor_noise(img: np.ndarray, rng: np.random.Generator, level: float) -> np.ndarray:
    """Shot noise growing with brightness, read noise, and blotchy low-frequency chroma noise."""
    h, w = img.shape[:2]
    shot = rng.standard_normal(img.shape, dtype=np.float32) * np.sqrt(np.maximum(img, 0.0) + 0.01)
    chroma = rng.standard_normal((h // 4, w // 4, 3), dtype=np.float32)
    chroma = cv2.resize(chroma, (w, h), interpolation=cv2.INTER_LINEAR)
    return img + level * (shot + 0.5 * chroma)


def jpeg_roundtrip(rgb: np.ndarray, quality: int) -> np.ndarray:
    """The phone's own JPEG compression (blocking, ringing) before ours."""
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format="JPEG", quality=int(quality))
    return np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"))
