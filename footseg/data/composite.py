"""Compositing foot views onto floor photographs, then the thesis' corner-warp augmentation.

Pools: persons (both feet of a person together) and floors are dealt into disjoint pools and every
composite pairs a foot and a floor of one pool, so the split stage can give whole pools to
train/val/test: no person, foot or floor in two splits, and no composite thrown away. Composites are
numbered pool by pool.

Speed: the floor crop, the foot placement and the augmentation are 3x3 matrices chained before any
pixel moves, so each layer (floor, foot RGBA, foot mask, shadow) is resampled once, straight into
the output size. Per-view work (shadow blur, mean colour, a half-size level) is cached per worker.

Determinism: composite ``i`` draws from its own generator seeded by (seed, i), so the bytes do not
depend on the number of workers or the chunking.
"""

from __future__ import annotations

import math
import multiprocessing
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

import cv2
import numpy as np

from footseg.data.augment import WARPS, corner_points, corner_transform, warp
from footseg.data.clutter import paint_clutter
from footseg.data.types import Floor, FootView
from footseg.errors import FootsegError, require

# Views whose name starts with this are the scanner's fixed views (one foot each); every other view
# is phone-like and may show both feet of the person side by side.
SCANNER_PREFIX = "scanner"
EGO_PREFIX = "ego"  # egocentric views: a whole 3:4 photo frame of both feet (feet/ego.py)
SCENES = ("egocentric", "classic")
NOISE_TILE = 512  # side of the shared noise field composites crop their sensor noise from
PREPARED_CACHE = 2000  # prepared views kept per worker (~0.7 MB each at 320 px): bounds memory at thesis size
NOISE_UNIT = 24.0  # uint8 steps per unit sigma in that field (clips beyond ~5 sigma)


@dataclass(frozen=True)
class CompositeConfig:
    """The ``composite`` config group, validated (see conf/composite/default.yaml)."""

    count: int
    scene: str = "egocentric"
    size: int = 256
    pools: int = 50
    workers: int = 2
    chunk: int = 64
    warp: str = "affine"
    both_feet: float = 0.35
    foot_size: tuple[float, float] = (0.22, 0.4)
    rotation_deg: float = 45.0
    floor_crop: tuple[float, float] = (0.45, 1.0)
    shadow: tuple[float, float] = (0.25, 0.6)
    harmonise: tuple[float, float] = (0.15, 0.45)
    noise: tuple[float, float] = (1.0, 4.0)
    blur: tuple[float, float] = (0.0, 0.9)
    # Egocentric scenes (the whole 3:4 frame rendered with both feet, legs and cast shadow).
    ego_reach: float = 0.1  # corner-warp cells as a share of each side (classic: 1/3)
    flip: float = 0.5  # chance of a left-right mirror image
    light_gradient: tuple[float, float] = (0.0, 0.3)  # brightness ramp across floor and skin alike
    jpeg: tuple[float, float] = (0.0, 0.0)  # [chance, min quality]: phone JPEG (quality min..95)
    clutter: float = 0.0  # chance of cables, chargers or cloth on the floor (footseg.data.clutter)
    zoom: tuple[float, float] = (1.0, 1.0)  # the frame cropped to 1/zoom of its sides: feet large, or cut by an edge

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> "CompositeConfig":
        """Validate the resolved ``composite`` group; errors name the key (``composite.count``)."""
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(raw) - known)
        require(
            not unknown,
            f"composite.{unknown[0] if unknown else ''} is not a known key (known: {', '.join(sorted(known))})",
        )
        values: dict[str, Any] = {}
        for key in ("count", "size", "pools", "workers", "chunk"):
            if key in raw:
                value = raw[key]
                require(
                    isinstance(value, int) and not isinstance(value, bool) and value > 0,
                    f"composite.{key} must be a positive integer, got {value!r}",
                )
                values[key] = value
        require("count" in values, "composite.count must be a positive integer, got None")
        require(values.get("size", 256) >= 16, f"composite.size must be at least 16, got {values.get('size')}")
        if "scene" in raw:
            require(raw["scene"] in SCENES, f"composite.scene must be one of {', '.join(SCENES)}, got {raw['scene']!r}")
            values["scene"] = raw["scene"]
        if "warp" in raw:
            require(raw["warp"] in WARPS, f"composite.warp must be one of {', '.join(WARPS)}, got {raw['warp']!r}")
            values["warp"] = raw["warp"]
        for key in ("both_feet", "rotation_deg", "ego_reach", "flip", "clutter"):
            if key in raw:
                value = raw[key]
                limit = {"rotation_deg": 180.0, "ego_reach": 1 / 3}.get(key, 1.0)
                require(
                    isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= limit,
                    f"composite.{key} must be a number in [0, {limit:g}], got {value!r}",
                )
                values[key] = float(value)
        for key, (low, high) in {
            "foot_size": (0.01, 2.0),
            "floor_crop": (0.05, 1.0),
            "shadow": (0.0, 1.0),
            "harmonise": (0.0, 1.0),
            "noise": (0.0, 64.0),
            "blur": (0.0, 8.0),
            "light_gradient": (0.0, 1.0),
            "jpeg": (0.0, 100.0),
            "zoom": (1.0, 4.0),
        }.items():
            if key in raw:
                pair = raw[key]
                require(
                    isinstance(pair, Sequence)
                    and len(pair) == 2
                    and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in pair)
                    and low <= pair[0] <= pair[1] <= high,
                    f"composite.{key} must be [min, max] with {low:g} <= min <= max <= {high:g}, got {pair!r}",
                )
                values[key] = (float(pair[0]), float(pair[1]))
        return cls(**values)


