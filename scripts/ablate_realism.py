"""Which realism changes help on real photos? One fixed short training recipe per composite variant.

    python scripts/ablate_realism.py --floors data/floors [--real ../shared/reference/real-feet-dev]
                                     [--steps 500] [--size 128] [--variants classic,ego_plain,...]

For each variant the composites are made from the same persons, floors and seed (composite-feet's
own code, laptop-profile feet), then the same student (nanoseg) is trained from the same seed
for the same number of steps and images (plain Keras fit, Adam + cosine decay, cross entropy,
random horizontal flips), and the LAST weights are scored: synthetic IoU on held-out pools (no
person or floor seen in training) and IoU / precision / recall on the real photos. The real photos
are a test set only: nothing is trained, picked or tuned on them inside a run; choosing which
realism features stay on by this table is the one use made of them (say so when citing it).
Prints one markdown table row per variant (and the whole table at the end).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent

# Each variant: (composite.scene, feet overrides, composite overrides). "ego_plain" is the
# egocentric geometry alone; each "+x" switches one realism change on over it; "ego_all" = default.
PLAIN = {"shadow": [0.0, 0.0], "light_gradient": [0.0, 0.0], "jpeg": [0.0, 60]}
NO_CLOTHES = {"trouser_prob": 0.0, "shorts_prob": 0.0}
HAIR = {"hair_strands": 0.35}
MOSTLY_BARE = {"coverings": {"bare": 0.8, "sock": 0.12, "shoe": 0.08}}
VARIANTS = {
    "classic": ("classic", {}, {}),
    "ego_plain": ("egocentric", NO_CLOTHES, PLAIN),
    "ego+shadow": ("egocentric", NO_CLOTHES, {**PLAIN, "shadow": None}),
    "ego+clothes": ("egocentric", {}, PLAIN),
    "ego+light": ("egocentric", NO_CLOTHES, {**PLAIN, "light_gradient": None}),
    "ego+jpeg": ("egocentric", NO_CLOTHES, {**PLAIN, "jpeg": None}),
    "ego_all": ("egocentric", {}, {}),
    # Over the default: visible shin hair; mostly bare feet (what a foot scanner's users photograph).
    "all+hair": ("egocentric", HAIR, {}),
    "all+bare": ("egocentric", MOSTLY_BARE, {}),
    "all+hair+bare": ("egocentric", {**HAIR, **MOSTLY_BARE}, {}),
}


def make_composites(variant: str, args, cache: dict) -> tuple[np.ndarray, np.ndarray, list[int]]:
    from hydra import compose, initialize_config_dir
    from omegaconf import OmegaConf

    from footseg.data.composite import CompositeConfig, write_composites
    from footseg.data.feet import build_foot_views
    from footseg.data.floors import load_floors

    scene, feet_over, comp_over = VARIANTS[variant]
    with initialize_config_dir(str(ROOT / "conf"), version_base=None):
        cfg = compose("config", overrides=["profile=laptop"])
    feet = OmegaConf.to_container(cfg.feet, resolve=True)
    feet["model_dir"] = str(ROOT / feet["model_dir"])
    feet.update(feet_over, persons=args.persons)
    key = (scene, json.dumps(feet_over, sort_keys=True))
    if key not in cache:
        cache[key] = build_foot_views(feet, int(cfg.seed), progress=True, scene=scene)
    if "floors" not in cache:
        cache["floors"] = load_floors(args.floors)
    comp = OmegaConf.to_container(cfg.composite, resolve=True)
    comp.update(
        {k: v for k, v in comp_over.items() if v is not None},
        count=args.count,
        size=args.size,
        pools=args.pools,
        scene=scene,
    )
    out = Path(args.work) / variant
    manifest = write_composites(out, cache[key], cache["floors"], CompositeConfig.from_dict(comp), int(cfg.seed))
    pools = [r["pool"] for r in manifest["composites"]]
    return np.load(out / "images.npy"), np.load(out / "masks.npy"), pools


def train_and_score(images, masks, pools, real, args) -> dict[str, float]:
    import keras

    from footseg.deploy.benchmark import real_scores
    from footseg.models import build_model

    held = set(range(args.pools - args.held_pools, args.pools))
    test = np.array([p in held for p in pools])
    keras.utils.set_random_seed(args.seed)
    # --crop: train on random crop x crop windows at the composites' own scale (the pipeline's
    # low-resolution phase), score whole frames with the same weights at full size.
    side = args.crop or args.size
    model = build_model("nanoseg", input_size=side)
    schedule = keras.optimizers.schedules.CosineDecay(args.lr, args.steps)
    model.compile(keras.optimizers.Adam(schedule), keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    x, y = images[~test], masks[~test]
    rng = np.random.default_rng(args.seed)

    def batches():
        while True:
            idx = rng.integers(0, len(x), args.batch)
            xb, yb = x[idx].astype(np.float32), y[idx].astype(np.int32)
            if side < args.size:
                top, left = rng.integers(0, args.size - side + 1, 2)
                xb, yb = xb[:, top : top + side, left : left + side], yb[:, top : top + side, left : left + side]
            flip = rng.random(args.batch) < 0.5
            xb[flip], yb[flip] = xb[flip, :, ::-1], yb[flip, :, ::-1]
            yield xb, yb

    start = time.perf_counter()
    model.fit(batches(), steps_per_epoch=args.steps, epochs=1, verbose=0)
    seconds = time.perf_counter() - start
    if side < args.size:
        trained, model = model, build_model("nanoseg", input_size=args.size)
        model.set_weights(trained.get_weights())

    def predict(arr):
        return np.concatenate(
            [np.argmax(model.predict_on_batch(arr[i : i + 32].astype(np.float32)), -1) for i in range(0, len(arr), 32)]
        )

    synth = real_scores(predict(images[test]), masks[test])
    synth_iou = _pooled_iou(predict(images[test]), masks[test])
    real_pred = predict(real[0])
    scores = real_scores(real_pred, real[1])
    return {
        "synth_iou": synth_iou,
        "synth_precision": synth["precision"],
        "real_iou": _pooled_iou(real_pred, real[1]),
        "real_precision": scores["precision"],
        "real_recall": scores["recall"],
        "train_s": seconds,
    }


def _pooled_iou(pred: np.ndarray, true: np.ndarray) -> float:
    p, t = pred > 0, true > 0
    return round(float((p & t).sum() / max((p | t).sum(), 1)), 4)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--floors", default="data/floors")
    parser.add_argument("--real", default="../shared/reference/real-feet-dev")
    parser.add_argument("--work", default=".cache/ablate_realism")
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--persons", type=int, default=60)
    parser.add_argument("--count", type=int, default=3000)
    parser.add_argument("--pools", type=int, default=50)
    parser.add_argument("--held-pools", type=int, default=10)
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--crop", type=int, default=0, help="train on crops of this side (0 = whole composites)")
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from footseg.deploy.benchmark import load_real_set
    from footseg.errors import FootsegError

    try:
        real = load_real_set(args.real, (args.size, args.size))
        unknown = [v for v in args.variants.split(",") if v not in VARIANTS]
        if unknown:
            raise FootsegError(f"--variants: unknown {unknown[0]!r} (known: {', '.join(VARIANTS)})")
    except FootsegError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    header = (
        "| variant | synth IoU (held-out pools) | real IoU | real precision | real recall | train s |\n"
        "|---|---|---|---|---|---|"
    )
    print(
        f"nanoseg, {args.steps} steps x {args.batch} at {args.crop or args.size} px"
        f"{f' (crops of {args.size}-px composites)' if args.crop else ''}, seed {args.seed}, "
        f"{args.count} composites ({args.held_pools}/{args.pools} pools held out), real: {len(real[0])} photos"
    )
    print(header, flush=True)
    rows, cache = [], {}
    for variant in args.variants.split(","):
        images, masks, pools = make_composites(variant, args, cache)
        s = train_and_score(images, masks, pools, real, args)
        row = (
            f"| {variant} | {s['synth_iou']:.3f} | {s['real_iou']:.3f} | {s['real_precision'] or 0:.3f} "
            f"| {s['real_recall'] or 0:.3f} | {s['train_s']:.0f} |"
        )
        rows.append(row)
        print(row, flush=True)
    print("\n" + header + "\n" + "\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
