"""Images per second that footseg.data.loader.make_dataset delivers (training must never wait on it).

    python scripts/bench_loader.py                       # data/composites + data/split if present
    python scripts/bench_loader.py --synthetic 2000      # else a synthetic 256 px set in a temp dir

Prints the median of several passes; a CPU trains at ~25 img/s, so anything in the thousands is ample.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def write_synthetic(root: Path, count: int, size: int) -> tuple[Path, Path]:
    """A random dataset in the composite-feet/split layout (content does not matter for speed)."""
    composites, split = root / "composites", root / "split"
    composites.mkdir(parents=True)
    split.mkdir(parents=True)
    rng = np.random.default_rng(0)
    images = np.lib.format.open_memmap(composites / "images.npy", "w+", np.uint8, (count, size, size, 3))
    masks = np.lib.format.open_memmap(composites / "masks.npy", "w+", np.uint8, (count, size, size))
    for start in range(0, count, 256):
        stop = min(count, start + 256)
        images[start:stop] = rng.integers(0, 256, (stop - start, size, size, 3), dtype=np.uint8)
        masks[start:stop] = rng.integers(0, 2, (stop - start, size, size), dtype=np.uint8)
    images.flush()
    masks.flush()
    (split / "train.txt").write_text("".join(f"{i}\n" for i in range(count)))
    return composites, split


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--composites", type=Path, default=ROOT / "data" / "composites")
    parser.add_argument("--split-dir", type=Path, default=ROOT / "data" / "split")
    parser.add_argument("--synthetic", type=int, default=0, help="use N synthetic composites instead")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--batches", type=int, default=60, help="batches per timed pass")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    from footseg.data.loader import make_dataset

    with tempfile.TemporaryDirectory() as tmp:
        composites, split_dir = args.composites, args.split_dir
        if args.synthetic or not (composites / "images.npy").exists():
            composites, split_dir = write_synthetic(Path(tmp), args.synthetic or 2000, 256)
            print(f"synthetic set: {args.synthetic or 2000} composites in {tmp}", file=sys.stderr)
        dataset = make_dataset(
            composites, split_dir, "train", args.batch, shuffle=True, seed=0, repeat=True, drop_remainder=True
        )
        iterator = iter(dataset)
        next(iterator)  # warm-up: graph tracing and the first prefetch
        rates = []
        for _ in range(args.runs):
            start = time.perf_counter()
            for _ in range(args.batches):
                images, masks = next(iterator)
            rates.append(args.batches * args.batch / (time.perf_counter() - start))
    print(
        f"loader: {statistics.median(rates):.0f} images/s (median of {args.runs} passes of "
        f"{args.batches} batches x {args.batch}; range {min(rates):.0f}-{max(rates):.0f})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