# ---------------------------------------------------------------------------------------- planning


@dataclass
class Plan:
    """What composite ``index`` shows: view indices (one foot, or left+right), a floor, a pool."""

    index: int
    pool: int
    views: list[int]
    floor: int


def deal(items: Sequence[str], pools: int, rng: np.random.Generator) -> dict[str, int]:
    """item -> pool, shuffled and dealt round-robin so pool sizes differ by at most one."""
    order = rng.permutation(len(items))
    return {items[int(i)]: k % pools for k, i in enumerate(order)}


def plan_composites(
    views: Sequence[FootView], floor_ids: Sequence[str], count: int, pools: int, seed: int, both_feet: float
) -> tuple[list[Plan], int]:
    """(plans numbered pool by pool, number of pools actually used).

    Pools = min(pools, persons, floors). Inside a pool, views and floors are used in turn from a
    shuffled order, so every view and floor of the pool appears before any repeats.
    """
    persons = sorted({v.person_id for v in views})
    require(persons, "no foot views to composite (the feet source produced none)")
    require(floor_ids, "no floors to composite onto")
    n_pools = min(pools, len(persons), len(floor_ids))
    rng = np.random.default_rng([seed, 0x9001])
    person_pool = deal(persons, n_pools, rng)
    floor_pool = deal(sorted(floor_ids), n_pools, rng)
    pool_views: list[list[int]] = [[] for _ in range(n_pools)]
    for i, v in enumerate(views):
        pool_views[person_pool[v.person_id]].append(i)
    pool_floors: list[list[int]] = [[] for _ in range(n_pools)]
    for i, floor_id in sorted(enumerate(floor_ids), key=lambda item: item[1]):
        pool_floors[floor_pool[floor_id]].append(i)
    partner = {}
    by_shot: dict[tuple[str, str], list[int]] = {}
    for i, v in enumerate(views):
        by_shot.setdefault((v.person_id, v.view), []).append(i)
    for members in by_shot.values():
        feet = sorted(members, key=lambda i: views[i].foot_id)
        if len(feet) == 2 and views[feet[0]].foot_id != views[feet[1]].foot_id:
            partner[feet[0]], partner[feet[1]] = feet[1], feet[0]

    plans: list[Plan] = []
    for pool in range(n_pools):
        n = count // n_pools + (1 if pool < count % n_pools else 0)
        view_order = [pool_views[pool][int(i)] for i in rng.permutation(len(pool_views[pool]))]
        floor_order = [pool_floors[pool][int(i)] for i in rng.permutation(len(pool_floors[pool]))]
        for k in range(n):
            index = len(plans)
            view = view_order[k % len(view_order)]
            chosen = [view]
            pair_rng = np.random.default_rng([seed, index, 1])
            if view in partner and not views[view].view.startswith(SCANNER_PREFIX) and pair_rng.random() < both_feet:
                chosen = sorted([view, partner[view]], key=lambda i: views[i].foot_id)
            plans.append(Plan(index, pool, chosen, floor_order[k % len(floor_order)]))
    return plans, n_pools


# ------------------------------------------------------------------------------- per-view caching


@dataclass
class PreparedView:
    """A view's arrays at one resolution, ready to warp."""

    rgba: np.ndarray  # (H, W, 4) uint8, colour + coverage
    mask: np.ndarray  # (H, W) uint8 0/1, foot up to the ankle
    shadow: np.ndarray  # (h, w) uint8, blurred foot footprint, stored at SHADOW_SCALE of the base level
    shadow_scale: np.ndarray  # (2,) this level's pixels per shadow pixel, x and y
    foot_box: tuple[float, float, float, float]  # x0, y0, x1, y1 of the foot mask
    mean: np.ndarray  # (3,) mean colour of the covered pixels
    leg_edge: str | None  # border the drawing leaves the view through (the leg), if any
    leg_cut: np.ndarray | None  # (2, 2) ends (x, y) of the covered run along leg_edge, this level's pixels
    half: "PreparedView | None" = field(default=None, repr=False)
    ego: bool = False  # an egocentric frame (composited whole, see render_ego)


SHADOW_SCALE = 4  # the contact shadow is a wide blur: a quarter-resolution copy looks the same


def _foot_box(mask: np.ndarray, what: str) -> tuple[float, float, float, float]:
    x, y, w, h = cv2.boundingRect(mask)
    if w == 0 or h == 0:
        raise FootsegError(f"foot view {what}: empty foot mask")
    return float(x), float(y), float(x + w), float(y + h)


