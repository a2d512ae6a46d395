"""Procedural floor photographs: a material on the floor plane, seen by a phone, lit by a room.

Pipeline per floor: draw a camera pose -> floor coordinates under each (supersampled) pixel ->
material albedo -> room lighting (window falloff, soft ambient variation, glossy window
reflection) -> downsample -> lens and sensor (depth of field, vignetting, white balance, noise,
blur, the phone's JPEG). Everything is drawn from one rng seeded by (seed, index), so a floor
is the same bytes whatever else is generated.
"""

from __future__ import annotations

from typing import Any, Sequence

import cv2
import numpy as np

from ...errors import require
from .camera import (
    camera_params,
    depth_of_field,
    focal_px,
    jpeg_roundtrip,
    place_on_floor,
    project_floor,
    sensor_noise,
    to_linear,
    to_srgb,
    vignette,
)
from .materials import MATERIALS, Surface
from .noise import NoiseField, smoothstep

DEFAULTS: dict[str, Any] = {
    "kinds": list(MATERIALS),
    "tilt_deg": [20.0, 60.0],
    "fov_deg": [25.0, 50.0],
    "height_m": [1.2, 1.7],
    "roll_deg": 8.0,
    "supersample": 1,
}


def validate_procedural(cfg: dict[str, Any], key: str = "floors.procedural") -> dict[str, Any]:
    """Merge ``cfg`` over the defaults and check every value; FootsegError names the bad key."""
    merged = {**DEFAULTS, **(cfg or {})}
    unknown = set(merged) - set(DEFAULTS)
    require(not unknown, f"{key}: unknown option(s) {sorted(unknown)}; known: {sorted(DEFAULTS)}")
    kinds = list(merged["kinds"])
    require(len(kinds) > 0, f"{key}.kinds must name at least one material")
    for kind in kinds:
        require(kind in MATERIALS, f"{key}.kinds: unknown material {kind!r}; known: {', '.join(MATERIALS)}")
    for name, lo_min, hi_max in (("tilt_deg", 0.0, 75.0), ("fov_deg", 10.0, 100.0), ("height_m", 0.2, 3.0)):
        rng_ = merged[name]
        require(
            isinstance(rng_, Sequence) and len(rng_) == 2 and lo_min <= float(rng_[0]) <= float(rng_[1]) <= hi_max,
            f"{key}.{name} must be [low, high] within [{lo_min}, {hi_max}], got {rng_}",
        )
    require(0 <= float(merged["roll_deg"]) <= 45, f"{key}.roll_deg must be in [0, 45], got {merged['roll_deg']}")
    ss = merged["supersample"]
    require(isinstance(ss, int) and 1 <= ss <= 4, f"{key}.supersample must be an integer 1..4, got {ss}")
    merged["kinds"] = kinds
    return merged


def _lighting(
    rng: np.random.Generator, x: np.ndarray, y: np.ndarray, noise: NoiseField
) -> tuple[np.ndarray, dict[str, Any]]:
    """Irradiance on the floor (linear, ~1 on average): a window's falloff plus soft room variation."""
    angle = float(rng.uniform(0, 2 * np.pi))
    along = x * np.cos(angle) + y * np.sin(angle)
    decay = float(rng.uniform(1.0, 4.0))
    strength = float(rng.uniform(0.2, 1.2))
    window = np.exp(-np.clip(along - float(rng.uniform(-1, 1)), -decay * 1.5, None) / decay).astype(np.float32)
    ambient = 1 + 0.12 * noise.fbm(x * 0.6, y * 0.6, octaves=3, lattice=3)
    light = (1 + strength * window) * ambient
    light /= float(np.median(light))
    return light.astype(np.float32), {
        "window_angle_deg": round(np.degrees(angle), 1),
        "window_decay_m": round(decay, 2),
        "window_strength": round(strength, 3),
    }


