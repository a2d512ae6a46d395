"""Egocentric views: both feet of one person standing on the floor, seen by the phone they hold.

What users photograph (reference/real-feet-dev): a person looks down at their own feet, phone
held 0.55-0.9 m above the floor, ahead of the knees, toes pointing up the portrait
frame, both shins running from the ankles to the bottom edge and widening toward the lens.
One render per view shows the whole scene in a 3:4 portrait frame (width = 3/4 height):

- stance: feet 0.1-0.4 m apart, toe-out, one foot a little ahead; each foot rotated about its
  heel on the floor plane z = 0, person facing +x;
- lower legs as geometry from the ankle ring up past the knee (out of frame), skin continuous
  with the foot (render.add_leg), shorts or trousers over them sometimes;
- a pinhole camera with a phone's vertical field of view (50-65 degrees on the long side);
- one key light shared by skin shading and the cast shadow on the floor (legs and feet
  projected along the light onto z = 0), plus a contact shadow under the soles.

Each foot is rendered in its own local frame (the camera moved into it), so materials that
depend on foot coordinates (toenails, sock tops) work unchanged; the two renders are merged by
depth. The view's ``params["shadow"]`` is a quarter-resolution uint8 darkness map (0 = none),
``params["foot_ids"]`` names both feet.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import cv2
import numpy as np

from ..types import FootMesh, FootView
from .render import FOOT_MESH, NEAR, PART_FOOT, Scene, add_leg, dress_foot, rasterize, render_projected

SHADOW_SCALE = 4  # the shadow map is stored at a quarter of the view's resolution
ASPECT = 0.75  # portrait 3:4: width / height
KNEE_RADIUS = 0.055  # metres, about (render.add_leg's knee): how far a knee reaches in view


def _r(values: Any, digits: int = 4) -> Any:
    return [round(float(v), digits) for v in values] if np.ndim(values) else round(float(values), digits)


def _rz(angle_rad: float) -> np.ndarray:
    c, s = math.cos(angle_rad), math.sin(angle_rad)
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def sample_stance(rng: np.random.Generator) -> dict[str, Any]:
    """Where each foot stands: yaw about its heel (degrees, toe-out positive) and heel position."""
    width = rng.uniform(0.08, 0.32)  # between the feet's centre lines, metres (real photos: mostly hip-width or less)
    ahead = rng.normal(0, 0.05)  # the left foot this far ahead of the right
    feet = {}
    for side, sign in (("left", 1.0), ("right", -1.0)):
        toe_out = rng.uniform(-5, 15)
        feet[side] = {"yaw_deg": _r(sign * toe_out, 2), "heel": _r([sign * ahead / 2, sign * width / 2])}
    return {"width_m": _r(width), "feet": feet}


def sample_ego_camera(rng: np.random.Generator, feet_centre: np.ndarray, seated: bool = False) -> dict[str, Any]:
    """A phone held out over the person's own feet, looking down (world frame, facing +x).

    The real photos fix the geometry: toes point up the frame and the shins run from the
    ankles to the bottom edge, so the floor's nadir (where vertical lines meet) lies above the
    feet in the image: the lens is ahead of the knees and tilted at most a little forward, often
    a little back toward the body. Feet about 28 % of the frame's height put it 0.6-1.0 m from
    them (0.55-0.9 m measured to the floor). We pick where the feet land (``feet_y``, a share of the height) and the tilt, and
    solve for the eye. ``seated``: the phone is held over the knees (they fill the bottom of the
    frame), higher and tilted forward toward the feet.
    """
    height = rng.uniform(0.85, 1.1) if seated else rng.uniform(0.55, 0.9)
    fov = rng.uniform(50, 65)  # vertical (long side) field of view
    feet_y = rng.uniform(0.35, 0.55) if seated else rng.uniform(0.4, 0.66)
    focal = 0.5 / math.tan(math.radians(fov) / 2)  # in frame heights
    offset = math.degrees(math.atan((feet_y - 0.5) / focal))  # feet this far below the optical axis
    # From straight down; > 0 = forward.
    tilt = rng.uniform(0, 25) if seated else rng.uniform(-25, min(8.0, offset - 6))
    sight = math.radians(tilt - offset)  # line of sight to the feet, from straight down
    yaw = rng.normal(0, 8)
    y = math.radians(yaw)
    ahead = -height * math.tan(sight)  # eye this far ahead of the feet centre
    eye = feet_centre + np.array([ahead * math.cos(y), ahead * math.sin(y) + rng.normal(0, 0.03), height])
    return {
        "kind": "ego",
        "eye": _r(eye),
        "tilt_deg": _r(tilt, 2),
        "yaw_deg": _r(yaw, 2),
        "roll_deg": _r(rng.normal(0, 5), 2),
        "fov_deg": _r(fov, 2),
    }


def sample_thigh(rng: np.random.Generator) -> dict[str, Any]:
    """A seated person's thigh (world frame, the left one; the right is its mirror in y): from the
    knee back toward the hip, a little inward (knees wider than hips), level within ~15 degrees."""
    direction = np.array([-1.0, -rng.uniform(0.0, 0.35), rng.uniform(-0.25, 0.25)])
    return {
        "direction": _r(direction / np.linalg.norm(direction)),
        "length": _r(rng.uniform(0.42, 0.5)),  # past the hip: its end is out of view
        "radius": _r([rng.uniform(0.045, 0.055), rng.uniform(0.07, 0.09)]),
    }


def camera_rotation(camera: dict[str, Any]) -> np.ndarray:
    """World -> camera rotation (rows: right, down, forward) from tilt (from straight down, + =
    forward), yaw (about z, 0 = facing +x) and roll; valid past vertical, unlike a look-at."""
    t, y, r = (math.radians(camera[k]) for k in ("tilt_deg", "yaw_deg", "roll_deg"))
    forward = np.array([math.sin(t) * math.cos(y), math.sin(t) * math.sin(y), -math.cos(t)])
    right = np.array([math.sin(y), -math.cos(y), 0.0])
    down = np.cross(forward, right)
    right, down = math.cos(r) * right + math.sin(r) * down, -math.sin(r) * right + math.cos(r) * down
    return np.stack([right, down, forward])


def project_pinhole(
    vertices: np.ndarray, camera: dict[str, Any], width: int, height: int
) -> tuple[np.ndarray, np.ndarray]:
    """Pixel positions (V, 2) and camera depths (V,) through a pinhole with vertical ``fov_deg``."""
    eye = np.asarray(camera["eye"], np.float64)
    cam = (vertices - eye) @ camera_rotation(camera).T
    depth = cam[:, 2]
    uv = cam[:, :2] / np.maximum(depth[:, None], NEAR)
    return uv * focal_px(camera, height) + np.array([width / 2, height / 2]), depth


def focal_px(camera: dict[str, Any], height: int) -> float:
    """The pinhole's focal length in pixels of a frame ``height`` high (vertical ``fov_deg``)."""
    return height / 2 / math.tan(math.radians(camera["fov_deg"]) / 2)