def _leg_cut(alpha: np.ndarray) -> tuple[str | None, np.ndarray | None]:
    """(border, (2, 2) ends of the covered run on it) where the drawing leaves the view: the leg.

    The border with the most covered pixels wins; under 5 % of the side covered means no leg.
    """
    h, w = alpha.shape
    borders = {"top": alpha[0], "bottom": alpha[-1], "left": alpha[:, 0], "right": alpha[:, -1]}
    covered = {name: np.flatnonzero(edge > 127) for name, edge in borders.items()}
    edge = max(covered, key=lambda name: (covered[name].size, name))
    run = covered[edge]
    if run.size < 0.05 * min(h, w):
        return None, None
    a, b = float(run.min()), float(run.max() + 1)
    ends = {"top": [[a, 0], [b, 0]], "bottom": [[a, h], [b, h]], "left": [[0, a], [0, b]], "right": [[w, a], [w, b]]}
    return edge, np.array(ends[edge], dtype=np.float64)


def prepare_view(view: FootView, levels: int = 2) -> PreparedView:
    """Arrays and statistics of one view, with ``levels - 1`` half-size levels for small placements."""
    what = f"{view.foot_id}/{view.view}"
    alpha = np.ascontiguousarray(view.alpha, dtype=np.uint8)
    rgb = np.ascontiguousarray(view.rgb, dtype=np.uint8)
    mask = np.ascontiguousarray(view.mask, dtype=np.uint8) & (alpha > 0).astype(np.uint8)
    h, w = alpha.shape
    box = _foot_box(mask, what)
    # The contact shadow: the footprint blurred wide (and boosted so its core stays dark).
    if view.params.get("shadow") is not None:  # egocentric: cast + contact shadow rendered with the view
        shadow = np.ascontiguousarray(view.params["shadow"], dtype=np.uint8)
    else:
        small = cv2.resize(
            mask * 255, (max(1, w // SHADOW_SCALE), max(1, h // SHADOW_SCALE)), interpolation=cv2.INTER_AREA
        )
        sigma = max(0.7, 0.04 * max(box[2] - box[0], box[3] - box[1]) / SHADOW_SCALE)
        shadow = cv2.convertScaleAbs(cv2.GaussianBlur(small, (0, 0), sigma), alpha=1.4)
    covered = (alpha > 127).astype(np.uint8)
    mean = np.array(cv2.mean(rgb, mask=covered)[:3]) if covered.any() else np.full(3, 128.0)
    leg_edge, leg_cut = _leg_cut(alpha)
    ego = view.view.startswith(EGO_PREFIX)
    base = PreparedView(
        np.dstack([rgb, alpha]),
        mask,
        shadow,
        np.array([w / shadow.shape[1], h / shadow.shape[0]]),
        box,
        mean,
        leg_edge,
        leg_cut,
        ego=ego,
    )
    if ego:
        return base  # composited at about its own scale: no half-size levels
    level = base
    for _ in range(levels - 1):
        lh, lw = level.mask.shape
        if min(lh, lw) < 32:
            break
        size = (lw // 2, lh // 2)
        half_rgba = cv2.resize(level.rgba, size, interpolation=cv2.INTER_AREA)
        # Area-averaged like alpha, so both keep the same boundary.
        half_mask = (cv2.resize(level.mask * 255, size, interpolation=cv2.INTER_AREA) >= 128).astype(np.uint8)
        ratio = np.array([size[0] / lw, size[1] / lh])
        level.half = PreparedView(
            half_rgba,
            half_mask,
            shadow,
            level.shadow_scale * ratio,
            _foot_box(half_mask, what),
            mean,
            level.leg_edge,
            None if level.leg_cut is None else level.leg_cut * ratio,
        )
        level = level.half
    return base


# ------------------------------------------------------------------------------------ geometry


def _translate(dx: float, dy: float) -> np.ndarray:
    return np.array([[1.0, 0.0, dx], [0.0, 1.0, dy], [0.0, 0.0, 1.0]])


def _rotate_scale(angle_rad: float, scale: float) -> np.ndarray:
    c, s = math.cos(angle_rad) * scale, math.sin(angle_rad) * scale
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def _apply(matrix: np.ndarray, points: np.ndarray) -> np.ndarray:
    mapped = points @ matrix[:2, :2].T + matrix[:2, 2]
    return mapped / (points @ matrix[2, :2] + matrix[2, 2])[:, None]


def _exit_distance(point: np.ndarray, direction: np.ndarray, size: float) -> float:
    """How far ``point`` must travel along ``direction`` to leave the size x size square (0 if out)."""
    if not (0 <= point[0] <= size and 0 <= point[1] <= size):
        return 0.0
    steps = [
        (size - point[axis]) / direction[axis] if direction[axis] > 0 else -point[axis] / direction[axis]
        for axis in range(2)
        if abs(direction[axis]) > 1e-9
    ]
    return min(steps) if steps else 0.0


def _foot_centre(view: PreparedView) -> np.ndarray:
    x0, y0, x1, y1 = view.foot_box
    return np.array([(x0 + x1) / 2, (y0 + y1) / 2])


def place_feet(
    prepared: Sequence[PreparedView], rng: np.random.Generator, canvas: float, cfg: CompositeConfig
) -> list[np.ndarray]:
    """View -> canvas matrices for one foot or a left/right pair (one rotation and scale, side by side)."""
    x0, y0, x1, y1 = prepared[0].foot_box
    scale = rng.uniform(*cfg.foot_size) * canvas / max(x1 - x0, y1 - y0)
    angle = math.radians(rng.uniform(-cfg.rotation_deg, cfg.rotation_deg))
    centre = rng.uniform(0.35, 0.65, size=2) * canvas
    gap = rng.uniform(0.9, 1.3)
    # Side by side across the legs: along the view's x axis when the legs leave through the top or
    # bottom edge, along its y axis when they leave through a side.
    sideways = prepared[0].leg_edge in ("left", "right")
    across = np.array([-math.sin(angle), math.cos(angle)]) if sideways else np.array([math.cos(angle), math.sin(angle)])
    matrices = []
    for k, view in enumerate(prepared):
        matrix = _translate(*centre) @ _rotate_scale(angle, scale) @ _translate(*-_foot_centre(view))
        if len(prepared) == 2:
            bx0, by0, bx1, by1 = view.foot_box
            half_width = 0.5 * gap * scale * min(bx1 - bx0, by1 - by0)
            matrix = _translate(*((1 if k == 1 else -1) * half_width * across)) @ matrix
        matrices.append(matrix)
    return matrices


def push_legs_out(matrices: list[np.ndarray], prepared: Sequence[PreparedView], size: int) -> list[np.ndarray]:
    """Shift the feet (together) along their legs until the legs' cut ends are outside the output.

    A leg ending in mid-image gives the composite away; moving the foot no further than needed
    keeps it as central as the leg allows. When the leg is too short in the frame for the foot to
    stay in view, the feet are first turned and/or enlarged about their centre (a closer camera).
    Works on view -> output matrices (after the corner warp).
    """
    anchor = _apply(matrices[0], _foot_centre(prepared[0])[None])[0]
    # First the least change (turn, then zoom) that keeps every foot centre well inside, then one
    # that keeps it in view at all.
    for margin in (0.12, 0.0):
        low, high = margin * size, (1 - margin) * size
        for turn in (0.0, 20.0, -20.0, 40.0, -40.0):
            for zoom in (1.0, 1.25, 1.5, 1.8, 2.2, 2.8):
                about = _translate(*anchor) @ _rotate_scale(math.radians(turn), zoom) @ _translate(*-anchor)
                result = _push([about @ m for m in matrices], prepared, size)
                centres = [_apply(m, _foot_centre(v)[None])[0] for m, v in zip(result, prepared)]
                if all(low <= c[0] <= high and low <= c[1] <= high for c in centres):
                    return result
    # Rare (a very short leg, a wide trouser hem): a visible leg end beats a foot out of the frame.
    return matrices


def _push(matrices: list[np.ndarray], prepared: Sequence[PreparedView], size: int) -> list[np.ndarray]:
    """The shift of push_legs_out at one scale."""
    shift = 0.0
    direction = None
    for matrix, view in zip(matrices, prepared):
        if view.leg_cut is None:
            continue
        cut = _apply(matrix, view.leg_cut)
        foot = _apply(matrix, _foot_centre(view)[None])[0]
        if direction is None:
            direction = cut.mean(axis=0) - foot
            norm = np.linalg.norm(direction)
            if norm < 1e-9:
                return matrices
            direction /= norm
        shift = max(shift, *(_exit_distance(p, direction, size) for p in cut))
    if direction is None or shift == 0.0:
        return matrices
    move = _translate(*((shift + 2.0) * direction))
    return [move @ matrix for matrix in matrices]


# ----------------------------------------------------------------------------------- rendering


def _scale_of(matrix: np.ndarray, point: np.ndarray | None = None) -> float:
    """Linear magnification of ``matrix`` (at ``point`` for a homography: det J = det H / w^3)."""
    if point is None or (matrix[2, 0] == 0.0 and matrix[2, 1] == 0.0):
        return math.sqrt(abs(np.linalg.det(matrix[:2, :2]) / matrix[2, 2] ** 2))
    w = matrix[2, 0] * point[0] + matrix[2, 1] * point[1] + matrix[2, 2]
    return math.sqrt(abs(np.linalg.det(matrix) / w**3))


def _level(view: PreparedView, matrix: np.ndarray) -> tuple[PreparedView, np.ndarray]:
    """The coarsest cached level that is still not shrunk more than 2x at the foot (avoids aliasing)."""
    x0, y0, x1, y1 = view.foot_box
    centre = np.array([(x0 + x1) / 2, (y0 + y1) / 2])
    while view.half is not None and _scale_of(matrix, centre) < 0.5:
        factor = np.array(view.mask.shape[::-1], float) / np.array(view.half.mask.shape[::-1], float)
        matrix = matrix @ np.diag([factor[0], factor[1], 1.0])
        centre = centre / factor
        view = view.half
    return view, matrix


def harmonisation_gain(floor_mean: np.ndarray, foot_mean: np.ndarray, strength: float) -> np.ndarray:
    """Per-channel gains moving the foot's brightness ``strength`` of the way (in log) to the floor's.

    The colour cast follows at a third of that strength: a floor's colour is mostly its own albedo,
    not the light's, and skin turned green reads as wrong at once.
    """
    floor_mean = np.maximum(floor_mean, 1.0)
    foot_mean = np.maximum(foot_mean, 1.0)
    brightness = floor_mean.mean() / foot_mean.mean()
    cast = (floor_mean / floor_mean.mean()) / (foot_mean / foot_mean.mean())
    return np.clip(brightness**strength * cast ** (strength / 3.0), 0.7, 1.4)


def _roi(matrix: np.ndarray, width: int, height: int, size: int) -> tuple[int, int, int, int] | None:
    """Bounding box (x0, y0, x1, y1) in the output of a width x height layer, clipped; None if outside."""
    corners = np.array([[0, 0, 1], [width, 0, 1], [width, height, 1], [0, height, 1]], dtype=np.float64)
    mapped = corners @ matrix.T
    if (mapped[:, 2] <= 1e-9).any():  # a corner behind the homography's horizon: no finite box
        return 0, 0, size, size
    xy = mapped[:, :2] / mapped[:, 2:3]
    x0, y0 = np.floor(xy.min(axis=0)).astype(int) - 1
    x1, y1 = np.ceil(xy.max(axis=0)).astype(int) + 1
    x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, size), min(y1, size)
    return (x0, y0, x1, y1) if x1 > x0 and y1 > y0 else None


def _warp_roi(
    image: np.ndarray, matrix: np.ndarray, roi: tuple[int, int, int, int], *, nearest: bool = False
) -> np.ndarray:
    """Warp only the output box ``roi`` of a layer (transparent outside the layer)."""
    x0, y0, x1, y1 = roi
    return warp(image, _translate(-x0, -y0) @ matrix, (x1 - x0, y1 - y0), nearest=nearest, border=cv2.BORDER_CONSTANT)


def render(
    plan: Plan, prepared: Sequence[PreparedView], floor: np.ndarray, noise: np.ndarray, seed: int, cfg: CompositeConfig
) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """(image uint8 (S, S, 3), mask uint8 (S, S), augmentation record) of one composite.

    ``floor`` is RGB or RGBA (the alpha channel is ignored; the renderer passes RGBA for speed).
    """
    if plan_is_ego(prepared):
        return render_ego(plan, prepared[0], floor, noise, seed, cfg)
    rng = np.random.default_rng([seed, plan.index])
    size = cfg.size
    canvas = float(size)
    fh, fw = floor.shape[:2]
    side = rng.uniform(*cfg.floor_crop) * min(fh, fw)
    fx, fy = rng.uniform(0, fw - side), rng.uniform(0, fh - side)
    floor_to_canvas = np.diag([canvas / side, canvas / side, 1.0]) @ _translate(-fx, -fy)
    placements = place_feet(prepared, rng, canvas, cfg)
    points = corner_points(rng, canvas, canvas)
    augment = corner_transform(points, size, cfg.warp)
    strength = rng.uniform(*cfg.harmonise)
    shadow_strength = rng.uniform(*cfg.shadow)
    shadow_shift = rng.uniform(0.005, 0.03, size=2) * canvas * rng.choice([-1.0, 1.0], size=2)
    blur = rng.uniform(*cfg.blur)
    sigma = rng.uniform(*cfg.noise)
    oy, ox = rng.integers(0, noise.shape[0] - size + 1, size=2)

    # uint8 throughout, with OpenCV's fused kernels: numpy float temporaries cost more than the warps.
    image = warp(floor, augment @ floor_to_canvas, size)
    if image.shape[2] == 4:
        image = cv2.cvtColor(image, cv2.COLOR_RGBA2RGB)
    # Harmonisation: pull the foot's colour part of the way toward the floor's mean colour (lighting).
    floor_mean = np.array(cv2.mean(image)[:3])
    mask = np.zeros((size, size), np.uint8)
    gains = []
    layers = []
    # Each foot goes view -> output in one resampling: placement, then the corner warp.
    to_output = push_legs_out([augment @ p for p in placements], prepared, size)
    # Every foot and its shadow touch only a box of the output: warp and blend just that box.
    for view, full in zip(prepared, to_output):
        level, matrix = _level(view, full)
        gain = harmonisation_gain(floor_mean, view.mean, strength)
        gains.append(gain)
        shadow_matrix = _translate(*shadow_shift) @ matrix @ np.diag([*level.shadow_scale, 1.0])
        box = _roi(shadow_matrix, *level.shadow.shape[::-1], size)
        if box is not None:
            x0, y0, x1, y1 = box
            darkness = _warp_roi(level.shadow, shadow_matrix, box).astype(np.float32)
            darkness *= np.float32(shadow_strength / 255.0)
            target = image[y0:y1, x0:x1]
            target[:] = cv2.blendLinear(target, np.zeros_like(target), 1.0 - darkness, darkness)
        layers.append((level, matrix, gain))
    for level, matrix, gain in layers:
        h, w = level.mask.shape
        box = _roi(matrix, w, h, size)
        if box is None:
            continue
        x0, y0, x1, y1 = box
        rgba = _warp_roi(level.rgba, matrix, box)
        foreground = cv2.LUT(cv2.cvtColor(rgba, cv2.COLOR_RGBA2RGB), gain_table(gain))
        alpha = rgba[..., 3].astype(np.float32)
        alpha *= np.float32(1.0 / 255.0)
        target = image[y0:y1, x0:x1]
        target[:] = cv2.blendLinear(foreground, target, alpha, 1.0 - alpha)
        # A later layer (the other foot's leg) hides what it covers.
        mask[y0:y1, x0:x1][rgba[..., 3] > 127] = 0
        mask[y0:y1, x0:x1] |= _warp_roi(level.mask, matrix, box, nearest=True)
    if blur > 0.3:
        image = cv2.GaussianBlur(image, (0, 0), blur)
    # Sensor noise: the shared field is stored as 128 + NOISE_UNIT * N(0, 1) in uint8.
    gain_noise = float(sigma) / NOISE_UNIT
    out = cv2.addWeighted(image, 1.0, noise[oy : oy + size, ox : ox + size], gain_noise, -128.0 * gain_noise)
    record = {
        "warp": cfg.warp,
        "corners": np.round(points, 2).tolist(),
        "floor_crop": [round(float(fx), 1), round(float(fy), 1), round(float(side), 1)],
        # Placement on the canvas (before the corner warp) and where the foot ended up in the output.
        "feet": [
            {
                "scale": round(_scale_of(p), 4),
                "rotation_deg": round(math.degrees(math.atan2(p[1, 0], p[0, 0])), 2),
                "centre": np.round(_apply(p, _foot_centre(v)[None])[0], 1).tolist(),
                "output_centre": np.round(_apply(m, _foot_centre(v)[None])[0], 1).tolist(),
                "output_scale": round(_scale_of(m, _foot_centre(v)), 4),
            }
            for v, p, m in zip(prepared, placements, to_output)
        ],
        "gains": [np.round(g, 3).tolist() for g in gains],
        "shadow": {"strength": round(float(shadow_strength), 3), "offset": np.round(shadow_shift, 1).tolist()},
        "blur_sigma": round(float(blur), 3) if blur > 0.3 else 0.0,
        "noise_sigma": round(float(sigma), 3),
    }
    return out, mask, record


def plan_is_ego(prepared: Sequence[PreparedView]) -> bool:
    return len(prepared) == 1 and prepared[0].ego


def render_ego(
    plan: Plan, view: PreparedView, floor: np.ndarray, noise: np.ndarray, seed: int, cfg: CompositeConfig
) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """One egocentric composite: the view's 3:4 frame over a 3:4 floor crop, squashed to S x S.

    The frame -> output matrix is a mild corner warp whose corners are the frame's own (so the
    3:4 frame is squashed to the square, footseg.data.frames' convention), optionally mirrored.
    Floor, shadow, feet and mask all go through it once.
    """
    rng = np.random.default_rng([seed, plan.index])
    size = cfg.size
    h, w = view.mask.shape
    fh, fw = floor.shape[:2]
    crop_h = min(rng.uniform(*cfg.floor_crop) * min(fh, fw) / 0.75, fh)
    crop_w = crop_h * w / h
    fx, fy = rng.uniform(0, fw - crop_w), rng.uniform(0, fh - crop_h)
    floor_to_frame = np.diag([w / crop_w, h / crop_h, 1.0]) @ _translate(-fx, -fy)
    flip = rng.random() < cfg.flip
    mirror = np.array([[-1.0, 0.0, w], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]) if flip else np.eye(3)
    points = corner_points(rng, float(w), float(h), cfg.ego_reach)
    # Zoom and clutter draw from their own generator, so with both off the bytes stay as before.
    extra = np.random.default_rng([seed, plan.index, 1])
    zoom = extra.uniform(*cfg.zoom)
    window = extra.uniform(0, 1 - 1 / zoom, 2) * [w, h]
    frame_to_out = corner_transform(points, size, cfg.warp) @ np.diag([zoom, zoom, 1.0]) @ _translate(*-window) @ mirror
    strength = rng.uniform(*cfg.harmonise)
    shadow_strength = rng.uniform(*cfg.shadow)
    ramp = rng.uniform(*cfg.light_gradient)
    ramp_angle = rng.uniform(0, 2 * math.pi)
    blur = rng.uniform(*cfg.blur)
    sigma = rng.uniform(*cfg.noise)
    jpeg = int(rng.uniform(cfg.jpeg[1], 95)) if rng.random() < cfg.jpeg[0] else 0
    oy, ox = rng.integers(0, noise.shape[0] - size + 1, size=2)

    image = warp(floor, frame_to_out @ floor_to_frame, size)
    if image.shape[2] == 4:
        image = cv2.cvtColor(image, cv2.COLOR_RGBA2RGB)
    floor_mean = np.array(cv2.mean(image)[:3])
    clutter = paint_clutter(image, extra, cfg.clutter)
    shadow_matrix = frame_to_out @ np.diag([*view.shadow_scale, 1.0])
    darkness = warp(view.shadow, shadow_matrix, size, border=cv2.BORDER_CONSTANT).astype(np.float32)
    darkness *= np.float32(shadow_strength / 255.0)
    image = cv2.blendLinear(image, np.zeros_like(image), 1.0 - darkness, darkness)
    gain = harmonisation_gain(floor_mean, view.mean, strength)
    rgba = warp(view.rgba, frame_to_out, size, border=cv2.BORDER_CONSTANT)
    foreground = cv2.LUT(cv2.cvtColor(rgba, cv2.COLOR_RGBA2RGB), gain_table(gain))
    alpha = rgba[..., 3].astype(np.float32)
    alpha *= np.float32(1.0 / 255.0)
    image = cv2.blendLinear(foreground, image, alpha, 1.0 - alpha)
    mask = warp(view.mask, frame_to_out, size, nearest=True, border=cv2.BORDER_CONSTANT)
    if ramp > 0.01:
        # One light over floor and feet alike: a soft brightness ramp across the frame.
        _, _, gy, gx = _ramp_axes(size)
        field = 1.0 + ramp * (math.cos(ramp_angle) * gx + math.sin(ramp_angle) * gy)
        lit = image * field[..., None]  # > 0: the field is 1 +- ramp / sqrt(2)
        image = np.minimum(lit, 255, out=lit).astype(np.uint8)  # (np.clip: the same bytes, 3x slower)
    if blur > 0.3:
        image = cv2.GaussianBlur(image, (0, 0), blur)
    gain_noise = float(sigma) / NOISE_UNIT
    out = cv2.addWeighted(image, 1.0, noise[oy : oy + size, ox : ox + size], gain_noise, -128.0 * gain_noise)
    if jpeg:
        out = cv2.imdecode(cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, jpeg])[1], cv2.IMREAD_UNCHANGED)
    record = {
        "scene": "egocentric",
        "warp": cfg.warp,
        "corners": np.round(points, 2).tolist(),
        "flip": bool(flip),
        "floor_crop": [round(float(fx), 1), round(float(fy), 1), round(float(crop_w), 1), round(float(crop_h), 1)],
        "gains": [np.round(gain, 3).tolist()],
        "shadow": {"strength": round(float(shadow_strength), 3)},
        "light_gradient": {"strength": round(float(ramp), 3), "angle_deg": round(math.degrees(ramp_angle), 1)},
        "blur_sigma": round(float(blur), 3) if blur > 0.3 else 0.0,
        "noise_sigma": round(float(sigma), 3),
        "jpeg_quality": jpeg,
        "zoom": [round(float(zoom), 3), *np.round(window, 1).tolist()],
        "clutter": clutter,
    }
    return out, mask, record


