"""The renderer: foot mesh + look + camera + light -> a view's (rgb, alpha, mask).

A vectorised numpy z-buffer rasteriser writes the front-most triangle per pixel at
``supersample`` x the output size (coverage, so alpha and mask get anti-aliased edges); shading is
deferred and done once per output pixel: world position, normal and source colour are
interpolated (perspective-correct), the material is evaluated there (materials.py) and lit with
wrapped Lambert (skin) + hemispheric ambient + a soft Blinn-Phong highlight in linear light.

The scene is the foot (``part`` 1, the segmentation mask), a lower leg continuing the ankle ring
(``part`` 0) and sometimes a trouser leg (``part`` 2, double-sided so the inside of the hem shows);
only part 1 is in ``mask``, all of them in ``alpha``. With ``look["ankle_height"]`` the foot mesh
above that height (``part`` 3) is drawn and shaded as foot but labelled background: the mask ends
at the ankle, inside one smooth surface, not at the seam where the leg's geometry begins.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from ..types import FootMesh
from . import geometry
from .materials import albedo, sock_top

PART_LEG, PART_FOOT, PART_TROUSERS, PART_ANKLE = 0, 1, 2, 3
LEG_SEGMENTS = 40
LEG_FLARE = 0.3  # the shin widens by this share toward the calf (add_leg)
TROUSER_WIDTH, TROUSER_FLARE = 1.15, 0.25  # a trouser leg: x the ankle ring (+ ease), widening by this share
FOOT_MESH = (PART_FOOT, PART_ANKLE)  # the foot as drawn (framing), whatever part of it is labelled
ANKLE_SLOPE = 0.5  # the mask's top rises this much per metre toward the toes (~27 degrees; look["ankle_height"])
NEAR = 0.02  # metres: triangles closer to the camera than this are dropped
_ID_BITS = 22  # z-buffer key = quantised depth << _ID_BITS | triangle id
_BUCKETS = (4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256)
_BATCH_PIXELS = 1 << 21  # candidate pixels per batch (memory bound)


@dataclass
class Scene:
    """Everything drawn for one foot: triangles tagged with the part they belong to."""

    vertices: np.ndarray  # (V, 3) float32, metres
    faces: np.ndarray  # (F, 3) int32, CCW seen from outside
    normals: np.ndarray  # (V, 3) float32
    base: np.ndarray  # (V, 3) float32 source skin colour divided by its mean (variation, ~1)
    face_part: np.ndarray  # (F,) int8
    foot_length: float
    ankle_top: float
    ankle_x: float
    centre: np.ndarray  # (3,) where cameras aim: the middle of the foot, a little above the floor
    look: dict[str, Any]
    leg_end: np.ndarray  # (K,) indices of the vertices closing the top of the leg (must stay out of view)
    ankle_centre: np.ndarray  # (2,) x, y of the ring where the leg meets the foot, at z = ankle_top
    ankle_radii: np.ndarray  # (2,) its semi-axes
    leg_colour: np.ndarray  # (3,) source colour (relative to its mean) for the leg
    toe_front: np.ndarray  # (B, 3) per y bin: y, the toes' front x there, toenail length (toenails)
    knee: np.ndarray | None = None  # (3,) centre of the knee of a seated leg (add_leg's leg["thigh"])


def dress_foot(mesh: FootMesh, look: dict[str, Any]) -> Scene:
    """The foot alone, dressed (sock/shoe geometry) and cut where the leg takes over."""
    v = mesh.vertices.astype(np.float32)
    faces = mesh.faces.astype(np.int32)
    length = float(v[:, 0].max() - v[:, 0].min())
    z_top, ring_c, ring_r = geometry.ankle_ring(v)
    ankle_x = float(ring_c[0])
    covering = look["covering"]
    if covering != "bare":
        n = geometry.vertex_normals(v, faces)
        if covering == "sock":
            inside = v[:, 2] < sock_top(look, z_top)
            v = v + n * (0.0015 * inside)[:, None]
            v = geometry.toe_box(v, 0.8)
        else:
            shoe = look["shoe"]
            covered = (v[:, 2] < shoe["collar"]) | (v[:, 0] > ankle_x + 0.04)
            v = v + n * (0.005 * covered)[:, None]
            v = geometry.toe_box(v, 1.0)
            # The sole: lift the foot and stretch the lowest band down to the floor.
            low = np.clip(1.0 - v[:, 2] / 0.015, 0, 1) * covered
            v[:, 2] += shoe["sole_height"] * (1 - low)
        v = geometry.smooth(v, faces, np.clip((v[:, 0] - 0.55 * length) / (0.1 * length), 0, 1), 3)
        z_top, ring_c, ring_r = geometry.ankle_ring(v)
    v, faces, colours = geometry.cut_at(v, faces, mesh.colors.astype(np.float32), z_top)  # the leg takes over
    face_part = np.full(len(faces), PART_FOOT, np.int8)
    if look.get("ankle_height"):
        # The label's top, the ankle: a plane through the leg's axis at ankle_height x the foot's
        # length, rising toward the toes (low behind the ankle bones, at the crease in front);
        # a shoe is foot up to its collar.
        x_heel = float(v[:, 0].min())
        label_top = look["ankle_height"] * length
        if covering == "shoe":
            label_top = max(label_top, look["shoe"]["collar"] + ANKLE_SLOPE * (ankle_x - x_heel))
        v, below, above, colours = geometry.split_at(v, faces, colours, label_top, ANKLE_SLOPE, ankle_x)
        faces = np.vstack([below, above])
        face_part = np.repeat(np.array([PART_FOOT, PART_ANKLE], np.int8), [len(below), len(above)])
    # The source's colour as variation around its mean: materials move the mean to a skin tone.
    mean_colour = np.maximum(mesh.colors.mean(axis=0), 1e-3)
    top = mesh.colors[mesh.vertices[:, 2] > np.quantile(mesh.vertices[:, 2], 0.9)].mean(axis=0) / mean_colour
    return Scene(
        vertices=v,
        faces=faces,
        normals=geometry.vertex_normals(v, faces),
        base=(colours / mean_colour).astype(np.float32),
        face_part=face_part,
        foot_length=length,
        ankle_top=z_top,
        ankle_x=ankle_x,
        centre=np.array([(v[:, 0].min() + v[:, 0].max()) / 2, v[:, 1].mean(), 0.04], np.float32),
        look=look,
        leg_end=np.zeros(0, np.int64),
        ankle_centre=ring_c,
        ankle_radii=ring_r,
        leg_colour=top.astype(np.float32),
        toe_front=_toe_front(v, length, mesh.side),
    )


def _toe_front(vertices: np.ndarray, length: float, side: str, bins: int = 24) -> np.ndarray:
    """The front edge of the toes as a function of y, with a toenail length per y: longer on
    the big toe (the medial side: -y on a left foot, +y on a right one)."""
    front = vertices[vertices[:, 0] > vertices[:, 0].min() + 0.75 * length]
    y0, y1 = front[:, 1].min(), front[:, 1].max()
    centres = np.linspace(y0, y1, bins)
    which = np.clip(((front[:, 1] - y0) / max(y1 - y0, 1e-6) * (bins - 1)).round().astype(int), 0, bins - 1)
    tip = np.full(bins, np.nan)
    for b in range(bins):
        if (which == b).any():
            tip[b] = front[which == b, 0].max()
    known = ~np.isnan(tip)
    tip = np.interp(centres, centres[known], tip[known])
    tip = np.convolve(np.pad(tip, 1, mode="edge"), [0.25, 0.5, 0.25], mode="valid")
    medial = (centres - y0) / max(y1 - y0, 1e-6)
    medial = 1 - medial if side == "right" else medial  # 0 at the big toe's side
    nail = np.where(medial < 0.3, 0.012, 0.0065) * length / 0.26
    return np.stack([centres, tip, nail], axis=1).astype(np.float32)


def add_leg(foot: Scene, leg: dict[str, Any]) -> Scene:
    """The dressed foot plus the lower leg (``leg``: length, tilt (dx, dy) per metre of height)
    and, if the look has them, trousers.

    ``leg["thigh"]`` (a seated person: direction from the knee in the foot's frame, length,
    radius [at the knee, at the hip]) bends the leg at the top of the shin: a knee and a thigh
    running back toward the body. The trouser hem is measured along the leg, so a hem above the
    knee (shorts) covers the thigh only."""
    z_top, ring_c, ring_r = foot.ankle_top, foot.ankle_centre, foot.ankle_radii
    tilt = tuple(leg["tilt"])
    # The leg starts on the foot's cut outline (a hair lower and narrower: no crack, no seam).
    leg_z0 = z_top - 0.002
    outline, outline_colour = geometry.cut_outline(
        foot.vertices, foot.faces, z_top, ring_c, ring_r, LEG_SEGMENTS, foot.base
    )
    leg_v, leg_f = geometry.tube(
        ring_c,
        ring_r,
        leg_z0,
        z_top + leg["length"],
        flare=LEG_FLARE,
        flare_start=0.1,
        tilt=tilt,
        segments=LEG_SEGMENTS,
        rings=22,
        base=outline * 0.995,
        base_blend=0.04,
        calf=leg.get("calf", 0.0),
    )
    # The leg's colour continues the foot's along the cut, fading to one leg colour higher up.
    fade = np.clip((leg_v[:, 2] - leg_z0) / 0.05, 0, 1)[:, None]
    ring_colour = outline_colour[np.arange(len(leg_v)) % LEG_SEGMENTS]
    leg_base = ring_colour * (1 - fade) + foot.leg_colour * fade
    parts = [(leg_v, leg_f, PART_LEG)]
    ends = leg_v[:, 2] >= leg_v[:, 2].max() - 1e-6  # the cut-off top, which must stay out of view
    t = foot.look.get("trousers")
    if t is not None and ("thigh" not in leg or t["hem_above_ankle"] < leg["length"]):  # seated shorts: thigh only
        z_hem = z_top + t["hem_above_ankle"]
        centre = ring_c + np.asarray(tilt, np.float32) * float(geometry.lean(z_hem - leg_z0))
        trouser_v, trouser_f = geometry.tube(
            centre,
            ring_r * TROUSER_WIDTH + t["ease"],
            z_hem,
            z_top + leg["length"],
            flare=TROUSER_FLARE,
            tilt=tilt,
            tilt_from=z_hem - leg_z0,
            cap=False,
        )
        parts.append((trouser_v, trouser_f, PART_TROUSERS))
    knee = None
    if "thigh" in leg:
        parts, ends, knee = _add_thigh(parts, leg, ring_c, ring_r, z_top, leg_z0, t)
    verts, faces, normals, bases, face_part = (
        [foot.vertices],
        [foot.faces],
        [foot.normals],
        [foot.base],
        [foot.face_part],
    )
    offset = len(foot.vertices)
    leg_end = offset + np.nonzero(ends)[0]
    for pv, pf, part in parts:
        verts.append(pv)
        faces.append(pf + offset)
        normals.append(geometry.vertex_normals(pv, pf))
        bases.append(leg_base if pv is leg_v else np.tile(foot.leg_colour, (len(pv), 1)))
        face_part.append(np.full(len(pf), part, np.int8))
        offset += len(pv)
    return dataclasses.replace(
        foot,
        vertices=np.vstack(verts).astype(np.float32),
        faces=np.vstack(faces).astype(np.int32),
        normals=np.vstack(normals).astype(np.float32),
        base=np.vstack(bases).astype(np.float32),
        face_part=np.concatenate(face_part),
        leg_end=leg_end,
        knee=knee,
    )


def _add_thigh(
    parts: list[tuple[np.ndarray, np.ndarray, int]],
    leg: dict[str, Any],
    ring_c: np.ndarray,
    ring_r: np.ndarray,
    z_top: float,
    leg_z0: float,
    trousers: dict[str, Any] | None,
) -> tuple[list[tuple[np.ndarray, np.ndarray, int]], np.ndarray, np.ndarray]:
    """``parts`` plus a knee on top of the shin and the thigh from it (and their trousers), the
    mask over all their vertices of the thigh's far end (what must stay out of view), the knee."""
    thigh = leg["thigh"]
    knee_h = leg["length"] + z_top - leg_z0
    knee = np.array([*(ring_c + np.asarray(leg["tilt"]) * float(geometry.lean(knee_h))), z_top + leg["length"]])
    r_knee, r_hip = thigh["radius"]
    shin_top = float(np.max(ring_r)) * (1 + LEG_FLARE)  # the shin tube's top (add_leg)
    r_knee = max(r_knee, shin_top * 1.05)  # the knee covers the shin's cut
    knee_v, knee_f = geometry.ellipsoid(knee, [r_knee, r_knee, r_knee * 0.95])
    thigh_v, thigh_f = geometry.tube(
        np.zeros(2), np.full(2, r_knee * 0.97), 0.0, thigh["length"], flare=r_hip / r_knee - 1, flare_start=0.03
    )
    far = thigh_v[:, 2] >= thigh_v[:, 2].max() - 1e-6
    thigh_v = geometry.along(thigh_v, knee, thigh["direction"])
    parts = [*parts, (knee_v, knee_f, PART_LEG)]
    thigh_at = sum(len(pv) for pv, _, _ in parts)  # where the thigh's vertices start
    parts.append((thigh_v, thigh_f, PART_LEG))
    if trousers is not None:
        ease = trousers["ease"]
        along_thigh = max(0.0, trousers["hem_above_ankle"] - leg["length"])  # 0: the hem is on the shin
        if along_thigh == 0:  # over the knee, wider than the shin's trouser tube opening there (add_leg)
            opening = (float(np.max(ring_r)) * TROUSER_WIDTH + ease) * (1 + TROUSER_FLARE)
            cloth_v, cloth_f = geometry.ellipsoid(knee, [max(r_knee + ease, 1.03 * opening)] * 3)
            parts.append((cloth_v, cloth_f, PART_TROUSERS))
        hem_r = r_knee + (r_hip - r_knee) * min(1.0, along_thigh / thigh["length"])
        cloth_v, cloth_f = geometry.tube(
            np.zeros(2),
            np.full(2, hem_r + ease),
            along_thigh,
            thigh["length"],
            flare=(r_hip - hem_r) / (hem_r + ease),
            flare_start=0.0,
            cap=False,
        )
        parts.append((geometry.along(cloth_v, knee, thigh["direction"]), cloth_f, PART_TROUSERS))
    ends = np.zeros(sum(len(pv) for pv, _, _ in parts), bool)
    ends[thigh_at : thigh_at + len(far)] = far
    return parts, ends, knee


