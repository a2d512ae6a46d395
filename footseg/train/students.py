"""Training the students: the teacher's logits cached once per training composite, then every
student trained in a pool of worker processes (two students side by side on two cores train ~1.6x
more images per second than one student using both cores: small convolutions do not scale across
threads), each with an optional hyperopt search at a short low-resolution budget first.

``StudentJob`` holds only plain values so it pickles: worker processes, SparkTrials and MongoTrials
rebuild the datasets from it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..workers import run_in_lanes, spawn_pool
from .recipe import Recipe
from .teacher import DataSpec


@dataclass(frozen=True)
class StudentJob:
    """Everything a student run needs besides its hyperparameters."""

    name: str
    data: DataSpec
    recipe: Recipe
    width: float = 1.0
    args: dict[str, Any] = field(default_factory=dict)
    bn_momentum: float | None = None
    eval_limit: int | None = None
    max_soft_weight: float | None = None  # cap on lambda * T^2 (the soft term's weight)

    def builder(self, dropout: float) -> Any:
        from .teacher import model_builder

        return model_builder(self.name, dropout, self.width, self.args)


def soft_weight_capped(params: dict[str, Any], cap: float | None) -> dict[str, Any]:
    """``params`` with lambda lowered so that lambda * T^2 <= cap: past that the soft targets drown
    the labels and a student cannot learn the mask at this budget."""
    if cap is None or params.get("loss") != "distillation":
        return params
    t2 = float(params["temperature"]) ** 2
    return {**params, "lam": min(float(params["lam"]), cap / t2)}


class StudentObjective:
    """hyperopt objective: train a student at the per-trial recipe, loss = -best val foot IoU."""

    def __init__(self, job: StudentJob, recipe: Recipe):
        self.job, self.recipe = job, recipe

    def __call__(self, params: dict[str, Any]) -> dict[str, Any]:
        import keras

        from .loop import train_model

        params = soft_weight_capped(params, self.job.max_soft_weight)
        keras.utils.set_random_seed(self.job.data.seed)  # every trial starts from the same init and order
        val_images, val_masks = self.job.data.val_subset()
        result = train_model(
            self.job.builder(params["dropout"]),
            self.job.data.datasets(self.recipe),
            val_images,
            val_masks,
            self.recipe,
            loss=params["loss"],
            temperature=params.get("temperature", 1.0),
            lam=params.get("lam", 1.0),
            eval_batch=self.job.data.eval_batch,
            progress=False,
            bn_momentum=self.job.bn_momentum,
        )
        iou = float(result.best_val.get("iou", 0.0))
        return {
            "loss": -iou,
            "val_iou": iou,
            "val_accuracy": float(result.best_val.get("accuracy", 0.0)),
            "lam_used": params.get("lam"),
            "seconds": result.seconds,
        }


def trial_recipe(recipe: Recipe, search: dict[str, Any]) -> Recipe:
    """Search trials: ``search.images`` images at the recipe's first (lowest) resolution."""
    first = recipe.phases[0]
    return dataclasses.replace(
        recipe,
        images=int(search["images"]),
        evals=int(search.get("evals", 2)),
        phases=(dataclasses.replace(first, share=1.0),),
    )


def run_students(
    *,
    names: list[str],
    loss: str,
    composites: str,
    split: str,
    teacher_path: str,
    models_dir: str,
    metrics_dir: str,
    plots_dir: str,
    train: dict[str, Any],
    student: dict[str, Any],
    search: dict[str, Any],
    seed: int,
    progress: bool = True,
) -> list[dict[str, Any]]:
    """Train every student in ``names``; each writes models_dir/<name>.keras, models_dir/<name>.search/
    (trials.json, best_params.json), metrics_dir/<name>.json and plots_dir/<name>/ (curves).

    ``train``, ``student`` and ``search`` are the resolved config groups (checked by
    footseg.train.config). Returns the metrics records in ``names`` order.
    """
    from ..io import atomic_dir
    from .recipe import student_recipe
    from .teacher import data_spec

    data = data_spec(composites, split, train, seed)
    jobs = []
    for name in names:
        jobs.append(
            StudentJob(
                name=name,
                data=data,
                recipe=student_recipe(train, student, name),
                width=float(student["width"]),
                args=dict((student.get("args") or {}).get(name) or {}),
                bn_momentum=train.get("bn_momentum"),
                eval_limit=train.get("eval_limit"),
                max_soft_weight=search.get("max_soft_weight"),
            )
        )
    needs_teacher = loss in ("distillation", "search")
    with contextlib.ExitStack() as stack:
        # Each output folder appears whole or not at all (a kill leaves only .<name>.tmp-* siblings,
        # which the stage's next run removes).
        models_dir, metrics_dir, plots_dir = (
            str(stack.enter_context(atomic_dir(d))) for d in (models_dir, metrics_dir, plots_dir)
        )
        if needs_teacher:
            cache_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="footseg-teacher-logits-")))
            logits = _cache_logits(teacher_path, composites, split, train["eval_batch"], cache_dir, progress)
            jobs = [dataclasses.replace(j, data=dataclasses.replace(j.data, teacher_logits=logits)) for j in jobs]
        tasks = [
            (slot, job, loss, student, search, models_dir, metrics_dir, plots_dir, progress)
            for slot, job in enumerate(jobs)
        ]
        workers = min(int(train.get("workers", 1)), len(tasks))
        if workers <= 1:
            return [_run_one(*task) for task in tasks]
        # Split by expected cost so that the lanes end together and no core idles at the end.
        return run_in_lanes(_run_one, tasks, [expected_cost(job) for job in jobs], workers)


