"""footseg.data.composite + contact_sheet + stages/composite_feet.py, on synthetic feet and floors."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest

from conftest import ROOT
from footseg.data.composite import CompositeConfig, gain_table, plan_composites, prepare_view, write_composites
from footseg.data.contact_sheet import write_contact_sheet
from footseg.data.split import split_composites
from footseg.data.synthetic import synthetic_floors, synthetic_views
from footseg.data.types import Floor, FootView
from footseg.errors import FootsegError

SMALL = CompositeConfig(count=24, size=64, pools=3, workers=1, chunk=5)


@pytest.fixture(scope="module")
def inputs() -> tuple[list[FootView], list[Floor]]:
    return synthetic_views(6, size=80, seed=1), synthetic_floors(7, size=96, seed=1)


def render(tmp_path: Path, views, floors, cfg: CompositeConfig, seed: int = 5):
    manifest = write_composites(tmp_path, views, floors, cfg, seed)
    return np.load(tmp_path / "images.npy"), np.load(tmp_path / "masks.npy"), manifest


def test_pools_are_disjoint_balanced_and_numbered_in_order(inputs):
    views, floors = inputs
    plans, pools = plan_composites(views, [f.floor_id for f in floors], 50, 4, seed=0, both_feet=0.5)
    assert pools == 4 and [p.index for p in plans] == list(range(50))
    assert [p.pool for p in plans] == sorted(p.pool for p in plans)  # pool by pool
    sizes = np.bincount([p.pool for p in plans])
    assert sizes.max() - sizes.min() <= 1
    person_pools, floor_pools = {}, {}
    for plan in plans:
        for v in plan.views:
            assert person_pools.setdefault(views[v].person_id, plan.pool) == plan.pool
        assert floor_pools.setdefault(plan.floor, plan.pool) == plan.pool
        if len(plan.views) == 2:  # both feet: one person, one phone-like view, left and right
            a, b = (views[v] for v in plan.views)
            assert a.person_id == b.person_id and a.view == b.view and a.foot_id != b.foot_id
            assert not a.view.startswith("scanner")
    assert any(len(p.views) == 2 for p in plans)
    # Small data: pools shrink to the number of persons (or floors).
    assert plan_composites(views, [f.floor_id for f in floors[:2]], 10, 50, 0, 0.0)[1] == 2


def test_output_format_and_manifest(tmp_path: Path, inputs):
    views, floors = inputs
    images, masks, manifest = render(tmp_path, views, floors, SMALL)
    assert images.shape == (24, 64, 64, 3) and images.dtype == np.uint8
    assert masks.shape == (24, 64, 64) and masks.dtype == np.uint8
    assert set(np.unique(masks)) <= {0, 1} and masks.sum() > 0
    records = manifest["composites"]
    assert [r["index"] for r in records] == list(range(24))
    first = records[0]
    assert {"foot_ids", "person_id", "floor_id", "view", "pool", "augment"} <= set(first)
    assert {"corners", "warp", "feet", "gains", "floor_crop", "shadow"} <= set(first["augment"])
    json.dumps(manifest)  # JSON-serialisable
    # The split invariant holds on what composite-feet writes.
    _, metrics = split_composites(records, {"train": 0.62, "val": 0.18, "test": 0.2})
    assert metrics["overlap_total"] == 0 and metrics["wasted"] == 0


def test_same_bytes_whatever_the_worker_count(tmp_path: Path, inputs):
    views, floors = inputs
    one = render(tmp_path / "one", views, floors, SMALL)
    two = render(tmp_path / "two", views, floors, replace(SMALL, workers=2, chunk=7))
    np.testing.assert_array_equal(one[0], two[0])
    np.testing.assert_array_equal(one[1], two[1])
    assert one[2] == two[2]
    other_seed = render(tmp_path / "seed", views, floors, SMALL, seed=6)
    assert not np.array_equal(one[0], other_seed[0])


@pytest.mark.parametrize("warp", ["affine", "perspective"])
def test_mask_is_aligned_with_the_foot_pixels(tmp_path: Path, warp: str):
    # Red foot, green leg (alpha only: background in the mask), blue floor; no photometric effects.
    h, w = 80, 64
    yy, xx = np.mgrid[0:h, 0:w]
    foot = ((xx - 32) / 14.0) ** 2 + ((yy - 55) / 20.0) ** 2 <= 1
    leg = (np.abs(xx - 32) <= 8) & (yy <= 45)
    rgb = np.zeros((h, w, 3), np.uint8)
    rgb[leg] = (0, 255, 0)
    rgb[foot] = (255, 0, 0)
    views = [
        FootView(
            rgb=rgb,
            alpha=((foot | leg) * 255).astype(np.uint8),
            mask=foot,
            foot_id=f"p{i}-left",
            person_id=f"p{i}",
            view="phone-0",
        )
        for i in range(3)
    ]
    floors = [Floor(image=np.full((96, 96, 3), (0, 0, 255), np.uint8), floor_id=f"f{i}") for i in range(3)]
    cfg = CompositeConfig(
        count=12, size=64, pools=3, workers=1, warp=warp, shadow=(0, 0), harmonise=(0, 0), noise=(0, 0), blur=(0, 0)
    )
    images, masks, _ = render(tmp_path, views, floors, cfg)
    kernel = np.ones((3, 3), np.uint8)
    for image, mask in zip(images, masks):
        # Constant borders: the foot's edge may lie just outside the image.
        inside = cv2.erode(mask, kernel, borderType=cv2.BORDER_CONSTANT, borderValue=0) == 1
        outside = cv2.dilate(mask, kernel, borderType=cv2.BORDER_CONSTANT, borderValue=1) == 0
        # Mostly foot red (bilinear edges may mix in a little floor blue under strong magnification).
        r, g, b = (image[..., c].astype(int) for c in range(3))
        red = (r > 150) & (g < 60) & (b < r // 3)
        assert red[inside].all()
        assert not red[outside].any()
    assert masks.sum() > 0


def test_leg_edge_is_found():
    view = synthetic_views(1, size=80)[0]
    assert prepare_view(view).leg_edge == "top"
    rotated = FootView(
        rgb=np.rot90(view.rgb).copy(),
        alpha=np.rot90(view.alpha).copy(),
        mask=np.rot90(view.mask).copy(),
        foot_id="x",
        person_id="y",
        view="phone-0",
    )
    assert prepare_view(rotated).leg_edge == "left"


@pytest.mark.parametrize(
    "raw, message",
    [
        ({"count": 0}, "composite.count must be a positive integer, got 0"),
        ({"count": -3}, "composite.count must be a positive integer, got -3"),
        ({"count": 5, "warp": "twist"}, "composite.warp must be one of affine, perspective"),
        ({"count": 5, "shadow": [0.8, 0.2]}, "composite.shadow must be"),
        ({"count": 5, "colour": 1}, "composite.colour is not a known key"),
    ],
)
def test_config_errors_name_the_key(raw, message):
    with pytest.raises(FootsegError, match=message):
        CompositeConfig.from_dict(raw)


def test_contact_sheet_png(tmp_path: Path, inputs):
    views, floors = inputs
    images, masks, _ = render(tmp_path, views, floors, SMALL)
    path = write_contact_sheet(tmp_path / "plots" / "sheet.png", images, masks, cells=12, columns=4)
    sheet = cv2.imread(str(path))[..., ::-1]
    assert sheet.shape == (3 * 67 + 3, 4 * 67 + 3, 3)
    # Mask outlines drawn in bright green.
    assert ((sheet[..., 1] == 255) & (sheet[..., 0] == 0)).sum() > 50


def test_stage_rejects_bad_config_and_writes_nothing(tmp_path: Path):
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "stages" / "composite_feet.py"),
            "profile=smoke",
            "composite.count=-3",
            f"paths.composites={tmp_path / 'composites'}",
            f"paths.plots={tmp_path / 'plots'}",
            f"paths.floors={tmp_path / 'floors'}",
            "hydra.run.dir=.",
            "hydra.output_subdir=null",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == "error: composite.count must be a positive integer, got -3"
    assert not (tmp_path / "composites").exists() and not (tmp_path / "plots").exists()


def test_stage_end_to_end_with_real_floors_and_feet(tmp_path: Path):
    """Floors from footseg.data.floors and feet=procedural from footseg.data.feet, tiny sizes."""
    from omegaconf import OmegaConf

    from conftest import compose_config
    from footseg.data.floors import build_floors

    floors_cfg = OmegaConf.to_container(compose_config("floors.count=4", "floors.size=96").floors, resolve=True)
    build_floors(floors_cfg, tmp_path / "floors", seed=1)
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "stages" / "composite_feet.py"),
            "profile=smoke",
            "feet=procedural",
            "feet.persons=3",
            "feet.views=2",
            "feet.size=64",
            "feet.supersample=1",
            "feet.workers=1",
            "composite.count=12",
            "composite.size=48",
            "composite.pools=3",
            f"paths.floors={tmp_path / 'floors'}",
            f"paths.composites={tmp_path / 'composites'}",
            f"paths.plots={tmp_path / 'plots'}",
            "hydra.run.dir=.",
            "hydra.output_subdir=null",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    summary = result.stdout.strip().splitlines()[-1]
    assert summary.startswith("composite-feet: 12 composites from 3 persons x 2 views on 4 floors in 3 pools")
    images = np.load(tmp_path / "composites" / "images.npy")
    masks = np.load(tmp_path / "composites" / "masks.npy")
    assert images.shape == (12, 48, 48, 3) and masks.shape == (12, 48, 48) and masks.any()
    manifest = json.loads((tmp_path / "composites" / "manifest.json").read_text())
    assert len(manifest["composites"]) == 12 and manifest["pools"] == 3
    assert (tmp_path / "plots" / "contact_sheet.png").stat().st_size > 0
    assert not list(tmp_path.glob("composites.tmp*")) and not list(tmp_path.glob(".composites.tmp*"))


def test_legs_are_pushed_out_of_the_frame_with_the_foot_in_view():
    from footseg.data.composite import _apply, _foot_centre, _rotate_scale, _translate, push_legs_out

    view = prepare_view(synthetic_views(1, size=80)[0])
    rng = np.random.default_rng(0)
    for _ in range(50):
        matrix = (
            _translate(*rng.uniform(20, 44, 2))
            @ _rotate_scale(rng.uniform(-1, 1), rng.uniform(0.2, 0.5))
            @ _translate(*-_foot_centre(view))
        )
        pushed = push_legs_out([matrix], [view], 64)[0]
        cut = _apply(pushed, view.leg_cut)
        assert not any(0 < x < 64 and 0 < y < 64 for x, y in cut)
        centre = _apply(pushed, _foot_centre(view)[None])[0]
        assert 0 <= centre[0] <= 64 and 0 <= centre[1] <= 64


def test_gain_table_is_cv2_multiply_exactly():
    rgb = np.random.default_rng(0).integers(0, 256, (64, 64, 3), np.uint8)
    for gain in ([1.0, 1.0, 1.0], [0.7, 1.25, 1.4], [1.333, 0.871, 0.5]):
        expected = cv2.multiply(rgb, (*gain, 0.0))  # rounding and saturation included
        assert (cv2.LUT(rgb, gain_table(np.array(gain))) == expected).all()
