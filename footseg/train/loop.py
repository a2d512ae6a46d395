"""Training one segmentation model with the budget recipe: a fixed number of images seen, spent in
phases of rising resolution (every model here is fully convolutional, so one set of weights trains
at 128 px and finishes at 256), AdamW with a linear warm-up then cosine decay to zero over the
whole run, the best checkpoint on validation foot IoU (scored at the composites' full resolution),
dvclive curves and a tqdm bar.

Distillation reads the teacher's logits cached once per training composite (footseg.train.teacher_logits)
and warped with the same augmentation as the mask; ``distillation_model`` outputs
concat(student, teacher) logits so a plain ``model.fit`` with ``DistillationLoss`` trains the
student alone.
"""

from __future__ import annotations

import math
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import keras
import numpy as np

from .batch_norm import fuse_batch_norm, set_bn_momentum
from .losses import make_loss
from .metrics import evaluate_model, keras_predict_fn
from .recipe import Phase, Recipe


@dataclass
class TrainResult:
    """What a training run returns: the model holding its best weights and how it got there."""

    model: keras.Model
    best_val: dict[str, float]
    best_epoch: int
    epochs_run: int
    seconds: float
    images_seen: int = 0
    history: list[dict[str, float]] = field(default_factory=list)


@keras.saving.register_keras_serializable(package="footseg")
class WarmupCosine(keras.optimizers.schedules.LearningRateSchedule):
    """Linear warm-up from 0 to ``peak`` over ``warmup_steps``, then cosine decay to 0 at ``total_steps``."""

    def __init__(self, peak: float, total_steps: int, warmup_steps: int):
        self.peak, self.total_steps, self.warmup_steps = float(peak), int(total_steps), int(warmup_steps)

    def __call__(self, step):
        from keras import ops

        step = ops.cast(step, "float32")
        warm = self.peak * (step + 1.0) / max(self.warmup_steps, 1)
        progress = ops.clip((step - self.warmup_steps) / max(self.total_steps - self.warmup_steps, 1), 0.0, 1.0)
        cosine = 0.5 * self.peak * (1.0 + ops.cos(math.pi * progress))
        return ops.where(step < self.warmup_steps, warm, cosine)

    def get_config(self) -> dict:
        return {"peak": self.peak, "total_steps": self.total_steps, "warmup_steps": self.warmup_steps}


def distillation_model(student: keras.Model) -> keras.Model:
    """A model of (image, cached teacher logits) whose output is concat(student logits, teacher
    logits): the input DistillationLoss expects."""
    image = keras.Input(student.input_shape[1:], name="image")
    teacher_logits = keras.Input(student.output_shape[1:], name="teacher_logits")
    outputs = keras.layers.Concatenate(axis=-1, name="student_teacher_logits")([student(image), teacher_logits])
    return keras.Model([image, teacher_logits], outputs, name=f"{student.name}_distill")


class ValIoUCheckpoint(keras.callbacks.Callback):
    """Scores the run on a fixed validation subset at every evaluation point (a Keras epoch here)
    with footseg.train.metrics (the same code as the final scores): the training model's weights are
    copied into ``scorer``, a build at the validation images' size. Keeps the best weights and logs
    the curves to dvclive (x = evaluation point; images seen and resolution are columns)."""

    def __init__(
        self,
        scorer: keras.Model,
        val_images: np.ndarray,
        val_masks: np.ndarray,
        eval_batch: int,
        live: Any = None,
        progress: Any = None,
    ):
        super().__init__()
        self.scorer, self.val_images, self.val_masks = scorer, val_images, val_masks
        self.eval_batch, self.live, self.progress = eval_batch, live, progress
        self.best_iou, self.best_epoch, self.best_val, self.best_weights = -1.0, -1, {}, None
        self.history: list[dict[str, float]] = []
        self.images_seen, self.batch, self.size, self.trained = 0, 0, 0, None
        self._losses: list[float] = []

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self.images_seen += self.batch
        if logs and "loss" in logs:
            self._losses.append(float(logs["loss"]))
        if self.progress is not None:
            self.progress.update(self.batch)
            if self._losses and batch % 10 == 0:
                best = f"{self.best_iou:.3f}" if self.best_epoch > 0 else "-"
                self.progress.set_postfix(
                    px=self.size, loss=f"{self._losses[-1]:.4f}", best_val_iou=best, refresh=False
                )

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self.scorer.set_weights(self.trained.get_weights())
        scores = evaluate_model(keras_predict_fn(self.scorer), self.val_images, self.val_masks, self.eval_batch)
        # Mean loss since the last evaluation (Keras' own running mean restarts at every fit call).
        loss = float(np.mean(self._losses)) if self._losses else float("nan")
        self._losses = []
        row = {"epoch": epoch + 1, "images": self.images_seen, "px": self.size, "loss": loss}
        row.update({f"val_{k}": v for k, v in scores.items()})
        self.history.append(row)
        if self.live is not None:
            for key, value in row.items():
                if key != "epoch":
                    self.live.log_metric(key, value)
            self.live.next_step()
        if scores["iou"] > self.best_iou:
            self.best_iou, self.best_epoch, self.best_val = scores["iou"], epoch + 1, scores
            self.best_weights = self.scorer.get_weights()

    def restore_best(self) -> None:
        if self.best_weights is not None:
            self.scorer.set_weights(self.best_weights)