def _reflection(
    rng: np.random.Generator, x: np.ndarray, y: np.ndarray, grazing: np.ndarray, gloss: float
) -> np.ndarray:
    """A window or ceiling lamp mirrored in a glossy floor: a soft streak, stronger at grazing angles."""
    if gloss <= 0.02:
        return np.zeros_like(x)
    hx, hy = float(rng.uniform(-0.8, 0.8)), float(rng.uniform(0.8, 3.0))
    sx, sy = float(rng.uniform(0.15, 0.5)), float(rng.uniform(0.6, 2.0))
    blob = np.exp(-(((x - hx) / sx) ** 2 + ((y - hy) / sy) ** 2))
    fresnel = 0.25 + 0.75 * grazing**2
    return (gloss * 0.6 * blob * fresnel).astype(np.float32)


def _soft_shadows(
    rng: np.random.Generator, x: np.ndarray, y: np.ndarray, noise: NoiseField
) -> tuple[np.ndarray, float]:
    """Large soft shadows (furniture, the photographer) on some floors: multiplicative, linear light."""
    if rng.random() > 0.4:
        return np.ones_like(x), 0.0
    depth = float(rng.uniform(0.25, 0.6))
    level = float(rng.uniform(-0.2, 0.3))
    field = noise.fbm(x * 0.35 + 17.0, y * 0.35, octaves=2, lattice=2)
    return (1.0 - depth * smoothstep(level, level + 0.25, field)).astype(np.float32), depth


def _sunlight(
    rng: np.random.Generator, x: np.ndarray, y: np.ndarray, footprint: np.ndarray
) -> tuple[np.ndarray, float]:
    """On some floors, sun through a window: a bright, sharp-edged patch split by glazing bars."""
    if rng.random() > 0.25:
        return np.ones_like(x), 0.0
    strength = float(rng.uniform(1.0, 3.0))
    angle = float(rng.uniform(0, np.pi))
    shear = float(rng.uniform(-0.6, 0.6))
    u = x * np.cos(angle) + y * np.sin(angle)
    v = -x * np.sin(angle) + y * np.cos(angle)
    u = u + shear * v
    u0, width = float(rng.uniform(-1.0, 0.3)), float(rng.uniform(0.4, 1.5))
    v0, height = float(rng.uniform(0.0, 1.0)), float(rng.uniform(0.5, 2.0))
    soft = 0.01 + footprint
    inside = (
        smoothstep(u0 - soft, u0 + soft, u)
        * smoothstep(u0 + width + soft, u0 + width - soft, u)
        * smoothstep(v0 - soft, v0 + soft, v)
        * smoothstep(v0 + height + soft, v0 + height - soft, v)
    )
    bars = int(rng.integers(0, 3))
    for k in range(1, bars + 1):  # glazing bars: thin shadows across the patch
        inside = inside * smoothstep(0.015, 0.03 + footprint, np.abs(u - (u0 + width * k / (bars + 1))))
    return (1.0 + strength * inside).astype(np.float32), strength


def _dust(
    rng: np.random.Generator, x: np.ndarray, y: np.ndarray, footprint: np.ndarray, noise: NoiseField
) -> tuple[np.ndarray, float]:
    """Sparse specks of dust, crumbs and scuffs (albedo multiplier), faded where a speck is sub-pixel."""
    amount = float(rng.uniform(0.0, 1.0))
    k = float(rng.uniform(150, 400))  # specks per metre
    specks = smoothstep(0.97 - 0.04 * amount, 0.995, noise.value(x * k, y * k, lattice=1))
    visible = np.clip(1.5 - footprint * k, 0.0, 1.0)
    tone = np.where(noise.value(x * k * 0.5, y * k * 0.5, lattice=2) > 0, 0.65, 1.25).astype(np.float32)
    return (1.0 + (tone - 1.0) * specks * visible).astype(np.float32), amount


