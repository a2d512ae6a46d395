"""Where the camera, the light and the lower leg are for each view of a foot.

Scanner views: the foot scanner's 4 fixed oblique cameras (same distance, 45/135/225/315 degrees
around the foot, looking down ~40 degrees) with a little jitter, the leg upright. Phone views: a
standing person looking down at their own foot: the phone 1.1-1.5 m above the floor, behind the
heel and toward the body's midline, the foot 40-82 degrees below the horizon, some roll and yaw;
the knee leans toward the phone, so the shin often enters from the bottom of the picture.
Views are square crops around the foot (focal length and principal point fitted in render.py),
so the camera's own pitch only matters through the direction to the foot.
"""

from __future__ import annotations

from typing import Any

import numpy as np

SCANNER_AZIMUTHS = (45.0, 135.0, 225.0, 315.0)  # degrees around the foot, 0 = in front of the toes


def view_names(count: int, phone_share: float) -> list[str]:
    """``count`` view names: the scanner views first ("scanner-0".."scanner-3", cycling), then "phone-<i>"."""
    phone = int(round(count * phone_share))
    return [f"scanner-{i}" for i in range(count - phone)] + [f"phone-{i}" for i in range(phone)]


def _r(values: Any, digits: int = 5) -> Any:
    return [round(float(v), digits) for v in values] if np.ndim(values) else round(float(values), digits)


def sample_camera(view: str, side: str, centre: np.ndarray, rng: np.random.Generator) -> dict[str, Any]:
    """Camera parameters (JSON-serialisable) for a named view of a foot centred at ``centre``."""
    target = centre + rng.normal(0, 0.01, 3) * [1, 1, 0.5]
    if view.startswith("scanner-"):
        azimuth = SCANNER_AZIMUTHS[int(view.split("-")[1]) % 4] + rng.normal(0, 3)
        elevation = 40 + rng.normal(0, 3)
        distance = 0.55 + rng.normal(0, 0.01)
        roll = rng.normal(0, 2)
        fill = rng.uniform(0.62, 0.72)
    else:
        height = rng.uniform(1.1, 1.5)
        pitch = rng.uniform(40, 82)  # degrees below the horizon, from the phone to the foot
        horizontal = (height - target[2]) / np.tan(np.deg2rad(pitch))
        # Behind the heel (azimuth 180), swung toward the body's midline (the other foot's side).
        medial = 1.0 if side == "left" else -1.0
        # (the foot may also point away from the body's facing: toe-out, a step forward or aside)
        azimuth = 180 - medial * rng.uniform(0, 40) + rng.normal(0, 25)
        elevation = pitch
        distance = float(np.hypot(horizontal, height - target[2]))
        roll = rng.normal(0, 8)
        fill = rng.uniform(0.5, 0.72)
    az, el = np.deg2rad(azimuth), np.deg2rad(elevation)
    eye = target + distance * np.array([np.cos(el) * np.cos(az), np.cos(el) * np.sin(az), np.sin(el)])
    return {
        "kind": view.split("-")[0],
        "eye": _r(eye),
        "target": _r(target),
        "azimuth_deg": _r(azimuth, 2),
        "elevation_deg": _r(elevation, 2),
        "distance_m": _r(distance, 4),
        "roll_deg": _r(roll, 2),
        "fill": _r(fill, 4),
        "offset": _r(rng.normal(0, 0.03, 2), 4),
    }


def sample_light(rng: np.random.Generator) -> dict[str, Any]:
    """A random key light from the upper hemisphere, ambient share, colour temperature tint."""
    az, el = rng.uniform(0, 2 * np.pi), np.deg2rad(rng.uniform(25, 85))
    direction = [np.cos(el) * np.cos(az), np.cos(el) * np.sin(az), np.sin(el)]
    ambient = rng.uniform(0.4, 0.7)  # indoor light is mostly diffuse
    warm = rng.uniform(-1, 1)
    tint = np.array([1 + 0.06 * warm, 1.0, 1 - 0.08 * warm])
    return {
        "direction": _r(direction),
        "ambient": _r(ambient, 4),
        "diffuse": _r(1.0 - ambient * 0.6, 4),
        "tint": _r(tint / tint.mean(), 4),
        "exposure": _r(rng.uniform(0.85, 1.15), 4),
    }


def sample_leg(rng: np.random.Generator, camera: dict[str, Any] | None, centre: np.ndarray | None) -> dict[str, Any]:
    """The lower leg: length to about the knee, its lean (dx, dy per metre of height), calf bulge.

    In a phone view the knee leans toward the phone (the body holding it); otherwise (scanner)
    the leg stands nearly upright.
    """
    length = rng.uniform(0.4, 0.55)
    tilt = rng.normal(0, 0.05, 2)
    if camera is not None and camera["kind"] == "phone":
        toward = np.asarray(camera["eye"][:2]) - np.asarray(centre[:2])
        distance = float(np.linalg.norm(toward))
        lean = rng.uniform(0.3, 0.9) * min(distance, 0.4) / 0.45  # knee ~0.45 m up
        tilt = tilt + toward / max(distance, 1e-6) * lean
    calf = rng.uniform(0.15, 0.45)
    return {"length": _r(length, 4), "tilt": _r(tilt, 4), "calf": _r(calf, 4)}
