"""What the teacher and student stages share: their datasets from the split, the final val/test
scores, and the training spec (budget and data locations) as one picklable record."""

from __future__ import annotations

import contextlib
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from .metrics import evaluate_model, keras_predict_fn

SCORED_SPLITS = ("val", "test")


@dataclass(frozen=True)
class DataSpec:
    """Where the composites and split live and how they are batched (plain values: picklable, so a
    hyperopt worker on another process or machine can rebuild the datasets)."""

    composites: str
    split: str
    batch: int
    seed: int
    val_limit: int  # early stopping scores the first val_limit validation images
    eval_batch: int

    def train_dataset(self) -> Any:
        """Shuffled, repeating (float32 images, int32 masks) batches of the training split."""
        from .data.loader import make_dataset

        return make_dataset(self.composites, self.split, "train", self.batch, shuffle=True, seed=self.seed,
                            repeat=True, drop_remainder=True)

    def val_subset(self) -> tuple[np.ndarray, np.ndarray]:
        """The fixed validation images early stopping scores after every epoch."""
        return spread_subset(*split_arrays(self.composites, self.split, "val"), self.val_limit)


def spread_subset(images: np.ndarray, masks: np.ndarray, limit: int | None) -> tuple[np.ndarray, np.ndarray]:
    """At most ``limit`` rows, evenly spaced over the split: splits are runs of whole pools, so
    the first rows alone would cover only a few feet and floors."""
    if limit is None or limit >= len(images):
        return images, masks
    rows = np.linspace(0, len(images) - 1, limit).round().astype(np.int64)
    return np.asarray(images[rows]), np.asarray(masks[rows])


def split_arrays(composites: str | Path, split: str | Path, name: str) -> tuple[np.ndarray, np.ndarray]:
    """(images uint8, masks uint8) of one split, memmap-backed where the loader can."""
    from .data.loader import load_split

    return load_split(composites, split, name)


def score_splits(model: Any, composites: str | Path, split: str | Path, eval_batch: int,
                 eval_limit: int | None = None, progress: bool = True) -> dict[str, dict[str, float]]:
    """{"val": scores, "test": scores} of a Keras model, on at most ``eval_limit`` images per split."""
    predict = keras_predict_fn(model)
    scores = {}
    for name in SCORED_SPLITS:
        images, masks = spread_subset(*split_arrays(composites, split, name), eval_limit)
        scores[name] = evaluate_model(predict, images, masks, eval_batch, progress=progress, desc=f"score {name}")
    return scores


@contextlib.contextmanager
def curves_dir(final: str | Path) -> Iterator[Path]:
    """A dvclive directory whose per-epoch curves end up as ``final``/<metric>.tsv (step column
    first), atomically; dvclive's own metrics.json is dropped (the stage writes its metrics JSON)."""
    from .io import atomic_dir

    with atomic_dir(final) as tmp:
        live = tmp / "dvclive"
        yield live
        for tsv in sorted((live / "plots" / "metrics").glob("*.tsv")):
            shutil.move(str(tsv), tmp / tsv.name)
        shutil.rmtree(live, ignore_errors=True)


def image_side(composites: str | Path) -> int:
    """The side S of the composites (models are built at the data's resolution)."""
    from .data.loader import open_composites

    images, _ = open_composites(composites)
    return int(images.shape[1])


def run_teacher(*, composites: str, split: str, model_path: str, metrics_path: str, live_dir: str,
                train: dict[str, Any], teacher: dict[str, Any], seed: int, progress: bool = True) -> dict[str, Any]:
    """Train the teacher with cross entropy; write its .keras file, metrics JSON and dvclive curves.

    ``train`` and ``teacher`` are the resolved config groups (checked by footseg.train_config).
    Returns the metrics record.
    """
    import keras

    from .io import write_json
    from .models import build_model, count_params
    from .train import save_model, train_model

    data = DataSpec(composites, split, train["batch"], seed, train["val_batches"] * train["batch"], train["eval_batch"])
    keras.utils.set_random_seed(seed)
    model = build_model(teacher["arch"], input_size=image_side(composites), dropout=teacher["dropout"],
                        width=teacher["width"], **(teacher.get("args") or {}))
    val_images, val_masks = data.val_subset()
    # The teacher may get a longer budget than the students (teacher.epochs / steps_per_epoch).
    epochs = teacher.get("epochs") or train["epochs"]
    steps_per_epoch = teacher.get("steps_per_epoch") or train["steps_per_epoch"]
    with curves_dir(live_dir) as tmp_live:
        result = train_model(model, data.train_dataset(), val_images, val_masks, loss="ce", lr=teacher["lr"],
                             epochs=epochs, steps_per_epoch=steps_per_epoch,
                             patience=train["patience"], eval_batch=train["eval_batch"], live_dir=tmp_live,
                             progress=progress, desc="teacher", run_eagerly=bool(train.get("run_eagerly")),
                             bn_momentum=train.get("bn_momentum"))
    scores = score_splits(result.model, composites, split, train["eval_batch"], train.get("eval_limit"), progress)
    record = {
        **scores,
        "loss": "ce",
        "params": {**teacher, "param_count": count_params(result.model)},
        "training": training_summary(result, train["batch"], steps_per_epoch),
    }
    save_model(result.model, model_path)
    write_json(metrics_path, record)
    return record


def training_summary(result: Any, batch: int, steps_per_epoch: int) -> dict[str, Any]:
    """How a run went, for the metrics JSON (no wall times: same config, same bytes)."""
    return {
        "best_epoch": result.best_epoch,
        "epochs_run": result.epochs_run,
        "images_seen": result.epochs_run * steps_per_epoch * batch,
        "best_val_subset": result.best_val,
    }
