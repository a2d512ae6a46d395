"""feet=scans: importing a directory of scanner exports, and its errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from omegaconf import OmegaConf
from PIL import Image

from conftest import compose_config
from footseg.data.feet import build_foot_views
from footseg.errors import FootsegError


def write_view(path: Path, *, alpha: bool = True, mask: bool = False, size: int = 40) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    rgb = np.zeros((size, size, 3), np.uint8)
    rgb[10:30, 12:28] = (200, 150, 120)
    drawn = np.zeros((size, size), np.uint8)
    drawn[0:30, 12:28] = 255  # foot + lower leg
    foot = np.zeros((size, size), np.uint8)
    foot[15:30, 12:28] = 255
    if alpha:
        Image.fromarray(np.dstack([rgb, drawn if mask else foot])).save(path)
    else:
        Image.fromarray(rgb).save(path)
    if mask:
        Image.fromarray(foot).save(path.with_name(path.stem + ".mask.png"))


@pytest.fixture
def scans(tmp_path) -> Path:
    root = tmp_path / "scans"
    write_view(root / "anna" / "left" / "scanner-0.png")  # RGBA, alpha = foot
    write_view(root / "anna" / "left" / "scanner-1.png", alpha=False, mask=True)  # RGB + mask
    write_view(root / "anna" / "right" / "scanner-0.png", mask=True)  # RGBA (foot + leg) + mask
    write_view(root / "bert" / "right" / "scanner-0.png")
    (root / "notes.txt").write_text("ignored")
    return root


def scans_cfg(root: Path, **overrides) -> dict:
    cfg = OmegaConf.to_container(compose_config("feet=scans").feet, resolve=True)
    cfg.update(dir=str(root), persons=0, views=0)
    cfg.update(overrides)
    return cfg


def test_import_layout(scans):
    views = build_foot_views(scans_cfg(scans), seed=0, progress=False)
    assert [(v.person_id, v.foot_id, v.view) for v in views] == [
        ("anna", "anna-left", "scanner-0"),
        ("anna", "anna-left", "scanner-1"),
        ("anna", "anna-right", "scanner-0"),
        ("bert", "bert-right", "scanner-0"),
    ]
    rgba, rgb_mask, both = views[0], views[1], views[2]
    assert rgba.mask.sum() == 15 * 16 and (rgba.alpha[rgba.mask] == 255).all()
    assert rgb_mask.mask.sum() == 15 * 16 and (rgb_mask.alpha[~rgb_mask.mask] == 0).all()
    # alpha covers the leg, the mask only the foot
    assert both.mask.sum() == 15 * 16 and (both.alpha > 0).sum() == 30 * 16
    assert both.params == {"source": "scans", "side": "right", "file": "anna/right/scanner-0.png"}
    assert build_foot_views(scans_cfg(scans, persons=1, views=1), seed=0, progress=False)[-1].foot_id == "anna-right"


def test_missing_directory(tmp_path):
    with pytest.raises(FootsegError, match="feet.dir: scans directory .* not found"):
        build_foot_views(scans_cfg(tmp_path / "absent"), seed=0, progress=False)


def test_empty_directory_says_the_layout(tmp_path):
    with pytest.raises(FootsegError, match="no scans in .*<person_id>/<left|right>/<view>.png"):
        build_foot_views(scans_cfg(tmp_path), seed=0, progress=False)


def test_scan_without_a_mask(scans):
    write_view(scans / "carl" / "left" / "top.png", alpha=False)
    with pytest.raises(FootsegError) as err:
        build_foot_views(scans_cfg(scans), seed=0, progress=False)
    assert "carl/left/top.png" in str(err.value) and "top.mask.png" in str(err.value)


def test_corrupt_image_names_the_file(scans):
    (scans / "bert" / "right" / "scanner-1.png").write_bytes(b"\x89PNG\r\n\x1a\n broken")
    with pytest.raises(FootsegError, match=r"bert/right/scanner-1.png: not a readable image"):
        build_foot_views(scans_cfg(scans), seed=0, progress=False)


def test_mask_of_the_wrong_size(scans):
    Image.fromarray(np.zeros((8, 8), np.uint8)).save(scans / "anna" / "left" / "scanner-1.mask.png")
    with pytest.raises(FootsegError, match="scanner-1.mask.png: size 8x8 differs"):
        build_foot_views(scans_cfg(scans), seed=0, progress=False)