def _carry_optimizer(new: keras.optimizers.Optimizer, old: keras.optimizers.Optimizer, variables: list[Any]) -> None:
    """Give ``new`` (for the next phase's build of the same model) ``old``'s step count and moments:
    the schedule and Adam's statistics continue across a change of resolution."""
    new.build(variables)
    for target, source in zip(new.variables, old.variables):
        target.assign(source)


def train_model(
    builder: Callable[[int], keras.Model],
    datasets: Callable[[int, Phase], Any],
    val_images: np.ndarray,
    val_masks: np.ndarray,
    recipe: Recipe,
    *,
    loss: str = "ce",
    temperature: float = 1.0,
    lam: float = 1.0,
    eval_batch: int = 16,
    live_dir: str | os.PathLike[str] | None = None,
    progress: bool = True,
    desc: str = "train",
    bn_momentum: float | None = None,
) -> TrainResult:
    """Train the model ``builder(size)`` builds for ``recipe.images`` images.

    Each phase trains a build at its resolution (weights and optimizer state carried over from the
    previous phase). ``datasets(i, phase)`` returns the endless training dataset of phase ``i`` at
    ``phase.size`` px and ``phase.batch`` images per step: (float32 images, int masks) batches, or
    for ``loss="distillation"`` ((images, teacher logits), masks). ``loss`` is ce | iou |
    distillation. The returned model is built at the validation images' size and holds the weights
    of the evaluation point with the best validation foot IoU on (val_images, val_masks).
    """
    plan = recipe.plan()
    total_steps = sum(p.steps * p.evals for p in plan)
    schedule = WarmupCosine(recipe.lr, total_steps, round(recipe.warmup * total_steps))
    scorer = builder(int(val_images.shape[1]))
    scorer.run_eagerly = recipe.run_eagerly  # its predict function: traced once per run, or eager for a few steps
    live = None
    if live_dir is not None:
        from dvclive import Live

        # dvcyaml=False / save_dvc_exp=False: dvc.yaml declares these plots itself (DESIGN.md).
        live = Live(dir=str(live_dir), dvcyaml=False, save_dvc_exp=False)
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(
            total=sum(p.steps * p.evals * p.batch for p in plan),
            desc=desc,
            unit="img",
            dynamic_ncols=True,
            mininterval=2.0,
        )
    checkpoint = ValIoUCheckpoint(scorer, val_images, val_masks, eval_batch, live, bar)
    start, epoch, model, optimizer = time.perf_counter(), 0, None, None
    try:
        for index, phase in enumerate(plan):
            previous, model = model, (scorer if phase.size == scorer.input_shape[1] else builder(phase.size))
            if previous is not None and previous is not model:
                model.set_weights(previous.get_weights())
            if bn_momentum is not None:
                set_bn_momentum(model, bn_momentum)
            fuse_batch_norm(model)
            fit_model = distillation_model(model) if loss == "distillation" else model
            new_optimizer = keras.optimizers.AdamW(
                learning_rate=schedule, weight_decay=recipe.weight_decay, clipnorm=recipe.clipnorm
            )
            if optimizer is not None:
                _carry_optimizer(new_optimizer, optimizer, fit_model.trainable_variables)
            optimizer = new_optimizer
            fit_model.compile(
                optimizer=optimizer,
                loss=make_loss(loss, temperature=temperature, lam=lam),
                run_eagerly=recipe.run_eagerly,
            )
            checkpoint.batch, checkpoint.size, checkpoint.trained = phase.batch, phase.size, model
            fit_model.fit(
                datasets(index, phase),
                initial_epoch=epoch,
                epochs=epoch + phase.evals,
                steps_per_epoch=phase.steps,
                callbacks=[checkpoint],
                verbose=0,
            )
            epoch += phase.evals
    finally:
        if bar is not None:
            bar.close()
        if live is not None:
            live.end()
    checkpoint.restore_best()
    return TrainResult(
        model=scorer,
        best_val=checkpoint.best_val,
        best_epoch=checkpoint.best_epoch,
        epochs_run=len(checkpoint.history),
        seconds=time.perf_counter() - start,
        images_seen=checkpoint.images_seen,
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
    from ..errors import FootsegError

    path = Path(path)
    if not path.is_file():
        raise FootsegError(f"{path}: model file not found")
    import footseg.models  # noqa: F401  (registers the custom layers)
    import footseg.train.losses  # noqa: F401  (registers the losses a compiled model refers to)

    from ..io import check_keras_file

    check_keras_file(path)
    try:
        return keras.models.load_model(path, compile=False)
    except Exception as exc:  # zip/h5/config errors all mean the same to the user
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise FootsegError(f"{path}: cannot load Keras model ({type(exc).__name__}: {first})") from None
