"""Scoring cost per model: ms per image of a forward pass at the validation size, as the stages
score (footseg.train.metrics.keras_predict_fn: Keras' compiled predict function) against an eager
``model(x, training=False)`` call, interleaved in one run so both see the same machine.

    python scripts/bench_score.py                                  # every model, 256 px, batch 16
    python scripts/bench_score.py --models nanoseg linknet --threads 1

The compiled figures are the eval_ms of footseg/models/facts.py (measure them with two copies of
this script running side by side, one thread each, as distill-students runs its lanes).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["enet", "linknet", "mobileseg", "fastlinknet", "nanoseg"])
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--reps", type=int, default=5, help="timed batches per mode (after 2 warm-up batches)")
    parser.add_argument("--threads", type=int, default=1, help="TF intra- and inter-op threads")
    args = parser.parse_args()

    import numpy as np

    from footseg.workers import init_threads

    init_threads(args.threads)
    from footseg.models import build_model
    from footseg.train.metrics import keras_predict_fn

    batch = np.random.default_rng(0).integers(0, 256, (args.batch, args.size, args.size, 3), dtype=np.uint8)
    print(f"ms per image at {args.size} px, batch {args.batch}, {args.threads} thread(s), median of {args.reps}")
    print(f"{'model':12s} {'compiled':>9s} {'eager':>9s} {'eager/compiled':>15s}")
    for name in args.models:
        model = build_model(name, input_size=args.size, dropout=0.0, width=1.0)
        modes = {
            "compiled": keras_predict_fn(model),
            "eager": lambda x, m=model: np.asarray(m(x.astype(np.float32), training=False)),
        }
        times: dict[str, list[float]] = {mode: [] for mode in modes}
        for fn in modes.values():  # warm-up: traces the graph, sizes the allocator
            fn(batch), fn(batch)
        for _ in range(args.reps):
            for mode, fn in modes.items():
                start = time.perf_counter()
                fn(batch)
                times[mode].append((time.perf_counter() - start) * 1000 / args.batch)
        compiled, eager = (statistics.median(times[m]) for m in ("compiled", "eager"))
        print(f"{name:12s} {compiled:9.1f} {eager:9.1f} {eager / compiled:15.2f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
