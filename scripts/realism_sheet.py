"""Composites beside real photos, to judge realism by eye: plots/realism_sheet.png.

    python scripts/realism_sheet.py [--composites data/composites] [--real ../shared/reference/real-feet-dev]
                                    [--out plots/realism_sheet.png]

Rows of random composites alternate with rows of real photos; every tile is shown at the 3:4
frame shape (composites un-squashed, real photos as taken) with its foot mask outlined.
The real photos are only looked at here, never trained on.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from footseg.data.contact_sheet import realism_sheet, write_png
from footseg.deploy.benchmark import load_real_set
from footseg.errors import FootsegError


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--composites", default="data/composites")
    parser.add_argument("--real", default="../shared/reference/real-feet-dev")
    parser.add_argument("--out", default="plots/realism_sheet.png")
    parser.add_argument("--columns", type=int, default=8)
    parser.add_argument("--rows", type=int, default=3)
    args = parser.parse_args()
    try:
        images_path = Path(args.composites) / "images.npy"
        if not images_path.is_file():
            raise FootsegError(f"{images_path}: not found (run `dvc repro composite-feet` first)")
        images = np.load(images_path, mmap_mode="r")
        masks = np.load(Path(args.composites) / "masks.npy", mmap_mode="r")
        real_images, real_masks = load_real_set(args.real, tuple(images.shape[1:3]))
        out = write_png(args.out, realism_sheet(images, masks, real_images, real_masks, args.columns, args.rows))
    except FootsegError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"realism sheet: {args.out} ({out})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
