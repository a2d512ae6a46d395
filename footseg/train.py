"""Training one segmentation model: Adam, a fixed epochs x steps budget, early stopping and the best
checkpoint on validation foot IoU, dvclive curves, a tqdm line on stderr.

Distillation needs the teacher's logits for every training batch: either online, the frozen
teacher running inside the training graph next to the student, or cached once per training image
(footseg.teacher_cache) and fed as a second input. Either way ``distillation_model`` outputs
concat(student, teacher) logits, so a plain ``model.fit`` with ``DistillationLoss`` trains the
student alone. Which is faster depends on images seen per run vs the split's size (README).
"""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import keras
import numpy as np

from .losses import make_loss
from .metrics import evaluate_model, keras_predict_fn


@dataclass
class TrainResult:
    """What a training run returns: the model holding its best weights and how it got there."""

    model: keras.Model
    best_val: dict[str, float]
    best_epoch: int
    epochs_run: int
    seconds: float
    history: list[dict[str, float]] = field(default_factory=list)


def distillation_model(student: keras.Model, teacher: keras.Model | None = None) -> keras.Model:
    """A model whose output is concat(student logits, teacher logits): the input DistillationLoss expects.

    With ``teacher`` (online) the frozen teacher runs on the same image inside the graph. Without it
    (cached) the teacher logits come in as a second input, fed from footseg.teacher_cache.
    """
    image = keras.Input(student.input_shape[1:], name="image")
    student_logits = student(image)
    if teacher is not None:
        teacher.trainable = False  # also puts its BatchNorm in inference mode
        inputs = image
        teacher_logits = teacher(image, training=False)  # no dropout noise in the targets
    else:
        teacher_logits = keras.Input(student.output_shape[1:], name="teacher_logits")
        inputs = [image, teacher_logits]
    outputs = keras.layers.Concatenate(axis=-1, name="student_teacher_logits")([student_logits, teacher_logits])
    return keras.Model(inputs, outputs, name=f"{student.name}_distill")


def set_bn_momentum(model: keras.Model, momentum: float) -> int:
    """Set every BatchNormalization layer's moving-average momentum (nested models included);
    returns how many were set. Keras' 0.99 needs a few hundred steps before the moving statistics,
    which inference uses, forget their initial values: short runs score as if untrained."""
    count = 0
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.momentum = float(momentum)
            count += 1
        elif isinstance(layer, keras.Model):
            count += set_bn_momentum(layer, momentum)
    return count


def _yields_teacher_logits(dataset: Any) -> bool:
    spec = getattr(dataset, "element_spec", None)
    return isinstance(spec, tuple) and isinstance(spec[0], tuple)


class ValIoUCheckpoint(keras.callbacks.Callback):
    """Scores the student on a fixed validation subset after each epoch with footseg.metrics (the
    same code as the final scores), keeps the best weights, stops after ``patience`` epochs without
    improvement, restores the best at the end, and logs the curves to dvclive."""

    def __init__(self, student: keras.Model, val_images: np.ndarray, val_masks: np.ndarray,
                 eval_batch: int, patience: int, live: Any = None, progress: Any = None):
        super().__init__()
        self.student, self.val_images, self.val_masks = student, val_images, val_masks
        self.eval_batch, self.patience, self.live, self.progress = eval_batch, patience, live, progress
        self.best_iou, self.best_epoch, self.best_val, self.best_weights = -1.0, -1, {}, None
        self.wait = 0
        self.history: list[dict[str, float]] = []

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        if self.progress is not None:
            self.progress.update(1)
            if logs and "loss" in logs:
                best = f"{self.best_iou:.3f}" if self.best_epoch > 0 else "-"
                self.progress.set_postfix(loss=f"{float(logs['loss']):.4f}", best_val_iou=best)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        logs = logs if logs is not None else {}
        scores = evaluate_model(keras_predict_fn(self.student), self.val_images, self.val_masks, self.eval_batch)
        row = {"epoch": epoch + 1, "loss": float(logs.get("loss", float("nan")))}
        row.update({f"val_{k}": v for k, v in scores.items()})
        logs.update({k: v for k, v in row.items() if k != "epoch"})  # visible to other callbacks
        self.history.append(row)
        if self.live is not None:
            for key, value in row.items():
                if key != "epoch":
                    self.live.log_metric(key, value)
            self.live.next_step()
        if scores["iou"] > self.best_iou:
            self.best_iou, self.best_epoch, self.best_val = scores["iou"], epoch + 1, scores
            self.best_weights = self.student.get_weights()
            self.wait = 0
        else:
            self.wait += 1
            if self.wait >= self.patience:
                self.model.stop_training = True

    def on_train_end(self, logs: dict | None = None) -> None:
        if self.best_weights is not None:
            self.student.set_weights(self.best_weights)