def build_scene(mesh: FootMesh, look: dict[str, Any], rng: np.random.Generator) -> Scene:
    """Dress the foot and add a lower leg standing nearly upright (a scanner's pose)."""
    from .views import sample_leg

    return add_leg(dress_foot(mesh, look), sample_leg(rng, None, None))


def look_at(eye: np.ndarray, target: np.ndarray, roll_deg: float = 0.0) -> np.ndarray:
    """World -> camera rotation (rows: right, down, forward; OpenCV convention), z up in the world."""
    forward = target - eye
    forward = forward / np.linalg.norm(forward)
    up = np.array([0.0, 0.0, 1.0])
    if abs(forward @ up) > 0.999:  # straight down: any horizontal "up" will do
        up = np.array([1.0, 0.0, 0.0])
    right = np.cross(forward, up)
    right /= np.linalg.norm(right)
    down = np.cross(forward, right)
    roll = np.deg2rad(roll_deg)
    right, down = np.cos(roll) * right + np.sin(roll) * down, -np.sin(roll) * right + np.cos(roll) * down
    return np.stack([right, down, forward]).astype(np.float64)


def rasterize(
    xy: np.ndarray, depth: np.ndarray, faces: np.ndarray, double_sided: np.ndarray, height: int, width: int
) -> np.ndarray:
    """Front-most triangle index per pixel ((H, W) int32, -1 where empty).

    ``xy`` are vertex positions in pixels (pixel centres at +0.5), ``depth`` camera-space z.
    Back faces are culled unless ``double_sided``.
    """
    p = xy[faces].astype(np.float64)  # (F, 3, 2)
    z = depth[faces]
    area = (p[:, 1, 0] - p[:, 0, 0]) * (p[:, 2, 1] - p[:, 0, 1]) - (p[:, 1, 1] - p[:, 0, 1]) * (p[:, 2, 0] - p[:, 0, 0])
    # Image y points down, so a counter-clockwise (front) face has negative signed area here.
    keep = (z.min(axis=1) > NEAR) & ((area < -1e-9) | (double_sided & (np.abs(area) > 1e-9)))
    lo = np.floor(p.min(axis=1) - 0.5).astype(np.int64)
    hi = np.ceil(p.max(axis=1) - 0.5).astype(np.int64)
    keep &= (hi[:, 0] >= 0) & (hi[:, 1] >= 0) & (lo[:, 0] < width) & (lo[:, 1] < height)
    lo = np.maximum(lo, 0)
    hi = np.minimum(hi, [width - 1, height - 1])
    extent = (hi - lo).max(axis=1) + 1
    zbuf = np.full(height * width, np.iinfo(np.int64).max, np.int64)
    ids = np.nonzero(keep)[0]
    sizes = extent[ids]
    prev = 0
    for bucket in (*_BUCKETS, None):
        sel = ids[(sizes > prev) & ((sizes <= bucket) if bucket else True)]
        prev = bucket or 0
        if bucket is None:
            for tri in sel:  # the rare huge triangle: one at a time
                _raster_batch(p, z, area, lo, hi, np.array([tri]), int(extent[tri]), width, zbuf)
        else:
            step = max(1, _BATCH_PIXELS // (bucket * bucket))
            for i in range(0, len(sel), step):
                _raster_batch(p, z, area, lo, hi, sel[i : i + step], bucket, width, zbuf)
    ids_out = np.where(zbuf == np.iinfo(np.int64).max, -1, zbuf & ((1 << _ID_BITS) - 1))
    return ids_out.reshape(height, width).astype(np.int32)


def _edges(p: np.ndarray, px: np.ndarray, py: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Edge functions (unnormalised barycentrics) of pixel centres px, py for triangles p (T, 3, 2)."""

    def edge(a, b):
        return (b[:, 0, None] - a[:, 0, None]) * (py - a[:, 1, None]) - (b[:, 1, None] - a[:, 1, None]) * (
            px - a[:, 0, None]
        )

    return edge(p[:, 1], p[:, 2]), edge(p[:, 2], p[:, 0]), edge(p[:, 0], p[:, 1])


def _raster_batch(p, z, area, lo, hi, sel, k, width, zbuf) -> None:
    """Z-test every pixel of the k x k boxes of triangles ``sel`` at once.

    Barycentrics and 1/z are planes over the box: b = a * col + b * row + c (float32).
    """
    row, col = np.divmod(np.arange(k * k, dtype=np.int32), k)
    tp = p[sel]
    inv_area = 1.0 / area[sel]
    ox, oy = lo[sel, 0] + 0.5, lo[sel, 1] + 0.5  # pixel centre of the box corner
    planes = []
    for i, j in ((1, 2), (2, 0), (0, 1)):
        ax, ay, bx, by = tp[:, i, 0] - ox, tp[:, i, 1] - oy, tp[:, j, 0] - ox, tp[:, j, 1] - oy
        planes.append(np.stack([(ay - by) * inv_area, (bx - ax) * inv_area, (ax * by - ay * bx) * inv_area], 1))
    planes = np.stack(planes, 1).astype(np.float32)  # (T, 3 barycentrics, 3 coefficients)
    colf, rowf = col.astype(np.float32)[None], row.astype(np.float32)[None]
    inside = None
    for i in range(3):
        b = planes[:, i, 0, None] * colf + planes[:, i, 1, None] * rowf + planes[:, i, 2, None]
        inside = b >= 0 if inside is None else inside & (b >= 0)
    w = hi[sel] - lo[sel]
    inside &= (col[None] <= w[:, 0, None]) & (row[None] <= w[:, 1, None])
    t_idx, pix = np.nonzero(inside)
    inv_z_plane = np.einsum("tic,ti->tc", planes.astype(np.float64), 1.0 / z[sel])  # 1/z is linear on screen
    c, r_ = col[pix], row[pix]
    izp = inv_z_plane[t_idx]
    inv_z = izp[:, 0] * c + izp[:, 1] * r_ + izp[:, 2]
    depth_q = (1e6 / inv_z).astype(np.int64)  # micrometres
    key = (depth_q << _ID_BITS) | sel[t_idx]
    flat = (lo[sel[t_idx], 1] + r_) * width + lo[sel[t_idx], 0] + c
    np.minimum.at(zbuf, flat, key)


_GRAIN_SIZE = 1024
_grain_cache: list[np.ndarray] = []


def _grain_texture() -> np.ndarray:
    """A fixed tileable-enough noise texture (fine + medium grain, unit std), made once per process."""
    if not _grain_cache:
        rng = np.random.default_rng(12345)
        fine = cv2.GaussianBlur(rng.standard_normal((_GRAIN_SIZE, _GRAIN_SIZE)).astype(np.float32), (0, 0), 0.8)
        medium = cv2.GaussianBlur(rng.standard_normal((_GRAIN_SIZE, _GRAIN_SIZE)).astype(np.float32), (0, 0), 3.0)
        tex = fine / fine.std() + 0.6 * medium / medium.std()
        _grain_cache.append((tex / tex.std()).astype(np.float32))
    return _grain_cache[0]


_strand_cache: list[np.ndarray] = []


def _strand_texture() -> np.ndarray:
    """A fixed texture of short dark strands (0..1, 1 = strand) running within 30 degrees of the
    image's vertical, the way shin hair runs in a look-down photo; made once per process."""
    if not _strand_cache:
        rng = np.random.default_rng(54321)
        tex = np.zeros((_GRAIN_SIZE, _GRAIN_SIZE), np.uint8)
        n = _GRAIN_SIZE * _GRAIN_SIZE // 12
        x0, y0 = rng.uniform(0, _GRAIN_SIZE, (2, n))
        angle, length = rng.uniform(-np.pi / 6, np.pi / 6, n), rng.uniform(2, 5, n)
        x1, y1 = x0 + length * np.sin(angle), y0 + length * np.cos(angle)
        for a, b, c, d in np.stack([x0, y0, x1, y1], 1).astype(np.int32):
            cv2.line(tex, (int(a), int(b)), (int(c), int(d)), 255, 1, cv2.LINE_AA)
        _strand_cache.append(tex.astype(np.float32) / 255.0)
    return _strand_cache[0]


def project(scene: Scene, camera: dict[str, Any], res: int) -> tuple[np.ndarray, np.ndarray]:
    """Pixel positions (V, 2) and camera depths (V,) of the scene's vertices in a res x res view.

    The focal length and principal point are fitted so the foot spans ``camera["fill"]`` of the
    view, shifted by ``camera["offset"]`` (fractions of the side): a crop of a wider photo.
    """
    eye = np.asarray(camera["eye"], np.float64)
    rot = look_at(eye, np.asarray(camera["target"], np.float64), camera.get("roll_deg", 0.0))
    cam = (scene.vertices - eye) @ rot.T
    depth = cam[:, 2]
    uv = cam[:, :2] / np.maximum(depth[:, None], NEAR)
    foot_idx = np.unique(scene.faces[np.isin(scene.face_part, FOOT_MESH)])
    lo, hi = uv[foot_idx].min(axis=0), uv[foot_idx].max(axis=0)
    focal = camera["fill"] * res / float((hi - lo).max())
    principal = res / 2 + np.asarray(camera.get("offset", (0.0, 0.0))) * res - focal * (lo + hi) / 2
    return uv * focal + principal, depth


def leg_end_in_view(scene: Scene, camera: dict[str, Any]) -> bool:
    """Whether the cut-off top of the leg would show (then the caller picks another camera)."""
    xy, depth = project(scene, camera, 1000)
    end_xy, end_depth = xy[scene.leg_end], depth[scene.leg_end]
    inside = (end_xy > -50).all(axis=1) & (end_xy < 1050).all(axis=1)
    return bool((end_depth < NEAR).any() or (inside & (end_depth > NEAR)).any())


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.maximum(np.sqrt(np.einsum("ij,ij->i", v, v)), 1e-9)[:, None]


def render(
    scene: Scene, camera: dict[str, Any], light: dict[str, Any], size: int, supersample: int = 2, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Render ``scene`` -> (rgb uint8 (S, S, 3), alpha uint8 (S, S), mask bool (S, S)).

    Coverage (alpha, mask) is rasterised at ``supersample`` x the size for smooth edges; colour is
    shaded once per output pixel, at its first covered subsample (4x less shading work; only
    edges inside the silhouette, e.g. a sock's stripes, stay un-antialiased).
    ``camera``: eye, target (world, m), roll_deg, fill (share of the image the foot spans),
    offset (foot centre shift in image fractions); see ``project``.
    ``light``: direction (toward the light), ambient, diffuse, tint (RGB), exposure.
    """
    xy, depth = project(scene, camera, size * supersample)
    rgb, alpha, mask, _ = render_projected(
        scene, xy, depth, np.asarray(camera["eye"], np.float32), light, size, size, supersample, seed
    )
    return rgb, alpha, mask


def render_projected(
    scene: Scene,
    xy: np.ndarray,
    depth: np.ndarray,
    eye: np.ndarray,
    light: dict[str, Any],
    width: int,
    height: int,
    supersample: int = 2,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Rasterise and shade vertices already projected to pixels (``xy`` at ``supersample`` x the
    output, camera ``depth``) -> (rgb (H, W, 3) uint8, alpha (H, W) uint8, mask (H, W) bool,
    depth (H, W) float32 of the shaded surface, inf where empty: for merging two renders)."""
    ss = supersample
    size_x, size_y = width, height
    face_ids = rasterize(xy, depth, scene.faces, scene.face_part == PART_TROUSERS, height * ss, width * ss)

    # Subsamples of each output pixel side by side: (S, S, ss * ss).
    sub = face_ids.reshape(size_y, ss, size_x, ss).transpose(0, 2, 1, 3).reshape(size_y, size_x, ss * ss)
    sub_covered = sub >= 0
    alpha = sub_covered.mean(axis=-1)
    foot_share = (sub_covered & (scene.face_part[np.maximum(sub, 0)] == PART_FOOT)).mean(axis=-1)
    mask = foot_share >= 0.5
    covered = alpha > 0
    first = np.argmax(sub_covered, axis=-1)[covered]
    oy, ox = np.nonzero(covered)
    ys, xs = oy * ss + first // ss, ox * ss + first % ss  # the shaded subsample, full resolution
    fid = sub[oy, ox, first]
    tri = scene.faces[fid]
    w0, w1, w2 = _edges(
        xy[tri].astype(np.float32), (xs + 0.5).astype(np.float32)[:, None], (ys + 0.5).astype(np.float32)[:, None]
    )
    bary = np.concatenate([w0, w1, w2], axis=1)
    bary /= depth[tri].astype(np.float32)  # perspective-correct
    bary /= bary.sum(axis=1, keepdims=True)
    # One gather for every attribute: position, normal, source colour.
    attrs = np.concatenate([scene.vertices, scene.normals, scene.base], axis=1)[tri]  # (N, 3, 9)
    per_pixel = bary[:, 0, None] * attrs[:, 0] + bary[:, 1, None] * attrs[:, 1] + bary[:, 2, None] * attrs[:, 2]
    points, normals, base = per_pixel[:, 0:3], _unit(per_pixel[:, 3:6]), per_pixel[:, 6:9]
    part = scene.face_part[fid]
    part[part == PART_ANKLE] = PART_FOOT  # drawn as foot, labelled background (mask above)
    view_dir = _unit(eye[None] - points)
    inner = (part == PART_TROUSERS) & (np.einsum("ij,ij->i", normals, view_dir) < 0)
    normals[inner] *= -1

    # Fine grain (pores, knit, weave) from a fixed texture at a random offset: at this scale a
    # screen-space grain is indistinguishable from one fixed to the surface, and far cheaper.
    offset_rng = np.random.default_rng(seed)
    gy0, gx0 = offset_rng.integers(0, _GRAIN_SIZE, 2)
    texel = (oy + gy0) % _GRAIN_SIZE, (ox + gx0) % _GRAIN_SIZE
    grain = _grain_texture()[texel]
    strands = _strand_texture()[texel] if scene.look.get("hair_strands") else None
    # Toenails: the top of each toe just behind its tip.
    front = scene.toe_front
    tip_x = np.interp(points[:, 1], front[:, 0], front[:, 1])
    nail_len = np.interp(points[:, 1], front[:, 0], front[:, 2])
    nail = (
        (part == PART_FOOT)
        & (points[:, 0] > tip_x - nail_len - 0.003)
        & (points[:, 0] < tip_x - 0.003)
        & (normals[:, 2] > 0.55)
        & (points[:, 2] > 0.01)
    )
    alb, spec, shine, skin = albedo(
        points, part, base, scene.look, scene.foot_length, scene.ankle_top, scene.ankle_x, grain, seed, nail, strands
    )
    light_dir = np.asarray(light["direction"], np.float32)
    light_dir /= np.linalg.norm(light_dir)
    n_dot_l = normals @ light_dir
    # Skin scatters light past the terminator: wrapped diffuse, warmer in the wrap zone.
    wrap = np.where(skin, np.float32(0.35), np.float32(0.1))
    diffuse = np.clip((n_dot_l + wrap) / (1 + wrap), 0, 1)
    sky = 0.75 + 0.25 * normals[:, 2]  # more ambient from above than from the floor
    # Contact darkening near the floor and inside the trouser hem.
    occlusion = np.where(inner, np.float32(0.35), 0.55 + 0.45 * np.clip(points[:, 2] / 0.02, 0, 1))
    half = _unit(light_dir[None] + view_dir)
    highlight = spec * np.clip(np.einsum("ij,ij->i", normals, half), 0, 1) ** shine * (n_dot_l > 0)
    tint = np.asarray(light["tint"], np.float32)
    shade = (light["ambient"] * sky + light["diffuse"] * diffuse) * occlusion
    lin = alb * alb * shade[:, None]  # sRGB -> linear with gamma 2: cheap and close enough
    scatter = skin & (n_dot_l < 0.2) & (n_dot_l > -0.35)
    lin[scatter] *= np.array([1.08, 0.96, 0.94], np.float32)
    lin = (lin + (highlight * light["diffuse"])[:, None]) * (tint * light.get("exposure", 1.0))
    colour = np.sqrt(np.clip(lin, 0, 1))

    rgb = np.zeros((size_y, size_x, 3), np.uint8)
    rgb[covered] = (colour * 255 + 0.5).astype(np.uint8)
    zmap = np.full((size_y, size_x), np.inf, np.float32)
    zmap[covered] = np.sqrt(np.einsum("ij,ij->i", eye[None] - points, eye[None] - points))
    return rgb, (alpha * 255 + 0.5).astype(np.uint8), mask, zmap
