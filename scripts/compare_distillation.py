"""Does distillation help at the recipe's budget? One student trained with cross entropy alone and
with distillation from models/teacher.keras, same recipe (params.yaml's train group and the
student's budget), for several seeds; prints test IoU per run and mean +- standard deviation.

    python scripts/compare_distillation.py                          # nanoseg, seeds 1 2 3
    python scripts/compare_distillation.py --student fastlinknet --seeds 1 2 --images 6000

Runs two trainings side by side (one thread each), like the distill-students stage. Needs the
composite-feet, split and train-teacher outputs (dvc repro train-teacher).
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--student", default="nanoseg")
    parser.add_argument("--seeds", nargs="+", type=int, default=[1, 2, 3])
    parser.add_argument("--images", type=int, default=None, help="images per run (default: the student's budget)")
    parser.add_argument("--params", default=str(ROOT / "params.yaml"))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--losses", nargs="+", default=["ce", "distillation"], choices=["ce", "distillation"])
    args = parser.parse_args()

    from omegaconf import OmegaConf

    from footseg.train.recipe import student_recipe
    from footseg.train.students import StudentJob, _cache_logits
    from footseg.train.teacher import data_spec
    from footseg.workers import spawn_pool

    cfg = OmegaConf.to_container(OmegaConf.load(args.params), resolve=True)
    train, student, paths = cfg["train"], cfg["student"], cfg["paths"]
    recipe = student_recipe(train, student, args.student, args.images)
    with tempfile.TemporaryDirectory(prefix="footseg-compare-") as tmp:
        logits = None  # the teacher runs only when some run distils from it
        if "distillation" in args.losses:
            logits = _cache_logits(
                str(Path(paths["models"]) / "teacher.keras"),
                paths["composites"],
                paths["split"],
                train["eval_batch"],
                Path(tmp),
                progress=True,
            )
        runs = []
        for seed in args.seeds:
            for loss in args.losses:
                # Only distillation reads the cached logits (a CE model takes the image alone).
                data = dataclasses.replace(
                    data_spec(paths["composites"], paths["split"], train, seed),
                    teacher_logits=logits if loss == "distillation" else None,
                )
                job = StudentJob(
                    name=args.student,
                    data=data,
                    recipe=recipe,
                    width=float(student["width"]),
                    bn_momentum=train.get("bn_momentum"),
                )
                runs.append((job, loss, student["dropout"], student["temperature"], student["lam"]))
        with spawn_pool(args.workers, threads=1) as pool:
            results = pool.starmap(_train, runs, chunksize=1)
    print(
        f"\n{args.student}, {recipe.images_planned():,} images per run, T={student['temperature']}, "
        f"lambda={student['lam']}"
    )
    print(f"{'loss':14s} " + " ".join(f"seed {s:>3d}" for s in args.seeds) + "   mean +- std")
    for loss in args.losses:
        ious = [iou for (job, run_loss, *_), iou in zip(runs, results) if run_loss == loss]
        spread = statistics.stdev(ious) if len(ious) > 1 else 0.0
        print(f"{loss:14s} " + " ".join(f"{v:8.4f}" for v in ious) + f"   {statistics.mean(ious):.4f} +- {spread:.4f}")
    return 0


def _train(job, loss: str, dropout: float, temperature: float, lam: float) -> float:
    from footseg.train.teacher import train_and_score

    _, _, scores = train_and_score(
        builder=job.builder(dropout),
        data=job.data,
        recipe=job.recipe,
        loss=loss,
        temperature=temperature,
        lam=lam,
        live_dir=None,
        bn_momentum=job.bn_momentum,
        eval_limit=None,
        progress=False,
        desc=f"{job.name} {loss}",
    )
    print(f"{job.name} seed {job.data.seed} {loss}: test IoU {scores['test']['iou']:.4f}", flush=True)
    return float(scores["test"]["iou"])


if __name__ == "__main__":
    raise SystemExit(main())