def train_model(
    model: keras.Model,
    train_ds: Any,
    val_images: np.ndarray,
    val_masks: np.ndarray,
    *,
    loss: str = "ce",
    lr: float = 1e-3,
    epochs: int = 1,
    steps_per_epoch: int = 1,
    patience: int = 10,
    eval_batch: int = 8,
    teacher: keras.Model | None = None,
    temperature: float = 1.0,
    lam: float = 1.0,
    live_dir: str | os.PathLike[str] | None = None,
    progress: bool = True,
    desc: str = "train",
    run_eagerly: bool = False,
    bn_momentum: float | None = None,
) -> TrainResult:
    """Train ``model`` on a repeating ``train_ds`` of (float32 images, int masks) batches.

    ``loss`` is ce | iou | distillation. Distillation needs either ``teacher`` (logits computed
    online) or a ``train_ds`` of ((images, teacher logits), masks) (cached). The returned model holds
    the weights of the epoch with the best validation foot IoU on (val_images, val_masks).
    ``run_eagerly`` skips building the training graph (10-30 CPU-seconds for the larger students):
    cheaper for runs of a few dozen steps, such as search trials. ``bn_momentum`` (if given)
    replaces the model's BatchNorm momentum (see ``set_bn_momentum``).
    """
    if bn_momentum is not None:
        set_bn_momentum(model, bn_momentum)
    if loss == "distillation":
        cached = _yields_teacher_logits(train_ds)
        if teacher is None and not cached:
            raise ValueError("loss 'distillation' needs a teacher model or a dataset with cached teacher logits")
        fit_model = distillation_model(model, None if cached else teacher)
    else:
        fit_model = model
    fit_model.compile(optimizer=keras.optimizers.Adam(learning_rate=lr),
                      loss=make_loss(loss, temperature=temperature, lam=lam), run_eagerly=run_eagerly)
    live = None
    if live_dir is not None:
        from dvclive import Live

        # dvcyaml=False / save_dvc_exp=False: dvc.yaml declares these plots itself (DESIGN.md).
        live = Live(dir=str(live_dir), dvcyaml=False, save_dvc_exp=False)
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=epochs * steps_per_epoch, desc=desc, unit="step", dynamic_ncols=True)
    checkpoint = ValIoUCheckpoint(model, val_images, val_masks, eval_batch, patience, live, bar)
    start = time.perf_counter()
    try:
        fit_model.fit(train_ds, epochs=epochs, steps_per_epoch=steps_per_epoch, callbacks=[checkpoint], verbose=0,
                      shuffle=False)  # the dataset shuffles itself
    finally:
        if bar is not None:
            bar.close()
        if live is not None:
            live.end()
    return TrainResult(
        model=model,
        best_val=checkpoint.best_val,
        best_epoch=checkpoint.best_epoch,
        epochs_run=len(checkpoint.history),
        seconds=time.perf_counter() - start,
        history=checkpoint.history,
    )


def save_model(model: keras.Model, path: str | os.PathLike[str]) -> None:
    """Save a Keras model atomically (Keras insists on the .keras suffix, so save in a temporary
    sibling directory and rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".{path.name}.tmp-", dir=path.parent) as tmp:
        tmp_file = Path(tmp) / path.name
        model.save(tmp_file)
        os.replace(tmp_file, path)


def load_model(path: str | os.PathLike[str]) -> keras.Model:
    """Load a .keras model saved by this project, with a one-line FootsegError when it cannot be."""
    from .errors import FootsegError

    path = Path(path)
    if not path.is_file():
        raise FootsegError(f"{path}: model file not found")
    import footseg.losses  # noqa: F401  (registers the losses a compiled model refers to)
    import footseg.models  # noqa: F401  (registers the custom layers)

    from .io import check_keras_file

    check_keras_file(path)
    try:
        return keras.models.load_model(path, compile=False)
    except Exception as exc:  # zip/h5/config errors all mean the same to the user
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise FootsegError(f"{path}: cannot load Keras model ({type(exc).__name__}: {first})") from None