_LEVELS = np.repeat(np.arange(256, dtype=np.uint8)[:, None, None], 3, axis=2)  # (256, 1, 3)


def gain_table(gain: np.ndarray) -> np.ndarray:
    """A per-channel lookup table that applies ``cv2.multiply(rgb, gain)`` (the same rounding and
    saturation, being that very function on every level) to a whole image at a fifth of its cost."""
    return cv2.multiply(_LEVELS, (*np.asarray(gain, np.float64).tolist(), 0.0))


_RAMPS: dict[int, tuple[int, int, np.ndarray, np.ndarray]] = {}


def _ramp_axes(size: int) -> tuple[int, int, np.ndarray, np.ndarray]:
    """Cached (-0.5..0.5) coordinate planes of an S x S image."""
    if size not in _RAMPS:
        axis = (np.arange(size, dtype=np.float32) + 0.5) / size - 0.5
        _RAMPS[size] = (size, size, *np.meshgrid(axis, axis, indexing="ij"))
    return _RAMPS[size]


def noise_field(seed: int, size: int) -> np.ndarray:
    """A fixed Gaussian noise field that composites crop from: 128 + NOISE_UNIT * N(0, 1) as uint8."""
    side = max(NOISE_TILE, size)
    field = 128.0 + NOISE_UNIT * np.random.default_rng([seed, 0x4E01]).standard_normal((side, side, 3))
    return np.clip(np.round(field), 0, 255).astype(np.uint8)