def expected_cost(job: StudentJob) -> float:
    """A run's CPU cost in reference milliseconds (models.facts): its training images (in 128-px
    equivalents) plus the images it scores at 256 px (val_limit per validation point, then the
    whole val and test splits). Width scales the FLOPs by width^2."""
    from ..models.facts import FACTS
    from .teacher import split_arrays

    facts, data, plan = FACTS[job.name], job.data, job.recipe.plan()
    val, test = (len(split_arrays(data.composites, data.split, name)[0]) for name in ("val", "test"))
    limit = job.eval_limit or max(val, test)
    trained = sum(p.steps * p.evals * p.batch * (p.size / 128) ** 2 for p in plan)
    scored = sum(p.evals for p in plan) * min(data.val_limit or val, val) + min(val, limit) + min(test, limit)
    return job.width**2 * (trained * facts.train_ms + scored * facts.eval_ms)


def _cache_logits(teacher_path: str, composites: str, split: str, batch: int, cache_dir: Path, progress: bool) -> str:
    """Run the teacher once over the training split (in a child process, so this process never
    holds a TensorFlow runtime the workers would have to share cores with)."""
    with spawn_pool(1) as pool:
        return pool.apply(_cache_logits_child, (teacher_path, composites, split, batch, str(cache_dir), progress))


def _cache_logits_child(
    teacher_path: str, composites: str, split: str, batch: int, cache_dir: str, progress: bool
) -> str:
    from .loop import load_model
    from .teacher_logits import cache_teacher_logits

    return str(
        cache_teacher_logits(
            load_model(teacher_path), composites, split, Path(cache_dir) / "train.npy", batch, progress
        )
    )


def _run_one(
    slot: int,
    job: StudentJob,
    loss: str,
    student: dict[str, Any],
    search: dict[str, Any],
    models_dir: str,
    metrics_dir: str,
    plots_dir: str,
    progress: bool,
) -> dict[str, Any]:
    """Search (if search.trials > 0), train at the full recipe, score, write one student's outputs."""
    from ..io import atomic_dir, write_json
    from ..models import count_params
    from .loop import save_model
    from .search import build_space, run_search, start_point
    from .teacher import train_and_score, training_summary

    name = job.name
    defaults = {"lr": student["lr"], "dropout": student["dropout"], "loss": loss}
    if loss == "distillation":
        defaults.update(temperature=student["temperature"], lam=student["lam"])
    with atomic_dir(Path(models_dir) / f"{name}.search") as tmp_search:
        if search["trials"] > 0:
            ranges = {k: tuple(v) for k, v in (search.get("ranges") or {}).items()}
            objective = StudentObjective(job, trial_recipe(job.recipe, search))
            # The student group's values are the first trial: the search can only improve on them.
            best, trials = run_search(
                objective,
                build_space(loss, ranges),
                trials=search["trials"],
                algo=search["algo"],
                seed=job.data.seed,
                backend=search["backend"],
                parallelism=search["parallelism"],
                mongo_url=search.get("mongo_url"),
                exp_key=search.get("exp_key"),
                progress=progress,
                points_to_evaluate=[start_point(student, loss)],
            )
        else:  # loss=search with no trials is refused by footseg.train.config.check_loss
            best, trials = defaults, []
        best = soft_weight_capped(best, job.max_soft_weight)
        write_json(tmp_search / "trials.json", {"trials": trials})
        write_json(tmp_search / "best_params.json", best)
        recipe = dataclasses.replace(job.recipe, lr=float(best["lr"]))
        model, result, scores = train_and_score(
            builder=job.builder(best["dropout"]),
            data=job.data,
            recipe=recipe,
            loss=best["loss"],
            temperature=best.get("temperature", 1.0),
            lam=best.get("lam", 1.0),
            live_dir=str(Path(plots_dir) / name),
            bn_momentum=job.bn_momentum,
            eval_limit=job.eval_limit,
            progress=progress,
            desc=f"{name} ({slot + 1})",
        )
    record = {
        **scores,
        "loss": best["loss"],
        "params": {**best, "width": job.width, "args": job.args, "param_count": count_params(model)},
        "search": {
            "trials": len(trials),
            "algo": search["algo"],
            "backend": search["backend"],
            "best_trial_val_iou": max((t.get("val_iou", 0.0) for t in trials), default=None),
        },
        "training": training_summary(result, recipe),
    }
    save_model(model, Path(models_dir) / f"{name}.keras")
    write_json(Path(metrics_dir) / f"{name}.json", record)
    return record
