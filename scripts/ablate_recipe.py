"""Which recipe change helps? One student trained with cross entropy under several variants of the
training config (params.yaml's groups plus dotlist overrides), same seeds and budget; prints the
val IoU (what to choose by), test IoU, wall seconds and the validation curve of each run.

    python scripts/ablate_recipe.py --variant base --variant resize train.augment.low_res=resize
    python scripts/ablate_recipe.py --student fastlinknet --seeds 1 2 --variant base \\
        --variant long256 'train.phases=[{size: 128, share: 0.7, batch: 32}, {size: 256, share: 0.3, batch: 16}]'

A variant is a NAME and its overrides (an OmegaConf dotlist on the composed params, e.g.
train.images=6000; none = params.yaml as it is). Runs train side by side, one thread each, like the distill-students stage.
Needs the composite-feet and split outputs.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--student", default="nanoseg")
    parser.add_argument("--seeds", nargs="+", type=int, default=[1])
    parser.add_argument(
        "--variant",
        action="append",
        nargs="+",
        required=True,
        metavar=("NAME", "OVERRIDE"),
        help="a name, then its overrides",
    )
    parser.add_argument("--params", default=str(ROOT / "params.yaml"))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--real", default=None, help="also score this real set (images/, masks/): a test set, never used to choose"
    )
    args = parser.parse_args()

    from omegaconf import OmegaConf

    from footseg.train.recipe import student_recipe
    from footseg.workers import spawn_pool

    base = OmegaConf.load(args.params)
    runs = []
    for name, *overrides in args.variant:
        cfg = OmegaConf.merge(base, OmegaConf.from_dotlist(overrides))
        resolved = OmegaConf.to_container(cfg, resolve=True)
        # A bad override fails here, not in a worker.
        student_recipe(resolved["train"], resolved["student"], args.student)
        for seed in args.seeds:
            runs.append((name, args.student, resolved, seed, args.real))
    with spawn_pool(args.workers, threads=1) as pool:
        results = pool.starmap(_train, runs, chunksize=1)

    print(f"\n{args.student}, cross entropy, seeds {args.seeds}")
    real = "real IoU" if args.real else ""
    print(f"{'variant':12s} {'val IoU':>16s} {'test IoU':>16s} {real:>16s} {'seconds':>8s}  val curve")
    names = list(dict.fromkeys(run[0] for run in runs))
    for name in names:
        rows = [r for run, r in zip(runs, results) if run[0] == name]
        val, test = [r["val"] for r in rows], [r["test"] for r in rows]
        reals = [r["real"] for r in rows if "real" in r]
        real_col = f"{statistics.mean(reals):.4f} +- {spread(reals):.4f}" if reals else ""
        print(
            f"{name:12s} {statistics.mean(val):.4f} +- {spread(val):.4f} {statistics.mean(test):.4f} +- "
            f"{spread(test):.4f} {real_col:>16s} {statistics.mean(r['seconds'] for r in rows):8.0f}  "
            + " ".join(f"{v:.2f}" for v in rows[0]["curve"])
        )
    return 0


def spread(xs: list[float]) -> float:
    return statistics.stdev(xs) if len(xs) > 1 else 0.0


def _train(name: str, student: str, cfg: dict, seed: int, real_dir: str | None = None) -> dict:
    import time

    from footseg.train.recipe import student_recipe
    from footseg.train.teacher import data_spec, model_builder, train_and_score

    train, spec = cfg["train"], cfg["student"]
    recipe = student_recipe(train, spec, student)
    builder = model_builder(student, spec["dropout"], float(spec["width"]), (spec.get("args") or {}).get(student))
    start = time.perf_counter()
    model, result, scores = train_and_score(
        builder=builder,
        data=data_spec(cfg["paths"]["composites"], cfg["paths"]["split"], train, seed),
        recipe=recipe,
        loss="ce",
        live_dir=None,
        bn_momentum=train.get("bn_momentum"),
        eval_limit=None,
        progress=False,
        desc=f"{student} {name}",
    )
    row = {
        "val": float(scores["val"]["iou"]),
        "test": float(scores["test"]["iou"]),
        "seconds": time.perf_counter() - start,
        "curve": [float(r["val_iou"]) for r in result.history],
    }
    if real_dir:
        from footseg.deploy.benchmark import load_real_set
        from footseg.train.metrics import evaluate_model, keras_predict_fn

        images, masks = load_real_set(real_dir, model.input_shape[1:3])
        row["real"] = evaluate_model(keras_predict_fn(model), images, masks, batch_size=8)["iou"]
    real = f" real {row['real']:.4f}" if real_dir else ""
    print(f"{name} seed {seed}: val {row['val']:.4f} test {row['test']:.4f}{real} ({row['seconds']:.0f} s)", flush=True)
    return row


if __name__ == "__main__":
    raise SystemExit(main())
