"""Training throughput per model: images/s of real optimizer steps at 128/192/256 px, the
forward+backward FLOPs per image, and the share of the machine's measured peak that makes.

    python scripts/bench_train.py                          # every model, 128/192/256 px
    python scripts/bench_train.py --models nanoseg --sizes 128 --jit      # XLA jit_compile
    python scripts/bench_train.py --models nanoseg --bf16                 # mixed_bfloat16
    python scripts/bench_train.py --intra 2 --inter 1                     # TF thread pools

Each (model, size) trains on random pixels and masks with the recipe's optimizer and loss (AdamW,
cross entropy) for --seconds after a warm-up that builds the graph; the figure is the median of
per-step rates. Peak = a 2048^3 float32 matmul in TensorFlow on the same threads (what the
convolution kernels could reach); FLOPs per training image ~ 3x the forward FLOPs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

DEFAULT_BATCH = {128: 32, 160: 32, 192: 24, 224: 16, 256: 16}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--models", nargs="+", default=["teacher", "enet", "linknet", "mobileseg", "fastlinknet", "nanoseg"]
    )
    parser.add_argument("--sizes", nargs="+", type=int, default=[128, 192, 256])
    parser.add_argument("--batch", type=int, default=None, help="batch size (default: by size, %s)" % DEFAULT_BATCH)
    parser.add_argument("--teacher-width", type=float, default=0.5)
    parser.add_argument("--seconds", type=float, default=8.0, help="timed seconds per (model, size)")
    parser.add_argument("--jit", action="store_true", help="compile the train step with XLA (jit_compile=True)")
    parser.add_argument("--bf16", action="store_true", help="keras mixed_bfloat16 policy")
    parser.add_argument(
        "--keras-bn", action="store_true", help="train BatchNormalization on Keras' own ops, not the fused kernel"
    )
    parser.add_argument("--intra", type=int, default=None, help="TF intra-op threads (default: TF's)")
    parser.add_argument("--inter", type=int, default=None, help="TF inter-op threads (default: TF's)")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    import numpy as np
    import tensorflow as tf

    if args.intra is not None:
        tf.config.threading.set_intra_op_parallelism_threads(args.intra)
    if args.inter is not None:
        tf.config.threading.set_inter_op_parallelism_threads(args.inter)
    import keras

    from footseg.models import build_model
    from footseg.models.flops import flops
    from footseg.train.batch_norm import fuse_batch_norm
    from footseg.train.losses import cross_entropy

    peak = measure_peak_gflops(tf)
    print(
        f"peak: {peak:.0f} GFLOP/s (float32 matmul, TF threads intra={args.intra or 'default'}); "
        f"jit={args.jit} bf16={args.bf16} fused_bn={not args.keras_bn} oneDNN={os.environ.get('TF_ENABLE_ONEDNN_OPTS', 'default')}"
    )
    if args.bf16:
        keras.mixed_precision.set_global_policy("mixed_bfloat16")
    print(f"{'model':12s} {'px':>4s} {'batch':>5s} {'img/s':>7s} {'GFLOP/img':>9s} {'GFLOP/s':>8s} {'of peak':>7s}")
    rng = np.random.default_rng(0)
    for name in args.models:
        for size in args.sizes:
            batch = args.batch or DEFAULT_BATCH.get(size, 16)
            width = args.teacher_width if name == "teacher" else 1.0
            keras.utils.set_random_seed(0)
            model = build_model(name, input_size=size, width=width)
            forward = flops(model)
            if not args.keras_bn:
                fuse_batch_norm(model)
            model.compile(
                optimizer=keras.optimizers.AdamW(1e-3, weight_decay=1e-4), loss=cross_entropy, jit_compile=args.jit
            )
            images = rng.uniform(0, 255, (batch, size, size, 3)).astype(np.float32)
            masks = (rng.uniform(size=(batch, size, size)) > 0.7).astype(np.int32)
            for _ in range(3):  # graph build + warm-up
                model.train_on_batch(images, masks)
            rates, start = [], time.perf_counter()
            while time.perf_counter() - start < args.seconds or len(rates) < 3:
                t0 = time.perf_counter()
                model.train_on_batch(images, masks)
                rates.append(batch / (time.perf_counter() - t0))
            rate = statistics.median(rates)
            per_image = 3 * forward / 1e9
            print(
                f"{name:12s} {size:4d} {batch:5d} {rate:7.1f} {per_image:9.3f} {rate * per_image:8.1f} "
                f"{rate * per_image / peak:7.1%}",
                flush=True,
            )
            keras.backend.clear_session()


def measure_peak_gflops(tf) -> float:
    a = tf.random.uniform((2048, 2048))
    b = tf.random.uniform((2048, 2048))
    matmul = tf.function(lambda x, y: tf.linalg.matmul(x, y))
    matmul(a, b).numpy()
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        matmul(a, b).numpy()
        times.append(time.perf_counter() - t0)
    return 2 * 2048**3 / statistics.median(times) / 1e9


if __name__ == "__main__":
    main()