# ------------------------------------------------------------------------------------- driver


class _Renderer:
    """Holds the inputs in a worker (inherited by fork) and caches prepared views and floors."""

    def __init__(self, views: Sequence[FootView], floors: Sequence[Floor], seed: int, cfg: CompositeConfig):
        self.views, self.floors, self.seed, self.cfg = views, floors, seed, cfg
        self.prepared: dict[int, PreparedView] = {}
        self.floor_images: dict[int, np.ndarray] = {}
        self.noise = noise_field(seed, cfg.size)

    def floor(self, index: int) -> np.ndarray:
        if index not in self.floor_images:
            image = np.ascontiguousarray(self.floors[index].image, dtype=np.uint8)
            # A crop shrinks by canvas/side at most; keep that near 2x so bilinear does not alias.
            while min(image.shape[:2]) * self.cfg.floor_crop[0] > 2.5 * self.cfg.size:
                image = cv2.resize(image, (image.shape[1] // 2, image.shape[0] // 2), interpolation=cv2.INTER_AREA)
            # Four channels: OpenCV's warpAffine has a SIMD path for 4 x uint8 that is ~3x faster than for 3.
            self.floor_images[index] = cv2.cvtColor(image, cv2.COLOR_RGB2RGBA)
        return self.floor_images[index]

    def view(self, index: int) -> PreparedView:
        if index not in self.prepared:
            if len(self.prepared) >= PREPARED_CACHE:
                # Chunks run pool by pool, so old pools' views are not needed again soon.
                self.prepared.pop(next(iter(self.prepared)))
            self.prepared[index] = prepare_view(self.views[index], levels=3)
        return self.prepared[index]

    def __call__(self, plan: Plan) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
        views = [self.view(i) for i in plan.views]
        return render(plan, views, self.floor(plan.floor), self.noise, self.seed, self.cfg)


_WORKER: dict[str, Any] = {}


def _render_chunk(job: tuple[str, str, list[Plan]]) -> list[dict[str, Any]]:
    """Worker: render a chunk of plans straight into the output memory maps; return the records."""
    images_path, masks_path, plans = job
    renderer: _Renderer = _WORKER["renderer"]
    images = np.load(images_path, mmap_mode="r+")
    masks = np.load(masks_path, mmap_mode="r+")
    records = []
    for plan in plans:
        images[plan.index], masks[plan.index], record = renderer(plan)
        records.append(record)
    # No flush(): msync would force every chunk to disk; unmapping leaves the pages in the page
    # cache, which is all the parent (and the atomic rename) needs.
    del images, masks
    return records


def composite_record(
    plan: Plan, views: Sequence[FootView], floors: Sequence[Floor], augment: dict[str, Any]
) -> dict[str, Any]:
    """The manifest entry of one composite."""
    shown = [views[i] for i in plan.views]
    foot_ids = [f for v in shown for f in (v.params.get("foot_ids") or [v.foot_id])]
    return {
        "index": plan.index,
        "foot_ids": foot_ids,
        "person_id": shown[0].person_id,
        "floor_id": floors[plan.floor].floor_id,
        "view": shown[0].view,
        "pool": plan.pool,
        "augment": augment,
    }


def write_composites(
    out_dir: str | Path,
    views: Sequence[FootView],
    floors: Sequence[Floor],
    cfg: CompositeConfig,
    seed: int,
    progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Render cfg.count composites into ``out_dir`` (images.npy, masks.npy); return the manifest.

    ``progress`` is called with the number of composites finished by each chunk. The caller writes
    manifest.json (and wraps ``out_dir`` in footseg.io.atomic_dir).
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    plans, n_pools = plan_composites(views, [f.floor_id for f in floors], cfg.count, cfg.pools, seed, cfg.both_feet)
    images_path, masks_path = out_dir / "images.npy", out_dir / "masks.npy"
    for path, shape in (
        (images_path, (len(plans), cfg.size, cfg.size, 3)),
        (masks_path, (len(plans), cfg.size, cfg.size)),
    ):
        # Writes the .npy header and a sparse body that the workers fill in place.
        np.lib.format.open_memmap(path, mode="w+", dtype=np.uint8, shape=shape)
    chunks = [plans[i : i + cfg.chunk] for i in range(0, len(plans), cfg.chunk)]
    jobs = [(str(images_path), str(masks_path), chunk) for chunk in chunks]
    _WORKER["renderer"] = _Renderer(views, floors, seed, cfg)
    augments: list[dict[str, Any]] = []
    # Parallelism comes from worker processes (forked with this setting); OpenCV's own threads
    # would only contend with them.
    cv_threads = cv2.getNumThreads()
    cv2.setNumThreads(1)
    try:
        if cfg.workers > 1 and len(chunks) > 1:
            # fork: the workers inherit views and floors without pickling them.
            with multiprocessing.get_context("fork").Pool(min(cfg.workers, len(chunks))) as pool:
                for chunk, records in zip(chunks, pool.imap(_render_chunk, jobs)):
                    augments.extend(records)
                    if progress:
                        progress(len(chunk))
        else:
            for chunk, job in zip(chunks, jobs):
                augments.extend(_render_chunk(job))
                if progress:
                    progress(len(chunk))
    finally:
        _WORKER.clear()
        cv2.setNumThreads(cv_threads)
    manifest = {
        "composites": [composite_record(p, views, floors, a) for p, a in zip(plans, augments)],
        "pools": n_pools,
        "size": cfg.size,
        "seed": seed,
        "config": {
            k: list(v) if isinstance(v, tuple) else v for k, v in asdict(cfg).items() if k not in ("workers", "chunk")
        },
    }
    return manifest


def summary_counts(views: Iterable[FootView]) -> tuple[int, int]:
    """(persons, distinct view names) of the foot views, for the stage's summary line."""
    views = list(views)
    return len({v.person_id for v in views}), len({v.view for v in views})