def _local_camera(camera: dict[str, Any], yaw_rad: float, heel: np.ndarray) -> dict[str, Any]:
    """The world camera expressed in a foot's own frame (world = Rz(yaw) local + heel)."""
    out = dict(camera)
    out["eye"] = (_rz(-yaw_rad) @ (np.asarray(camera["eye"], np.float64) - [heel[0], heel[1], 0.0])).tolist()
    out["yaw_deg"] = camera["yaw_deg"] - math.degrees(yaw_rad)
    return out


def _shadow_map(
    scenes: list[Scene],
    cameras: list[dict[str, Any]],
    light_dir_local: list[np.ndarray],
    width: int,
    height: int,
    softness: float,
) -> np.ndarray:
    """Darkness (uint8, quarter resolution) the legs and feet throw on the floor: cast + contact."""
    w, h = max(1, width // SHADOW_SCALE), max(1, height // SHADOW_SCALE)
    cast = np.zeros((h, w), np.float32)
    contact = np.zeros((h, w), np.float32)
    for scene, camera, ldir in zip(scenes, cameras, light_dir_local):
        v = scene.vertices.astype(np.float64)
        # Along the light onto the floor plane.
        on_floor = v - (v[:, 2] / max(ldir[2], 0.15))[:, None] * ldir[None]
        on_floor[:, 2] = 0.0
        xy, depth = project_pinhole(on_floor, camera, w, h)
        ids = rasterize(xy, depth, scene.faces, np.ones(len(scene.faces), bool), h, w)
        cast = np.maximum(cast, (ids >= 0).astype(np.float32))
        # Contact: the sole's footprint straight down, darkest where the foot touches.
        low = scene.faces[(scene.face_part == PART_FOOT) & (v[scene.faces][:, :, 2].max(axis=1) < 0.03)]
        if len(low):
            down = v.copy()
            down[:, 2] = 0.0
            xy, depth = project_pinhole(down, camera, w, h)
            ids = rasterize(xy, depth, low, np.ones(len(low), bool), h, w)
            contact = np.maximum(contact, (ids >= 0).astype(np.float32))
    # The cast shadow's penumbra grows with height; one blur stands in for it.
    cast = cv2.GaussianBlur(cast, (0, 0), max(0.6, softness * w))
    contact = cv2.GaussianBlur(contact, (0, 0), max(0.6, 0.012 * w))
    darkness = np.clip(0.55 * cast + 0.9 * np.clip(contact * 1.6, 0, 1), 0, 1)
    return (darkness * 255 + 0.5).astype(np.uint8)


def _in_frame(xy: np.ndarray, depth: np.ndarray, width: int, height: int, margin: float) -> np.ndarray:
    m = margin * width
    return (depth > NEAR) & (xy[:, 0] > m) & (xy[:, 0] < width - m) & (xy[:, 1] > m) & (xy[:, 1] < height - m)


def render_ego_person(
    meshes: list[FootMesh],
    look: dict[str, Any],
    rng: np.random.Generator,
    views: int,
    size: int,
    supersample: int,
    person_id: str,
    source: str,
    shorts_prob: float = 0.0,
    seated_prob: float = 0.0,
) -> list[FootView]:
    """``views`` egocentric views (``size`` high, 3/4 wide) of one person's two feet; a share
    ``seated_prob`` of them seated (knees and thighs in view, see ``sample_thigh``)."""
    from .views import sample_light

    width, height = int(round(size * ASPECT)), size
    feet = {m.side: dress_foot(m, look) for m in meshes}
    out = []
    for index in range(views):
        view_look = dict(look)
        # Drawn only when on, so that a run without seated views keeps its bytes.
        seated = bool(seated_prob) and rng.random() < seated_prob
        shin = rng.uniform(0.36, 0.44) if seated else None  # ankle to knee
        if "trousers" not in look and rng.random() < shorts_prob:
            # Shorts or capris: a wide hem well above the ankle (seated: on the thigh), the knee and thigh covered.
            view_look["trousers"] = {
                "colour": [float(c) for c in rng.uniform(0.05, 0.6, 3)],
                "hem_above_ankle": _r(rng.uniform(0.2, 0.42)),
                "ease": _r(rng.uniform(0.03, 0.06)),
                "denim": bool(rng.random() < 0.4),
            }
            if seated:  # the hem 0.05-0.27 m up the thigh (add_leg measures it along the leg)
                view_look["trousers"]["hem_above_ankle"] = _r(shin + view_look["trousers"]["hem_above_ankle"] - 0.15)
        for attempt in range(30):
            seated = seated and attempt < 20  # a pose that will not frame: stand up instead
            stance = sample_stance(rng)
            placed = {}
            for side, foot in feet.items():
                f = stance["feet"][side]
                placed[side] = (math.radians(f["yaw_deg"]), np.asarray(f["heel"], np.float64))
            centres = [(_rz(yaw) @ feet[s].centre.astype(np.float64))[:2] + heel for s, (yaw, heel) in placed.items()]
            camera = sample_ego_camera(rng, np.array([*np.mean(centres, axis=0), 0.0]), seated)
            scenes, cams, ok = [], [], True
            if seated:  # feet out ahead of the knees or under them, knees apart
                lean = np.array([rng.uniform(-0.5, 0.15), rng.uniform(0.0, 0.15)])
                thigh = sample_thigh(rng)
            else:  # shins lean a little forward, a little apart
                lean = rng.normal(0, 0.05, 2) + [0.05, 0.0]
            for side, (yaw, heel) in placed.items():
                sign = 1 if side == "left" else -1
                local_lean = (_rz(-yaw) @ [lean[0], lean[1] * sign, 0.0])[:2]
                leg = {
                    "length": _r(shin if seated else min(0.9, camera["eye"][2] - 0.2)),
                    "tilt": _r(local_lean),
                    "calf": _r(rng.uniform(0.15, 0.45)),
                }
                if seated:
                    d = thigh["direction"]
                    leg["thigh"] = dict(thigh, direction=_r(_rz(-yaw) @ [d[0], d[1] * sign, d[2]]))
                scene = add_leg(dataclasses.replace(feet[side], look=view_look), leg)
                cam = _local_camera(camera, yaw, heel)
                xy, depth = project_pinhole(scene.vertices, cam, width, height)
                foot_v = np.unique(scene.faces[np.isin(scene.face_part, FOOT_MESH)])
                # Feet in view (most of each foot; real photos sometimes cut a toe), leg end out of it.
                if _in_frame(xy[foot_v], depth[foot_v], width, height, 0.02).mean() < 0.97:
                    ok = False
                if _in_frame(xy[scene.leg_end], depth[scene.leg_end], width, height, -0.05).any():
                    ok = False
                if seated:  # the knee in view (the point of a seated view), below the foot, not over it
                    knee_xy, knee_depth = project_pinhole(scene.knee[None], cam, width, height)
                    if not _in_frame(knee_xy, knee_depth, width, height, -0.12).all():
                        ok = False
                    else:
                        knee_top = knee_xy[0, 1] - KNEE_RADIUS * focal_px(cam, height) / knee_depth[0]
                        if knee_top < np.quantile(xy[foot_v, 1], 0.9):  # the knee hides at most the heel
                            ok = False
                scenes.append(scene)
                cams.append(cam)
            if ok:
                break
        light = sample_light(rng)
        grain_seed = int(rng.integers(2**31))
        layers = []
        light_local = []
        world_dir = np.asarray(light["direction"], np.float64)
        for (side, (yaw, heel)), scene, cam in zip(placed.items(), scenes, cams):
            xy, depth = project_pinhole(scene.vertices, cam, width * supersample, height * supersample)
            local_dir = _rz(-yaw) @ world_dir
            local_light = dict(light, direction=local_dir.tolist())
            layers.append(
                render_projected(
                    scene,
                    xy,
                    depth,
                    np.asarray(cam["eye"], np.float32),
                    local_light,
                    width,
                    height,
                    supersample,
                    grain_seed + len(layers),
                )
            )
            light_local.append(local_dir)
        (rgb_a, alpha_a, mask_a, z_a), (rgb_b, alpha_b, mask_b, z_b) = layers
        front_b = z_b < z_a  # per pixel, the nearer surface wins (legs crossing in view)
        rgb = np.where(front_b[..., None], rgb_b, rgb_a)
        alpha = np.where(front_b, np.maximum(alpha_b, alpha_a), np.maximum(alpha_a, alpha_b))
        mask = np.where(front_b, mask_b, mask_a | (mask_b & (alpha_a < 128)))
        # Light height sets the penumbra: low sun, long soft shadows.
        softness = 0.004 + 0.01 * (1 - abs(world_dir[2]))
        shadow = _shadow_map(scenes, cams, light_local, width, height, softness)
        params = {
            "source": source,
            "stance": stance,
            "camera": camera,
            "light": light,
            "look": view_look,
            "mesh": {m.side: m.params for m in meshes},
            "frame": [width, height],
            "foot_ids": sorted(m.foot_id for m in meshes),
            "shadow": shadow,
        }
        if seated:  # only then: a run without seated views keeps its manifest's bytes
            params["seated"] = True
        out.append(FootView(rgb, alpha, mask, f"{person_id}-both", person_id, f"ego-{index}", params))
    return out
