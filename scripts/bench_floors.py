"""Print how fast the procedural floor generator runs (floors/s, wall clock and CPU).

python scripts/bench_floors.py                 # 40 floors at 512 px
python scripts/bench_floors.py -n 100 --size 256
"""

from __future__ import annotations

import argparse
import time

from footseg.data.floors.procedural import generate_floor, validate_procedural


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", "--count", type=int, default=40)
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--supersample", type=int, default=1)
    args = parser.parse_args()
    options = validate_procedural({"supersample": args.supersample})
    generate_floor(0, 0, args.size, options)  # warm-up: imports, OpenCV's first calls
    wall, cpu = time.perf_counter(), time.process_time()
    for index in range(args.count):
        generate_floor(0, index, args.size, options)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(
        f"procedural floors at {args.size}px (supersample {args.supersample}): "
        f"{args.count / wall:.1f} floors/s wall, {args.count / cpu:.1f} floors/s per CPU-second "
        f"({args.count} floors, {wall:.1f} s wall, {cpu:.1f} s CPU)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
