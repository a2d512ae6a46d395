"""Training one student: a hyperopt search of its hyperparameters at a short per-trial budget, then
the final model retrained with the best of them at the full budget.

``StudentJob`` holds only plain values so ``StudentObjective`` pickles: SparkTrials and MongoTrials
run it in other processes or on other machines, where it loads the data and teacher itself.
"""

from __future__ import annotations

import contextlib
import dataclasses
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .runs import DataSpec
from .train import TrainResult

# One loaded teacher per process: every trial of a search reuses it.
_TEACHERS: dict[str, Any] = {}


@dataclass(frozen=True)
class StudentJob:
    """Everything a trial needs besides its hyperparameters."""

    name: str
    data: DataSpec
    input_size: int
    width: float = 1.0
    args: dict[str, Any] = field(default_factory=dict)
    teacher_path: str | None = None
    teacher_cache: str | None = None  # cached teacher logits (footseg.teacher_cache); None = online
    patience: int = 10
    bn_momentum: float | None = None


def load_teacher(path: str) -> Any:
    """The teacher at ``path``, loaded once per process."""
    if path not in _TEACHERS:
        from .train import load_model

        _TEACHERS[path] = load_model(path)
    return _TEACHERS[path]


def train_student(job: StudentJob, params: dict[str, Any], epochs: int, steps_per_epoch: int,
                  live_dir: Any = None, progress: bool = True, desc: str | None = None,
                  run_eagerly: bool = False) -> TrainResult:
    """Build the student with ``params`` (lr, dropout, loss[, temperature, lam]) and train it."""
    import keras

    from .models import build_model
    from .train import train_model

    keras.utils.set_random_seed(job.data.seed)  # every trial starts from the same init and order
    model = build_model(job.name, input_size=job.input_size, dropout=params["dropout"], width=job.width,
                        **job.args)
    teacher, train_ds = None, None
    if params["loss"] == "distillation" and job.teacher_cache is not None:
        from .teacher_cache import cached_distillation_dataset

        train_ds = cached_distillation_dataset(job.data.composites, job.data.split, job.teacher_cache,
                                               job.data.batch, job.data.seed)
    elif params["loss"] == "distillation":
        if job.teacher_path is None:
            raise ValueError("distillation needs StudentJob.teacher_path or teacher_cache")
        teacher = load_teacher(job.teacher_path)
    val_images, val_masks = job.data.val_subset()
    return train_model(
        model, train_ds if train_ds is not None else job.data.train_dataset(), val_images, val_masks,
        loss=params["loss"], lr=params["lr"], epochs=epochs, steps_per_epoch=steps_per_epoch,
        patience=job.patience, eval_batch=job.data.eval_batch, teacher=teacher,
        temperature=params.get("temperature", 1.0), lam=params.get("lam", 1.0),
        live_dir=live_dir, progress=progress, desc=desc or job.name, run_eagerly=run_eagerly,
        bn_momentum=job.bn_momentum,
    )


class StudentObjective:
    """hyperopt objective: train a student at the per-trial budget, loss = -best val foot IoU."""

    def __init__(self, job: StudentJob, epochs: int, steps_per_epoch: int, progress: bool = False,
                 run_eagerly: bool = False):
        self.job, self.epochs, self.steps_per_epoch, self.progress = job, epochs, steps_per_epoch, progress
        self.run_eagerly = run_eagerly

    def __call__(self, params: dict[str, Any]) -> dict[str, Any]:
        result = train_student(self.job, params, self.epochs, self.steps_per_epoch, progress=self.progress,
                               desc=f"{self.job.name} trial", run_eagerly=self.run_eagerly)
        iou = float(result.best_val.get("iou", 0.0))
        return {"loss": -iou, "val_iou": iou, "val_accuracy": float(result.best_val.get("accuracy", 0.0)),
                "best_epoch": result.best_epoch, "epochs_run": result.epochs_run, "seconds": result.seconds}


