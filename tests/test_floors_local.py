"""floors=local: a directory of photos, normalised; missing dir and corrupt image are one line."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from footseg.data.floors import build_floors, load_floors
from footseg.errors import FootsegError


def local_cfg(directory, **over) -> dict:
    return {
        "source": "local",
        "count": 10,
        "size": 32,
        "local": {"dir": str(directory), "license": "CC BY 4.0"},
        **over,
    }


def half_and_half(path, orientation: int | None = None) -> None:
    """40x20: left half red, right half blue; optionally an EXIF orientation tag."""
    img = np.zeros((20, 40, 3), np.uint8)
    img[:, :20] = (255, 0, 0)
    img[:, 20:] = (0, 0, 255)
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    Image.fromarray(img).save(path, exif=exif.tobytes(), quality=95)


def test_local_directory_is_imported_and_exif_transposed(tmp_path):
    src = tmp_path / "photos"
    (src / "sub").mkdir(parents=True)
    half_and_half(src / "plain.jpg")
    half_and_half(src / "sub" / "rotated.jpg", orientation=6)  # shown rotated 90 degrees clockwise
    Image.new("RGBA", (50, 50), (0, 255, 0, 128)).save(src / "green.png")
    (src / "notes.txt").write_text("not an image, not looked at")
    summary = build_floors(local_cfg(src), tmp_path / "floors", seed=0, progress=False)
    assert summary["count"] == 3
    manifest = json.loads((tmp_path / "floors" / "manifest.json").read_text())
    by_name = {f["original"]: f for f in manifest["floors"]}
    assert set(by_name) == {"plain.jpg", "sub/rotated.jpg", "green.png"}
    assert all(f["license"] == "CC BY 4.0" and f["source"] == "local" for f in by_name.values())
    images = {f.floor_id: f.image for f in load_floors(tmp_path / "floors")}
    plain = images[by_name["plain.jpg"]["floor_id"]].astype(int)
    rotated = images[by_name["sub/rotated.jpg"]["floor_id"]].astype(int)
    assert plain[16, 2, 0] > 200 and plain[16, 29, 2] > 200  # red left, blue right
    assert rotated[2, 16, 0] > 200 and rotated[29, 16, 2] > 200  # upright: red top, blue bottom


def test_missing_directory_is_one_clear_line(tmp_path):
    with pytest.raises(FootsegError, match=r"floors.local.dir: .*nowhere is not a directory"):
        build_floors(local_cfg(tmp_path / "nowhere"), tmp_path / "floors", seed=0, progress=False)


def test_corrupt_and_tiny_images_are_skipped_and_counted(tmp_path):
    src = tmp_path / "photos"
    src.mkdir()
    half_and_half(src / "good.jpg")
    (src / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 truncated")
    Image.new("RGB", (4, 4), (9, 9, 9)).save(src / "thumb.png")  # 8x upscale to 32 px: refused
    summary = build_floors(local_cfg(src), tmp_path / "floors", seed=0, progress=False)
    assert summary["count"] == 1 and summary["skipped"] == {"bad-image": 1, "too-small": 1}
    manifest = json.loads((tmp_path / "floors" / "manifest.json").read_text())
    assert {(f["file"], f["reason"]) for f in manifest["failures"]} == {
        ("broken.jpg", "bad-image"),
        ("thumb.png", "too-small"),
    }
    (src / "good.jpg").unlink()
    with pytest.raises(FootsegError, match=r"only 0 usable floor images .*too-small"):
        build_floors(local_cfg(src), tmp_path / "floors2", seed=0, progress=False)
