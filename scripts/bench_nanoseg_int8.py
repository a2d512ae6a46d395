"""Latency of nanoseg (fp32 and full-integer int8) against MediaPipe's selfie segmenter (the peer).

Same interpreter (tf.lite.Interpreter, XNNPACK), 1 thread, interleaved rounds, medians; random
weights and a handful of random representative images (latency does not depend on them).
Needs the peer: `footseg fetch-peer` (writes peer/selfie_segmentation.tflite).

    python scripts/bench_nanoseg_int8.py [--rounds 15] [--runs 20] [--size 256]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from footseg.deploy.export import convert  # noqa: E402
from footseg.deploy.interpreter import TFLiteModel  # noqa: E402
from footseg.models import build_model, count_params  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--peer", default=str(ROOT / "peer" / "selfie_segmentation.tflite"))
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--rounds", type=int, default=15, help="interleaved rounds")
    parser.add_argument("--runs", type=int, default=20, help="invokes per model per round")
    parser.add_argument("--interpreter", default="tflite", choices=("tflite", "litert"))
    args = parser.parse_args(argv)
    peer = Path(args.peer)
    if not peer.is_file():
        print(f"{peer}: not found; run `footseg fetch-peer` first", file=sys.stderr)
        return 1

    model = build_model("nanoseg", input_size=args.size)
    rng = np.random.default_rng(0)
    representative = rng.integers(0, 256, (8, args.size, args.size, 3), dtype=np.uint8)
    tmp = Path(tempfile.mkdtemp(prefix="bench_nanoseg_"))
    files = {"peer": peer}
    for precision in ("fp32", "int8"):
        path = tmp / f"nanoseg.{precision}.tflite"
        path.write_bytes(convert(model, precision, representative))
        files[f"nanoseg.{precision}"] = path

    runners = {name: TFLiteModel(path, interpreter=args.interpreter, threads=1) for name, path in files.items()}
    for name, runner in runners.items():
        h, w = runner.input_size
        runner.set_input(rng.integers(0, 256, (h, w, 3), dtype=np.uint8))
        for _ in range(5):  # warm-up
            runner.invoke()
    times: dict[str, list[float]] = {name: [] for name in runners}
    for _ in range(args.rounds):
        for name, runner in runners.items():
            for _ in range(args.runs):
                start = time.perf_counter()
                runner.invoke()
                times[name].append((time.perf_counter() - start) * 1e3)
    median = {name: statistics.median(t) for name, t in times.items()}
    print(
        f"interpreter {args.interpreter}, 1 thread, {args.rounds} rounds x {args.runs} runs, "
        f"input {args.size}x{args.size}"
    )
    print(f"nanoseg params {count_params(model):,}, int8 file {files['nanoseg.int8'].stat().st_size / 1e6:.3f} MB")
    for name, value in median.items():
        print(f"{name:14s} median {value:7.3f} ms   ({value / median['peer']:.2f}x peer)")
    print(f"ratio nanoseg-int8 / peer = {median['nanoseg.int8'] / median['peer']:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
