"""data/floors layout: images/<floor_id>.jpg plus manifest.json; reading it back as Floors."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from ...errors import FootsegError, require
from ...io import read_json, write_json
from ..types import Floor
from .images import sha256_hex

MANIFEST = "manifest.json"
IMAGES = "images"
REQUIRED_KEYS = ("floor_id", "file", "source", "kind", "width", "height", "sha256", "license", "author", "source_url")


def floor_record(
    floor_id: str,
    jpeg: bytes,
    size: int,
    source: str,
    *,
    kind: str | None = None,
    license: str | None = None,
    author: str | None = None,
    source_url: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """One manifest entry (the contract's keys first, then source-specific ones)."""
    return {
        "floor_id": floor_id,
        "file": f"{IMAGES}/{floor_id}.jpg",
        "source": source,
        "kind": kind,
        "width": size,
        "height": size,
        "sha256": sha256_hex(jpeg),
        "license": license,
        "author": author,
        "source_url": source_url,
        **extra,
    }


def write_floor(out_dir: Path, record: dict[str, Any], jpeg: bytes) -> None:
    (out_dir / IMAGES).mkdir(parents=True, exist_ok=True)
    (out_dir / record["file"]).write_bytes(jpeg)


def write_manifest(out_dir: Path, records: list[dict[str, Any]], summary: dict[str, Any]) -> None:
    """manifest.json: the floors sorted by floor_id, plus how they were made."""
    write_json(out_dir / MANIFEST, {**summary, "floors": sorted(records, key=lambda r: r["floor_id"])})


def read_manifest(floors_dir: str | Path) -> list[dict[str, Any]]:
    """The manifest's floor entries; FootsegError for a missing directory or manifest."""
    floors_dir = Path(floors_dir)
    require(floors_dir.is_dir(), f"{floors_dir}: floors directory not found (run the scrape-floors stage)")
    manifest = read_json(floors_dir / MANIFEST)
    floors = manifest.get("floors") if isinstance(manifest, dict) else None
    require(isinstance(floors, list), f"{floors_dir / MANIFEST}: no 'floors' list")
    for entry in floors:
        missing = [k for k in REQUIRED_KEYS if k not in entry]
        require(not missing, f"{floors_dir / MANIFEST}: entry {entry.get('floor_id', '?')} lacks {missing}")
    return floors


def load_floors(floors_dir: str | Path) -> list[Floor]:
    """Every floor of ``floors_dir`` as Floor(image uint8 (H, W, 3), floor_id), manifest order.

    FootsegError names the file for a missing directory/manifest or a missing/corrupt image
    (an image whose bytes no longer match the manifest's sha256 counts as corrupt).
    """
    floors_dir = Path(floors_dir)
    out = []
    for entry in read_manifest(floors_dir):
        path = floors_dir / entry["file"]
        try:
            data = path.read_bytes()
        except OSError:
            raise FootsegError(f"{path}: floor image not found") from None
        if sha256_hex(data) != entry["sha256"]:
            raise FootsegError(f"{path}: corrupt floor image (sha256 differs from {MANIFEST})")
        try:
            with Image.open(io.BytesIO(data)) as im:
                image = np.asarray(im.convert("RGB"), dtype=np.uint8)
        except (OSError, SyntaxError, ValueError):
            raise FootsegError(f"{path}: corrupt floor image (cannot decode)") from None
        out.append(Floor(image=image, floor_id=entry["floor_id"]))
    return out
