"""Import foot views exported by a 3D foot scanner (feet=scans): images used as they are.

Layout (one folder per person, one per side, one image per view):

    <feet.dir>/
      <person_id>/
        left/
          <view>.png          RGBA: colour + alpha, alpha = the foot (up to the ankle)
        right/
          <view>.png          or RGB (.png/.jpg) with a mask beside it:
          <view>.mask.png     8-bit, non-zero = foot (up to the ankle)

If both an alpha channel and a ``.mask.png`` exist, the alpha says what is drawn (it may include
the lower leg) and the mask says what is foot. Without an alpha channel the mask is the alpha
too. Person and side come from the folders (left and right of a person share ``person_id``);
the view name is the file name without its extension. ``feet.persons`` / ``feet.views``, when
set, keep only the first persons (sorted) / views per foot.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ...errors import FootsegError, require
from ...io import IMAGE_SUFFIXES
from ..types import FootView

SIDES = ("left", "right")
MASK_SUFFIX = ".mask.png"


def _read(path: Path, mode: str | None = None) -> np.ndarray:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            image.load()
            if mode is not None:
                image = image.convert(mode)
            elif image.mode not in ("RGB", "RGBA"):
                image = image.convert("RGBA" if "A" in image.mode or "transparency" in image.info else "RGB")
            return np.asarray(image)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise FootsegError(f"{path}: not a readable image ({type(exc).__name__})") from None


def load_scan_view(image_path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(rgb uint8 (H, W, 3), alpha uint8 (H, W), mask bool (H, W)) of one exported view."""
    image = _read(image_path)
    mask_path = image_path.with_name(image_path.name[: -len(image_path.suffix)] + MASK_SUFFIX)
    has_alpha = image.shape[-1] == 4
    require(
        has_alpha or mask_path.is_file(),
        f"{image_path}: no alpha channel and no mask {mask_path.name} beside it (a scan needs a foot mask)",
    )
    rgb = np.ascontiguousarray(image[..., :3])
    if mask_path.is_file():
        mask = _read(mask_path, "L") > 0
        require(
            mask.shape == rgb.shape[:2],
            f"{mask_path}: size {mask.shape[1]}x{mask.shape[0]} differs from its image's {rgb.shape[1]}x{rgb.shape[0]}",
        )
        alpha = image[..., 3].copy() if has_alpha else (mask * 255).astype(np.uint8)
        alpha = np.maximum(alpha, (mask * 255).astype(np.uint8))  # the foot is always drawn
    else:
        alpha = image[..., 3].copy()
        mask = alpha >= 128
    require(mask.any(), f"{mask_path if mask_path.is_file() else image_path}: the foot mask is empty")
    return rgb, alpha, mask


def find_scans(scans_dir: str | Path) -> list[tuple[str, str, Path]]:
    """(person_id, side, image path) of every view under ``scans_dir``, sorted."""
    scans_dir = Path(scans_dir)
    require(scans_dir.is_dir(), f"feet.dir: scans directory {scans_dir} not found")
    found = []
    for person in sorted(p for p in scans_dir.iterdir() if p.is_dir()):
        for side in SIDES:
            side_dir = person / side
            if not side_dir.is_dir():
                continue
            for path in sorted(side_dir.iterdir()):
                name = path.name.lower()
                if path.is_file() and name.endswith(IMAGE_SUFFIXES) and not name.endswith(MASK_SUFFIX):
                    found.append((person.name, side, path))
    require(bool(found), f"feet.dir: no scans in {scans_dir} (expected <dir>/<person_id>/<left|right>/<view>.png)")
    return found


def load_scans(
    scans_dir: str | Path, persons: int | None = None, views: int | None = None, progress: bool = True
) -> list[FootView]:
    """Every view under ``scans_dir`` as FootViews (optionally the first persons / views per foot)."""
    from tqdm import tqdm

    scans_dir = Path(scans_dir)
    entries = find_scans(scans_dir)
    if persons:
        keep = sorted({p for p, _, _ in entries})[:persons]
        entries = [e for e in entries if e[0] in keep]
    if views:
        counts: dict[tuple[str, str], int] = {}
        kept = []
        for person, side, path in entries:
            counts[(person, side)] = counts.get((person, side), 0) + 1
            if counts[(person, side)] <= views:
                kept.append((person, side, path))
        entries = kept
    out = []
    for person, side, path in tqdm(entries, desc="feet (scans)", unit="view", disable=not progress):
        rgb, alpha, mask = load_scan_view(path)
        stem = path.name[: -len(path.suffix)]
        params = {"source": "scans", "side": side, "file": path.relative_to(scans_dir).as_posix()}
        out.append(FootView(rgb, alpha, mask, f"{person}-{side}", person, stem, params))
    return out