def generate_floor(seed: int, index: int, size: int, options: dict[str, Any]) -> tuple[np.ndarray, dict[str, Any]]:
    """One floor photograph (size x size x 3 uint8) and its parameters; ``options`` are validated
    procedural options (see validate_procedural)."""
    rng = np.random.default_rng([int(seed), int(index), 0xF1008])
    kinds = options["kinds"]
    kind = kinds[index % len(kinds)]
    ss = int(options["supersample"])
    cam = camera_params(rng, options["tilt_deg"], options["fov_deg"], options["height_m"], float(options["roll_deg"]))
    view = project_floor(size * ss, cam)
    pattern_angle = float(rng.uniform(0, 2 * np.pi))
    offset = (float(rng.uniform(-50, 50)), float(rng.uniform(-50, 50)))
    x, y = place_on_floor(view, pattern_angle, offset)
    noise = NoiseField(rng)
    mid = (size * ss) // 2
    centre = (float(x[mid, mid]), float(y[mid, mid]))
    material = MATERIALS[kind](Surface(x, y, view.footprint, rng, noise, centre))

    dust, dust_amount = _dust(rng, x, y, view.footprint, noise)
    light, light_params = _lighting(rng, view.x, view.y, noise)
    shadow, shadow_depth = _soft_shadows(rng, view.x, view.y, noise)
    sun, sun_strength = _sunlight(rng, view.x, view.y, view.footprint)
    exposure = float(rng.uniform(0.75, 1.15))
    linear = to_linear(material.albedo * dust[..., None]) * (light * shadow * sun * exposure)[..., None]
    linear += _reflection(rng, view.x, view.y, view.grazing, material.gloss)[..., None] * np.float32([1.0, 1.0, 1.02])
    if ss > 1:
        linear = cv2.resize(linear, (size, size), interpolation=cv2.INTER_AREA)
        distance = cv2.resize(view.distance, (size, size), interpolation=cv2.INTER_AREA)
    else:
        distance = view.distance

    # Lens and sensor, in image space.
    focus = float(np.percentile(distance, 40))
    dof = float(rng.uniform(0.0, 2.0)) * size / 512
    linear = depth_of_field(linear, distance, focus, dof)
    vig = float(rng.uniform(0.1, 0.45))
    linear *= vignette(size, vig)[..., None]
    warmth = float(rng.uniform(-0.08, 0.12))  # daylight (cool) .. incandescent (warm)
    linear *= np.float32([1 + warmth, 1.0, 1 - warmth])
    srgb = to_srgb(linear)
    noise_level = float(rng.uniform(0.004, 0.025))
    srgb = sensor_noise(srgb, rng, noise_level)
    blur = float(rng.uniform(0.3, 0.9)) * size / 512
    srgb = cv2.GaussianBlur(srgb, (0, 0), blur)
    rgb = np.clip(srgb * 255 + 0.5, 0, 255).astype(np.uint8)
    quality = int(rng.integers(70, 95))
    rgb = jpeg_roundtrip(rgb, quality)

    params = {
        "material": material.params,
        # Floor metres per output pixel at the image centre (across): how big a foot should be drawn.
        "camera": {
            **cam,
            "pattern_angle_deg": round(np.degrees(pattern_angle), 1),
            "m_per_px_centre": round(float(view.distance[mid, mid]) / focal_px(cam, size), 6),
        },
        "light": {
            **light_params,
            "exposure": round(exposure, 3),
            "white_balance": round(warmth, 3),
            "shadow_depth": round(shadow_depth, 3),
            "sun_strength": round(sun_strength, 3),
        },
        "dust": round(dust_amount, 3),
        "photo": {
            "depth_of_field_px": round(dof, 2),
            "vignette": round(vig, 3),
            "noise": round(noise_level, 4),
            "blur_px": round(blur, 2),
            "jpeg_quality": quality,
        },
    }
    return rgb, {"kind": kind, "params": params}
