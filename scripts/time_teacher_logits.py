"""Online vs cached teacher logits for distillation: which is faster for a given budget?

Online runs the teacher inside every training step; cached runs it once per training image up
front, then each step only reads the logits. Measured on random 256 px batches (no data needed):

    python scripts/time_teacher_logits.py --teacher-width 0.5 --student fastlinknet \
        --seen 840 --train-images 2480

--seen: images one student stage trains on (trials x trial budget + final budget);
--train-images: size of the training split (what caching must run the teacher over).
Prints per-image costs (wall and CPU seconds; on a shared machine CPU time is the steadier figure)
and both projected totals.
"""

from __future__ import annotations

import argparse
import sys
import time


def timed(fn, repeats: int) -> tuple[float, float]:
    """(wall, cpu) seconds per call of ``fn`` after one warm-up (tracing) call."""
    fn()
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(repeats):
        fn()
    return (time.perf_counter() - wall) / repeats, (time.process_time() - cpu) / repeats


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--teacher-width", type=float, default=0.5)
    parser.add_argument("--student", default="fastlinknet")
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seen", type=int, default=840)
    parser.add_argument("--train-images", type=int, default=2480)
    args = parser.parse_args()

    import keras
    import numpy as np
    import tensorflow as tf

    from footseg.losses import make_loss
    from footseg.models import build_model
    from footseg.train import distillation_model

    rng = np.random.default_rng(0)
    x = rng.uniform(0, 255, (args.batch, args.size, args.size, 3)).astype(np.float32)
    y = (x[..., 0] > 128).astype(np.int32)
    teacher = build_model("teacher", input_size=args.size, width=args.teacher_width)
    logits = np.asarray(teacher(x, training=False))

    def step_model(online: bool) -> keras.Model:
        keras.utils.set_random_seed(0)
        student = build_model(args.student, input_size=args.size)
        model = distillation_model(student, teacher if online else None)
        model.compile(optimizer="adam", loss=make_loss("distillation", 4.0, 1.0))
        return model

    online_model, cached_model = step_model(True), step_model(False)
    forward = tf.function(lambda v: teacher(v, training=False))
    per_image = {
        "online step": timed(lambda: online_model.train_on_batch(x, y), args.repeats),
        "cached step": timed(lambda: cached_model.train_on_batch([x, logits], y), args.repeats),
        "teacher forward": timed(lambda: forward(x), args.repeats),
    }
    for name, (wall, cpu) in per_image.items():
        print(f"{name:>16}: {1000 * wall / args.batch:7.1f} ms/img wall, {1000 * cpu / args.batch:7.1f} ms/img CPU")
    for clock, i in (("wall", 0), ("CPU", 1)):
        online = args.seen * per_image["online step"][i] / args.batch
        cached = (args.train_images * per_image["teacher forward"][i] + args.seen * per_image["cached step"][i]) / args.batch
        print(f"{clock}: online {online:.0f} s vs cached {cached:.0f} s for {args.seen} images seen, "
              f"{args.train_images} to cache -> {'online' if online <= cached else 'cached'} is faster")
    return 0


if __name__ == "__main__":
    sys.exit(main())
