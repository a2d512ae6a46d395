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
    """Where the composites and split live and how runs read them (plain values: picklable, so a
    worker process or a hyperopt worker on another machine can rebuild the datasets)."""

    composites: str
    split: str
    seed: int
    val_limit: int | None  # the best checkpoint is chosen on val_limit validation images
    eval_batch: int
    teacher_logits: str | None = None  # cached teacher logits of the training split (distillation)

    def datasets(self, recipe: Any) -> Any:
        """``datasets(i, phase)`` for footseg.train.train_model: each phase its own seeded stream."""
        from ..data.loader import make_training_dataset

        def make(index: int, phase: Any) -> Any:
            return make_training_dataset(
                self.composites,
                self.split,
                batch_size=phase.batch,
                size=phase.size,
                seed=self.seed * 1009 + index,
                augment=recipe.augment,
                teacher_logits=self.teacher_logits,
            )

        return make

    def val_subset(self) -> tuple[np.ndarray, np.ndarray]:
        """The fixed validation images the best checkpoint is chosen on."""
        return spread_subset(*split_arrays(self.composites, self.split, "val"), self.val_limit)


def data_spec(composites: str, split: str, train: dict[str, Any], seed: int) -> DataSpec:
    return DataSpec(composites, split, seed, train.get("val_limit"), train["eval_batch"])


def spread_subset(images: np.ndarray, masks: np.ndarray, limit: int | None) -> tuple[np.ndarray, np.ndarray]:
    """At most ``limit`` rows, evenly spaced over the split: splits are runs of whole pools, so
    the first rows alone would cover only a few feet and floors."""
    if limit is None or limit >= len(images):
        return images, masks
    rows = np.linspace(0, len(images) - 1, limit).round().astype(np.int64)
    return np.asarray(images[rows]), np.asarray(masks[rows])


def split_arrays(composites: str | Path, split: str | Path, name: str) -> tuple[np.ndarray, np.ndarray]:
    """(images uint8, masks uint8) of one split, memmap-backed where the loader can."""
    from ..data.loader import load_split

    return load_split(composites, split, name)


def score_splits(
    model: Any,
    composites: str | Path,
    split: str | Path,
    eval_batch: int,
    eval_limit: int | None = None,
    progress: bool = True,
) -> dict[str, dict[str, float]]:
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
    from ..io import atomic_dir

    with atomic_dir(final) as tmp:
        live = tmp / "dvclive"
        yield live
        for tsv in sorted((live / "plots" / "metrics").glob("*.tsv")):
            shutil.move(str(tsv), tmp / tsv.name)
        shutil.rmtree(live, ignore_errors=True)


def model_builder(arch: str, dropout: float, width: float, args: dict[str, Any] | None) -> Any:
    """``builder(size)``: the model built for ``size`` x ``size`` inputs."""
    from ..models import build_model

    return lambda size: build_model(arch, input_size=size, dropout=dropout, width=width, **(args or {}))


def train_and_score(
    *,
    builder: Any,
    data: DataSpec,
    recipe: Any,
    loss: str,
    temperature: float = 1.0,
    lam: float = 1.0,
    live_dir: str | None,
    bn_momentum: float | None,
    eval_limit: int | None,
    progress: bool,
    desc: str,
) -> tuple[Any, Any, dict[str, Any]]:
    """Train ``builder``'s model with ``recipe``, score the best weights on val/test at the
    composites' side. Returns (model, TrainResult, scores)."""
    import keras

    from .loop import train_model

    keras.utils.set_random_seed(data.seed)
    val_images, val_masks = data.val_subset()
    with contextlib.ExitStack() as stack:
        tmp_live = stack.enter_context(curves_dir(live_dir)) if live_dir is not None else None
        result = train_model(
            builder,
            data.datasets(recipe),
            val_images,
            val_masks,
            recipe,
            loss=loss,
            temperature=temperature,
            lam=lam,
            eval_batch=data.eval_batch,
            live_dir=tmp_live,
            progress=progress,
            desc=desc,
            bn_momentum=bn_momentum,
        )
    model = result.model
    scores = score_splits(model, data.composites, data.split, data.eval_batch, eval_limit, progress)
    return model, result, scores


def run_teacher(
    *,
    composites: str,
    split: str,
    model_path: str,
    metrics_path: str,
    live_dir: str,
    train: dict[str, Any],
    teacher: dict[str, Any],
    seed: int,
    progress: bool = True,
) -> dict[str, Any]:
    """Train the teacher with cross entropy at its own budget (teacher.images); write its .keras
    file, metrics JSON and dvclive curves. ``train`` and ``teacher`` are the resolved config groups
    (checked by footseg.train.config). Returns the metrics record."""
    from ..io import write_json
    from ..models import count_params
    from .loop import save_model
    from .recipe import recipe_from_config

    recipe = recipe_from_config(train, teacher["images"], teacher["lr"], "teacher.images", "teacher.lr")
    builder = model_builder(teacher["arch"], teacher["dropout"], teacher["width"], teacher.get("args"))
    model, result, scores = train_and_score(
        builder=builder,
        data=data_spec(composites, split, train, seed),
        recipe=recipe,
        loss="ce",
        live_dir=live_dir,
        bn_momentum=train.get("bn_momentum"),
        eval_limit=train.get("eval_limit"),
        progress=progress,
        desc="teacher",
    )
    record = {
        **scores,
        "loss": "ce",
        "params": {**teacher, "param_count": count_params(model)},
        "training": training_summary(result, recipe),
    }
    save_model(model, model_path)
    write_json(metrics_path, record)
    return record


def training_summary(result: Any, recipe: Any) -> dict[str, Any]:
    """How a run went, for the metrics JSON (no wall times: same config, same bytes)."""
    return {
        "best_eval": result.best_epoch,
        "evals": result.epochs_run,
        "images_seen": result.images_seen,
        "phases": [{"size": p.size, "batch": p.batch, "images": p.steps * p.evals * p.batch} for p in recipe.plan()],
        "best_val_subset": result.best_val,
    }
