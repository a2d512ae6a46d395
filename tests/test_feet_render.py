"""The renderer: z-buffer, masks vs alpha, the leg outside the mask, mirroring, materials."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from footseg.data.feet.geometry import along, cut_at, ellipsoid, mirror, split_at, tube, vertex_normals
from footseg.data.feet.materials import sample_appearance, skin_rgb
from footseg.data.feet.render import PART_FOOT, PART_TROUSERS, add_leg, build_scene, dress_foot, rasterize, render
from footseg.data.types import FootMesh

BARE = {"covering": "bare", "skin_rgb": [0.7, 0.5, 0.4], "skin_tone": 3.0, "leg_hair": 0.0}
LIGHT = {"direction": [0.3, 0.2, 1.0], "ambient": 0.4, "diffuse": 0.8, "tint": [1.0, 1.0, 1.0]}


def box_foot(side: str = "left") -> FootMesh:
    """A crude closed foot: a 26 cm long low tube lying along x (heel at 0), not symmetric in y."""
    verts, faces = tube(np.array([0.0, 0.0]), np.array([0.04, 0.03]), 0.0, 0.26, rings=8, segments=16)
    verts = verts[:, [2, 1, 0]] * [1, 1, 1]  # lay the tube along x: (z, y, x) -> x along the old z
    faces = faces[:, ::-1]  # swapping two axes mirrors: restore counter-clockwise winding
    verts[:, 2] += 0.04
    verts[:, 1] += np.where(verts[:, 0] > 0.2, 0.01, 0.0)  # a "big toe" bump toward +y
    # an ankle column above the heel so the leg has a ring to continue
    col_v, col_f = tube(np.array([0.06, 0.0]), np.array([0.035, 0.03]), 0.04, 0.11, rings=4, segments=16)
    v = np.vstack([verts, col_v]).astype(np.float32)
    f = np.vstack([faces, col_f + len(verts)]).astype(np.int32)
    colours = np.full((len(v), 3), [0.64, 0.43, 0.35], np.float32)
    return FootMesh(v, f, colours, side, f"p-{side}", "p")


def side_camera(fill: float = 0.6) -> dict:
    return {"eye": [0.13, 0.6, 0.06], "target": [0.13, 0.0, 0.06], "roll_deg": 0.0, "fill": fill}


def test_rasterize_keeps_the_nearest_triangle():
    xy = np.array([[2, 2], [30, 2], [2, 30], [4, 4], [20, 4], [4, 20]], np.float64)
    depth = np.array([2.0, 2.0, 2.0, 1.0, 1.0, 1.0])
    faces = np.array([[0, 2, 1], [3, 5, 4]])  # negative signed area in image coordinates: front faces
    ids = rasterize(xy, depth, faces, np.zeros(2, bool), 32, 32)
    assert ids[6, 6] == 1  # the nearer, smaller triangle wins where both cover
    assert ids[3, 25] == 0
    assert ids[31, 31] == -1
    # far triangle drawn second changes nothing
    ids2 = rasterize(xy, depth, faces[::-1], np.zeros(2, bool), 32, 32)
    assert ids2[6, 6] == 0  # (indices swapped with the face order)


def test_back_faces_are_culled():
    xy = np.array([[2, 2], [30, 2], [2, 30]], np.float64)
    ids = rasterize(xy, np.ones(3), np.array([[0, 1, 2]]), np.zeros(1, bool), 32, 32)
    assert (ids == -1).all()
    ids = rasterize(xy, np.ones(3), np.array([[0, 1, 2]]), np.ones(1, bool), 32, 32)
    assert (ids == 0).sum() > 300


def test_mask_within_alpha_and_leg_outside_mask():
    rng = np.random.default_rng(0)
    scene = build_scene(box_foot(), BARE, rng)
    rgb, alpha, mask = render(scene, side_camera(0.45), LIGHT, 96)
    assert rgb.shape == (96, 96, 3) and alpha.shape == (96, 96) and mask.dtype == bool
    assert mask.sum() > 200
    assert (alpha[mask] >= 127).all()
    # The leg rises above the ankle to the top of a side view: drawn, but not foot.
    top = slice(0, 10)
    assert (alpha[top] > 200).sum() > 20
    assert not mask[top].any()
    assert (rgb[alpha == 0] == 0).all()


def test_left_and_right_render_as_mirror_images():
    left = box_foot("left")
    right = mirror(left, "right", "p-right")
    assert np.allclose(right.vertices[:, 1], -left.vertices[:, 1])
    # winding flipped: normals still point outward (away from the centroid)
    for mesh in (left, right):
        n = vertex_normals(mesh.vertices, mesh.faces)
        outward = np.sum(n * (mesh.vertices - mesh.vertices.mean(axis=0)), axis=1)
        assert (outward > 0).mean() > 0.8
    cam_l = side_camera()
    cam_r = dict(cam_l, eye=[0.13, -0.6, 0.06])
    light_r = dict(LIGHT, direction=[0.3, -0.2, 1.0])
    _, _, mask_l = render(build_scene(left, BARE, np.random.default_rng(1)), cam_l, LIGHT, 64)
    _, _, mask_r = render(build_scene(right, BARE, np.random.default_rng(1)), cam_r, light_r, 64)
    flipped = mask_r[:, ::-1]
    iou = (mask_l & flipped).sum() / (mask_l | flipped).sum()
    assert iou > 0.95


def _foot_colour(look: dict, seed: int = 0) -> np.ndarray:
    scene = build_scene(box_foot(), look, np.random.default_rng(seed))
    rgb, _, mask = render(scene, side_camera(), LIGHT, 64)
    return rgb[mask].mean(axis=0)


def test_skin_tones_span_light_to_dark():
    light = _foot_colour(dict(BARE, skin_rgb=skin_rgb(0.0).tolist()))
    dark = _foot_colour(dict(BARE, skin_rgb=skin_rgb(9.0).tolist()))
    assert light.mean() > 2.5 * dark.mean()
    tones = [sample_appearance(np.random.default_rng(i), {"bare": 1.0}, 0.0)["skin_tone"] for i in range(300)]
    assert min(tones) < 0.5 and max(tones) > 8.5


@pytest.mark.parametrize("covering", ["sock", "shoe"])
def test_socks_and_shoes_change_the_foot_colour(covering):
    rng = np.random.default_rng(3)
    look = None
    for _ in range(50):  # a look of that covering with a red-dominant colour
        candidate = sample_appearance(rng, {covering: 1.0}, 0.0)
        colour = candidate["sock"]["colour"] if covering == "sock" else candidate["shoe"]["upper"]
        if colour[0] > colour[2] + 0.3:
            look = dict(candidate, skin_rgb=BARE["skin_rgb"])
            break
    assert look is not None
    if covering == "sock":
        look["sock"] = dict(look["sock"], pattern="solid", heel_toe=False)
    bare = _foot_colour(BARE)
    dressed = _foot_colour(look)
    assert np.abs(bare - dressed).max() > 25


def test_trousers_are_drawn_but_not_masked():
    look = dict(BARE, trousers={"colour": [0.1, 0.2, 0.5], "hem_above_ankle": 0.02, "ease": 0.03, "denim": True})
    scene = build_scene(box_foot(), look, np.random.default_rng(0))
    rgb, alpha, mask = render(scene, side_camera(0.45), LIGHT, 96)
    blue = (rgb[..., 2].astype(int) - rgb[..., 0] > 20) & (alpha > 200)
    assert blue.sum() > 50
    assert not (blue & mask).any()


def test_hair_strands_darken_the_shin_only():
    def shot(**look):
        scene = build_scene(box_foot(), dict(BARE, **look), np.random.default_rng(0))
        return render(scene, side_camera(0.45), LIGHT, 96, seed=3)

    rgb, alpha, mask = shot(leg_hair=1.0)
    hairy, alpha2, mask2 = shot(leg_hair=1.0, hair_strands=0.6)
    assert (alpha == alpha2).all() and (mask == mask2).all()  # hair is colour, never coverage or label
    shin = (alpha > 200) & ~mask
    shin[40:] = False  # well above the ankle, where the hair has faded in
    darker = rgb[shin].astype(int).sum(-1) - hairy[shin].astype(int).sum(-1)
    assert (darker >= 0).all() and (darker > 30).mean() > 0.05  # visible dark strands on the shin
    # The foot is untouched (but for pixels on the ankle cut whose shaded sample is the leg's).
    assert (rgb[mask] == hairy[mask]).all(-1).mean() > 0.97
    assert (shot(leg_hair=1.0, hair_strands=0.0)[0] == rgb).all()  # 0 = off


def _outward_share(verts: np.ndarray, faces: np.ndarray, inside: np.ndarray) -> float:
    tri = verts[faces].astype(np.float64)
    normal = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    return float((np.einsum("ij,ij->i", normal, tri.mean(axis=1) - inside) > 0).mean())


def test_ellipsoid_is_closed_and_along_keeps_the_winding():
    verts, faces = ellipsoid(np.array([0.1, 0.2, 0.3]), np.array([0.05, 0.05, 0.04]))
    assert _outward_share(verts, faces, np.array([0.1, 0.2, 0.3])) == 1.0
    edges = np.sort(np.concatenate([faces[:, [0, 1]], faces[:, [1, 2]], faces[:, [2, 0]]]), axis=1)
    assert (np.unique(edges, axis=0, return_counts=True)[1] == 2).all()  # closed: each edge shared twice
    # A tube turned to run back along -x from a knee: the same rings around the new axis, still facing out.
    tv, tf = tube(np.zeros(2), np.full(2, 0.05), 0.0, 0.4, cap=False)
    turned = along(tv, np.array([0.0, 0.0, 0.5]), np.array([-1.0, 0.0, 0.0])).astype(np.float64)
    assert np.allclose(turned[:, 0], -tv[:, 2], atol=1e-6)
    assert np.allclose(np.hypot(turned[:, 1], turned[:, 2] - 0.5), np.hypot(tv[:, 0], tv[:, 1]), atol=1e-6)
    tri = turned[tf]
    normal = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    axis_point = tri.mean(axis=1) * [1, 0, 0] + [0, 0, 0.5]
    assert (np.einsum("ij,ij->i", normal, tri.mean(axis=1) - axis_point) > 0).all()


def test_a_seated_leg_bends_at_the_knee_into_a_thigh_that_is_never_foot():
    thigh = {"direction": [-1.0, 0.0, 0.0], "length": 0.45, "radius": [0.05, 0.08]}
    foot = dress_foot(box_foot(), BARE)
    seated = add_leg(foot, {"length": 0.4, "tilt": [0.0, 0.0], "thigh": thigh})
    standing = add_leg(foot, {"length": 0.4, "tilt": [0.0, 0.0]})
    assert seated.knee is not None and standing.knee is None
    assert np.isclose(seated.knee[2], foot.ankle_top + 0.4)
    assert (seated.face_part == PART_FOOT).sum() == (standing.face_part == PART_FOOT).sum()
    # The far end to keep out of view is the thigh's, 0.45 m back from the knee, not the shin's top.
    end = seated.vertices[seated.leg_end]
    assert np.allclose(end[:, 0].mean(), seated.knee[0] - 0.45, atol=0.01)
    # Shorts on a seated leg: a hem above the knee covers the thigh only, measured along the leg.
    shorts = {"colour": [0.2, 0.2, 0.5], "hem_above_ankle": 0.55, "ease": 0.04, "denim": False}
    dressed = add_leg(
        dataclasses.replace(foot, look=dict(BARE, trousers=shorts)), {"length": 0.4, "tilt": [0.0, 0.0], "thigh": thigh}
    )
    cloth = dressed.vertices[np.unique(dressed.faces[dressed.face_part == PART_TROUSERS])]
    assert cloth[:, 0].max() < dressed.knee[0] - 0.12  # from 0.15 m up the thigh
    assert np.isclose(cloth[:, 2].mean(), dressed.knee[2], atol=0.02)  # on the (level) thigh, none on the shin


def test_split_at_a_sloped_plane_keeps_every_triangle_on_one_side():
    verts, faces = tube(np.zeros(2), np.full(2, 0.05), 0.0, 0.2, rings=10, segments=20)
    colours = np.ones_like(verts)
    level = split_at(verts, faces, colours, 0.1)
    assert all((a == b).all() for a, b in zip(cut_at(verts, faces, colours, 0.1), (level[0], level[1], level[3])))
    v, below, above, _ = split_at(verts, faces, colours, 0.1, slope=0.5, x0=0.0)
    height = v[:, 2] - 0.5 * v[:, 0]
    assert (height[below] <= 0.1 + 1e-6).all() and (height[above] >= 0.1 - 1e-6).all()

    def area(f):
        t = v[f].astype(np.float64)
        return np.linalg.norm(np.cross(t[:, 1] - t[:, 0], t[:, 2] - t[:, 0]), axis=1).sum() / 2

    t = verts[faces].astype(np.float64)
    whole = np.linalg.norm(np.cross(t[:, 1] - t[:, 0], t[:, 2] - t[:, 0]), axis=1).sum() / 2
    assert np.isclose(area(below) + area(above), whole, rtol=1e-5)  # nothing lost, nothing doubled


def test_ankle_height_ends_the_mask_at_the_ankle_not_at_the_legs_seam():
    def shot(**look):
        scene = build_scene(box_foot(), dict(BARE, **look), np.random.default_rng(0))
        return render(scene, side_camera(0.45), LIGHT, 96, seed=3)

    rgb, alpha, mask = shot()
    rgb2, alpha2, mask2 = shot(ankle_height=0.3)
    assert (np.abs(alpha.astype(int) - alpha2).max() <= 64) and (alpha != alpha2).mean() < 0.01  # same shape drawn
    assert np.abs(rgb.astype(int) - rgb2).mean() < 1.0  # shaded as foot, as before
    lost = mask & ~mask2
    assert not (mask2 & ~mask).any() and lost.sum() > 20
    rows, cols = np.nonzero(mask2)
    lost_rows, lost_cols = np.nonzero(lost)
    assert np.median(lost_rows) < np.median(rows)  # the top of the old mask: the ankle, above the foot
