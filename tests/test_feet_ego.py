"""Egocentric views (feet/ego.py) and their composites: both feet, legs, shadow in one 3:4 frame."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from footseg.data.clutter import paint_clutter
from footseg.data.composite import CompositeConfig, write_composites
from footseg.data.feet import build_foot_views
from footseg.data.feet.ego import camera_rotation, project_pinhole, sample_ego_camera
from footseg.data.synthetic import synthetic_floors
from footseg.errors import FootsegError

FEET = {
    "source": "procedural",
    "persons": 2,
    "views": 2,
    "size": 96,
    "supersample": 1,
    "workers": 1,
    "coverings": {"bare": 1.0},
    "trouser_prob": 0.0,
    "shorts_prob": 0.5,
}


@pytest.fixture(scope="module")
def ego_views():
    return build_foot_views(FEET, seed=3, progress=False, scene="egocentric")


def test_views_are_portrait_frames_of_both_feet_with_legs_out_of_frame(ego_views):
    assert len(ego_views) == 4 and {v.view for v in ego_views} == {"ego-0", "ego-1"}
    for v in ego_views:
        assert v.rgb.shape == (96, 72, 3) and v.alpha.shape == v.mask.shape == (96, 72)
        assert v.mask.any() and not (v.mask & (v.alpha == 0)).any()  # foot inside what is drawn
        assert (v.alpha > 0).sum() > 1.5 * v.mask.sum()  # the legs are drawn, but are not foot
        assert (v.alpha[-1] > 127).any()  # the shins leave through the bottom edge
        assert not v.mask[-1].any()  # ...and no foot there: feet are framed whole
        assert v.params["foot_ids"] == [f"{v.person_id}-left", f"{v.person_id}-right"]
        assert v.params["shadow"].shape == (24, 18) and v.params["shadow"].max() > 0
        # Two feet: the mask has (at least) two separate blobs unless they touch.
        cols = np.flatnonzero(v.mask.any(axis=0))
        assert cols.max() - cols.min() > 0.3 * 72


def test_same_seed_same_bytes_and_another_seed_differs(ego_views):
    again = build_foot_views(FEET, seed=3, progress=False, scene="egocentric")
    for a, b in zip(ego_views, again):
        assert a.rgb.tobytes() == b.rgb.tobytes() and a.mask.tobytes() == b.mask.tobytes()
        assert a.params["shadow"].tobytes() == b.params["shadow"].tobytes()
    other = build_foot_views(FEET, seed=4, progress=False, scene="egocentric")
    assert other[0].rgb.tobytes() != ego_views[0].rgb.tobytes()


def test_camera_looks_down_with_toes_up_the_frame():
    rng = np.random.default_rng(0)
    for _ in range(20):
        cam = sample_ego_camera(rng, np.array([0.13, 0.0, 0.0]))
        rot = camera_rotation(cam)
        assert np.allclose(rot @ rot.T, np.eye(3), atol=1e-9)
        assert rot[2, 2] < -0.85  # forward is mostly down
        # A point ahead of the feet (toward the toes) is higher in the frame than one behind.
        xy, depth = project_pinhole(np.array([[0.3, 0.0, 0.0], [0.0, 0.0, 0.0]]), cam, 72, 96)
        assert (depth > 0).all() and xy[0, 1] < xy[1, 1]


def test_scans_cannot_make_egocentric_scenes(tmp_path):
    with pytest.raises(FootsegError, match="composite.scene=egocentric"):
        build_foot_views({"source": "scans", "dir": str(tmp_path)}, seed=0, progress=False, scene="egocentric")
    with pytest.raises(FootsegError, match="composite.scene must be one of"):
        build_foot_views(FEET, seed=0, progress=False, scene="selfie")


def test_egocentric_composites_keep_the_invariants(tmp_path, ego_views):
    floors = synthetic_floors(4, size=128)
    cfg = CompositeConfig.from_dict({"count": 8, "size": 64, "pools": 2, "workers": 1, "chunk": 3, "jpeg": [0.5, 60]})
    manifests = []
    for workers in (1, 2):
        out = tmp_path / f"w{workers}"
        manifests.append(
            write_composites(out, ego_views, floors, CompositeConfig(**{**cfg.__dict__, "workers": workers}), seed=9)
        )
        images, masks = np.load(out / "images.npy"), np.load(out / "masks.npy")
        assert images.shape == (8, 64, 64, 3) and masks.any(axis=(1, 2)).all()
        # Mask covers only a part of what differs from the floor (legs are drawn, not masked).
        assert 0.01 < masks.mean() < 0.3
    a, b = (np.load(tmp_path / f"w{w}" / "images.npy") for w in (1, 2))
    assert a.tobytes() == b.tobytes()
    assert json.dumps(manifests[0]) == json.dumps(manifests[1])
    for record in manifests[0]["composites"]:
        assert record["view"].startswith("ego-") and len(record["foot_ids"]) == 2
        assert record["augment"]["scene"] == "egocentric"
        # Every foot, person and floor of a composite belongs to its pool alone.
    pools = {}
    for r in manifests[0]["composites"]:
        for key in (r["person_id"], r["floor_id"]):
            assert pools.setdefault(key, r["pool"]) == r["pool"]


def test_scene_config_is_checked():
    with pytest.raises(FootsegError, match="composite.scene must be one of"):
        CompositeConfig.from_dict({"count": 4, "scene": "selfie"})
    with pytest.raises(FootsegError, match="composite.ego_reach"):
        CompositeConfig.from_dict({"count": 4, "ego_reach": 0.6})


def _composite(tmp_path, views, name: str, **values):
    cfg = {"count": 8, "size": 64, "pools": 2, "workers": 1, "blur": [0, 0], "jpeg": [0, 60], **values}
    manifest = write_composites(
        tmp_path / name, views, synthetic_floors(4, size=128), CompositeConfig.from_dict(cfg), 9
    )
    return np.load(tmp_path / name / "images.npy"), np.load(tmp_path / name / "masks.npy"), manifest


def test_clutter_lies_on_the_floor_under_the_feet(tmp_path, ego_views):
    plain, plain_masks, _ = _composite(tmp_path, ego_views, "plain")
    busy, masks, manifest = _composite(tmp_path, ego_views, "busy", clutter=1.0)
    # Background: the masks do not change, the feet are painted over it, the floor changes.
    np.testing.assert_array_equal(masks, plain_masks)
    for a, b, mask in zip(plain, busy, masks):
        inside = cv2.erode(mask, np.ones((5, 5), np.uint8), borderValue=0) == 1
        np.testing.assert_array_equal(a[inside], b[inside])
    assert (plain != busy).any(axis=-1).mean() > 0.01
    kinds = {c["kind"] for r in manifest["composites"] for c in r["augment"]["clutter"]}
    assert kinds <= {"cable", "box", "cloth"} and kinds
    again, _, _ = _composite(tmp_path, ego_views, "again", clutter=1.0)
    assert again.tobytes() == busy.tobytes()


def test_zoom_enlarges_the_feet_and_off_changes_nothing(tmp_path, ego_views):
    plain, plain_masks, _ = _composite(tmp_path, ego_views, "plain")
    off, off_masks, _ = _composite(tmp_path, ego_views, "off", zoom=[1.0, 1.0], clutter=0.0)
    assert off.tobytes() == plain.tobytes()
    _, masks, manifest = _composite(tmp_path, ego_views, "zoomed", zoom=[2.0, 2.0])
    assert all(r["augment"]["zoom"][0] == 2.0 for r in manifest["composites"])
    # Twice the side on the same frame: the visible foot share grows (feet may leave the frame).
    assert masks.mean() > 1.5 * plain_masks.mean()


def test_paint_clutter_chance():
    image = np.full((64, 64, 3), 128, np.uint8)
    assert paint_clutter(image, np.random.default_rng(0), 0.0) == [] and (image == 128).all()
    records = paint_clutter(image, np.random.default_rng(0), 1.0)
    assert 1 <= len(records) <= 3 and (image != 128).any()


@pytest.mark.parametrize(
    "raw, message",
    [({"zoom": [0.5, 1.0]}, "composite.zoom must be"), ({"clutter": 1.5}, "composite.clutter must be a number")],
)
def test_clutter_and_zoom_config_errors_name_the_key(raw, message):
    with pytest.raises(FootsegError, match=message):
        CompositeConfig.from_dict({"count": 4, **raw})


def test_seated_views_bring_the_knees_into_the_frame_as_background(ego_views):
    views = build_foot_views(dict(FEET, seated=1.0), seed=3, progress=False, scene="egocentric")
    seated = [v for v in views if v.params.get("seated")]
    assert len(seated) >= 2  # a pose that will not frame falls back to standing; most do frame
    for v in seated:
        assert v.mask.any() and not v.mask[-1].any()
        assert not (v.mask & (v.alpha == 0)).any()

    def legs_low(v):  # leg (not foot) pixels in the bottom quarter: knees and thighs come near the lens
        low = slice(-v.alpha.shape[0] // 4, None)
        return ((v.alpha[low] > 127) & ~v.mask[low]).mean()

    assert np.mean([legs_low(v) for v in seated]) > np.mean([legs_low(v) for v in ego_views]) + 0.1
