"""Does distillation help? Train one student with cross entropy alone and with distillation from the
trained teacher, same budget, seed and learning rate, and print both test IoUs and the difference.

    python scripts/compare_distillation.py                       # fastlinknet on data/, models/teacher.keras
    python scripts/compare_distillation.py --student nanoseg --epochs 5 --steps 20 --batch 8
    python scripts/compare_distillation.py --teacher-logits cached   # also times online vs cached

Needs the composite-feet, split and train-teacher outputs (dvc repro train-teacher).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
import time
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--student", default="fastlinknet")
    parser.add_argument("--composites", default="data/composites")
    parser.add_argument("--split", default="data/split")
    parser.add_argument("--teacher", default="models/teacher.keras")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--steps", type=int, default=15, help="steps per epoch")
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--dropout", type=float, default=0.1)
    parser.add_argument("--temperature", type=float, default=2.0)
    parser.add_argument("--lam", type=float, default=0.25)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--val-batches", type=int, default=4)
    parser.add_argument("--bn-momentum", type=float, default=0.9)
    parser.add_argument("--eval-limit", type=int, default=None, help="score at most this many test images")
    parser.add_argument("--teacher-logits", choices=("online", "cached"), default="online")
    args = parser.parse_args()

    from footseg.errors import FootsegError
    from footseg.runs import DataSpec, image_side, split_arrays, spread_subset
    from footseg.metrics import evaluate_model, keras_predict_fn
    from footseg.students import StudentJob, load_teacher, train_student

    try:
        data = DataSpec(args.composites, args.split, args.batch, args.seed, args.val_batches * args.batch, 16)
        job = StudentJob(name=args.student, data=data, input_size=image_side(args.composites),
                         teacher_path=args.teacher, patience=args.epochs, bn_momentum=args.bn_momentum)
        test_images, test_masks = spread_subset(*split_arrays(args.composites, args.split, "test"), args.eval_limit)
        base = {"lr": args.lr, "dropout": args.dropout}
        runs = {
            "ce": {**base, "loss": "ce"},
            "distillation": {**base, "loss": "distillation", "temperature": args.temperature, "lam": args.lam},
        }
        results = {}
        with tempfile.TemporaryDirectory(prefix="footseg-compare-") as tmp:
            for label, params in runs.items():
                run_job, extra = job, ""
                if label == "distillation" and args.teacher_logits == "cached":
                    from footseg.teacher_cache import cache_teacher_logits

                    start = time.perf_counter()
                    cache = cache_teacher_logits(load_teacher(args.teacher), args.composites, args.split,
                                                 Path(tmp) / "train.npy", 16)
                    extra = f" (+ {time.perf_counter() - start:.0f} s caching teacher logits)"
                    run_job = dataclasses.replace(job, teacher_cache=str(cache))
                result = train_student(run_job, params, args.epochs, args.steps, desc=f"{args.student} {label}")
                scores = evaluate_model(keras_predict_fn(result.model), test_images, test_masks, 16)
                results[label] = scores
                print(f"{label:>12}: test IoU {scores['iou']:.4f}  acc {scores['accuracy']:.4f}  "
                      f"train {result.seconds:.0f} s{extra}", flush=True)
    except FootsegError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    diff = 100 * (results["distillation"]["iou"] - results["ce"]["iou"])
    print(f"{args.student}: distillation - CE = {diff:+.2f} IoU points "
          f"({args.epochs} x {args.steps} x {args.batch} images, seed {args.seed})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