def run_student(*, name: str, loss: str, composites: str, split: str, teacher_path: str, model_path: str,
                metrics_path: str, search_dir: str, live_dir: str, train: dict[str, Any],
                student: dict[str, Any], search: dict[str, Any], seed: int, progress: bool = True) -> dict[str, Any]:
    """Search (if search.trials > 0), retrain at the full budget, score, and write the student's
    .keras file, metrics JSON, search records (trials.json, best_params.json) and dvclive curves.

    ``train``, ``student`` and ``search`` are the resolved config groups. Returns the metrics record.
    """
    from .runs import image_side

    data = DataSpec(composites, split, train["batch"], seed, train["val_batches"] * train["batch"], train["eval_batch"])
    job = StudentJob(name=name, data=data, input_size=image_side(composites), width=float(student["width"]),
                     args=dict((student.get("args") or {}).get(name) or {}),
                     teacher_path=teacher_path if loss in ("distillation", "search") else None,
                     patience=train["patience"], bn_momentum=train.get("bn_momentum"))
    if job.teacher_path is not None:
        load_teacher(job.teacher_path)  # a missing or corrupt teacher fails here, before any search
    with contextlib.ExitStack() as stack:
        if job.teacher_path is not None and train.get("teacher_logits") == "cached":
            from .teacher_cache import cache_teacher_logits

            cache_dir = stack.enter_context(tempfile.TemporaryDirectory(prefix="footseg-teacher-logits-"))
            cache = cache_teacher_logits(load_teacher(job.teacher_path), composites, split,
                                         Path(cache_dir) / "train.npy", train["eval_batch"], progress)
            job = dataclasses.replace(job, teacher_cache=str(cache))
        return _search_and_train(job, loss, model_path, metrics_path, search_dir, live_dir, train, student,
                                 search, seed, progress)


def _search_and_train(job: StudentJob, loss: str, model_path: str, metrics_path: str, search_dir: str,
                      live_dir: str, train: dict[str, Any], student: dict[str, Any], search: dict[str, Any],
                      seed: int, progress: bool) -> dict[str, Any]:
    from .io import atomic_dir, write_json
    from .models import count_params
    from .runs import curves_dir, score_splits, training_summary
    from .search import build_space, run_search, start_point
    from .train import save_model

    name, composites, split = job.name, job.data.composites, job.data.split
    defaults = {"lr": student["lr"], "dropout": student["dropout"], "loss": loss}
    if loss == "distillation":
        defaults.update(temperature=student["temperature"], lam=student["lam"])
    with atomic_dir(search_dir) as tmp_search:
        if search["trials"] > 0:
            ranges = {k: tuple(v) for k, v in (search.get("ranges") or {}).items()}
            objective = StudentObjective(job, search["epochs"], search["steps_per_epoch"],
                                         run_eagerly=bool(search.get("run_eagerly")))
            # The student group's values are the first trial: the search can only improve on them.
            best, trials = run_search(objective, build_space(loss, ranges), trials=search["trials"],
                                      algo=search["algo"], seed=seed, backend=search["backend"],
                                      parallelism=search["parallelism"], mongo_url=search.get("mongo_url"),
                                      exp_key=search.get("exp_key"), progress=progress,
                                      points_to_evaluate=[start_point(student, loss)])
        else:  # loss=search with no trials is refused by footseg.train_config.check_loss
            best, trials = defaults, []
        write_json(tmp_search / "trials.json", {"trials": trials})
        write_json(tmp_search / "best_params.json", best)
        with curves_dir(live_dir) as tmp_live:
            result = train_student(job, best, train["epochs"], train["steps_per_epoch"], live_dir=tmp_live,
                                   progress=progress, desc=f"{name} final",
                                   run_eagerly=bool(train.get("run_eagerly")))
    scores = score_splits(result.model, composites, split, train["eval_batch"], train.get("eval_limit"), progress)
    record = {
        **scores,
        "loss": best["loss"],
        "params": {**best, "width": job.width, "args": job.args, "param_count": count_params(result.model)},
        "search": {"trials": len(trials), "algo": search["algo"], "backend": search["backend"],
                   "best_trial_val_iou": max((t.get("val_iou", 0.0) for t in trials), default=None)},
        "training": training_summary(result, train["batch"], train["steps_per_epoch"]),
    }
    save_model(result.model, model_path)
    write_json(metrics_path, record)
    return record
