"""Checks of the training config groups (train, teacher, student, search, loss), run at stage start
before any work; each failure is one FootsegError naming the key."""

from __future__ import annotations

from typing import Any

from ..errors import require

# The Keras-free facts, so a bad name fails before Keras loads (importing the registry costs
# TensorFlow's import and its log lines).
from ..models.facts import MODEL_NAMES
from .search import ALGOS, BACKENDS

STUDENT_LOSSES = ("ce", "iou", "distillation", "search")


def _positive_int(value: Any, key: str) -> None:
    require(
        isinstance(value, int) and not isinstance(value, bool) and value > 0,
        f"{key} must be a positive integer, got {value!r}",
    )


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def check_lr(value: Any, key: str) -> None:
    require(_number(value) and value > 0, f"{key} must be a positive number, got {value!r}")


def check_dropout(value: Any, key: str) -> None:
    require(_number(value) and 0.0 <= value < 1.0, f"{key} must be in [0, 1), got {value!r}")


def check_temperature(value: Any, key: str) -> None:
    require(_number(value) and value > 0, f"{key} (T) must be > 0, got {value!r}")


def check_lam(value: Any, key: str) -> None:
    require(_number(value) and value >= 0, f"{key} (lambda) must be >= 0, got {value!r}")


def check_model_name(name: Any, key: str) -> None:
    require(name in MODEL_NAMES, f"{key} must be one of {', '.join(MODEL_NAMES)}; got {name!r}")


def check_train(train: dict[str, Any]) -> None:
    """train: the shared recipe (images, phases, lr schedule, augment), evaluation and workers."""
    from .recipe import recipe_from_config

    recipe_from_config(train, train.get("images"), 1.0, "train.images", "train.lr")  # checks the recipe keys
    for key in ("eval_batch", "workers"):
        _positive_int(train.get(key), f"train.{key}")
    momentum = train.get("bn_momentum")
    require(
        momentum is None or (_number(momentum) and 0 <= momentum < 1),
        f"train.bn_momentum must be null or in [0, 1), got {momentum!r}",
    )
    for key in ("eval_limit", "val_limit"):
        limit = train.get(key)
        require(
            limit is None or (isinstance(limit, int) and limit > 0),
            f"train.{key} must be null or a positive integer, got {limit!r}",
        )


def check_teacher(teacher: dict[str, Any]) -> None:
    """teacher: arch, width, dropout, lr, args, images (its budget)."""
    check_model_name(teacher.get("arch"), "teacher.arch")
    check_lr(teacher.get("lr"), "teacher.lr")
    check_dropout(teacher.get("dropout"), "teacher.dropout")
    require(
        _number(teacher.get("width")) and teacher["width"] > 0,
        f"teacher.width must be > 0, got {teacher.get('width')!r}",
    )
    require(isinstance(teacher.get("args") or {}, dict), "teacher.args must be a mapping")
    _positive_int(teacher.get("images"), "teacher.images")


def check_loss(loss: Any, search_trials: int) -> None:
    require(loss in STUDENT_LOSSES, f"loss must be one of {', '.join(STUDENT_LOSSES)}; got {loss!r}")
    require(loss != "search" or search_trials > 0, "loss=search needs search.trials > 0 (hyperopt picks the loss)")


def check_student(student: dict[str, Any], students: list[str]) -> None:
    """student: lr, dropout, temperature, lam, width, args and images per student name."""
    check_lr(student.get("lr"), "student.lr")
    check_dropout(student.get("dropout"), "student.dropout")
    check_temperature(student.get("temperature"), "student.temperature")
    check_lam(student.get("lam"), "student.lam")
    require(
        _number(student.get("width")) and student["width"] > 0,
        f"student.width must be > 0, got {student.get('width')!r}",
    )
    for key in ("args", "images"):
        per_name = student.get(key) or {}
        require(isinstance(per_name, dict), f"student.{key} must map a student name to a value")
        unknown = sorted(set(per_name) - set(MODEL_NAMES))
        require(not unknown, f"student.{key}: unknown model(s) {', '.join(unknown)}; known: {', '.join(MODEL_NAMES)}")
    for name, args in (student.get("args") or {}).items():
        require(isinstance(args or {}, dict), f"student.args.{name} must be a mapping of builder arguments")
    for name, images in (student.get("images") or {}).items():
        require(
            images is None or (isinstance(images, int) and not isinstance(images, bool) and images > 0),
            f"student.images.{name} must be null (train.images) or a positive integer, got {images!r}",
        )


def check_students(students: Any) -> None:
    require(isinstance(students, list) and len(students) > 0, "students must be a non-empty list of model names")
    for i, name in enumerate(students):
        check_model_name(name, f"students[{i}]")


def check_search(search: dict[str, Any]) -> None:
    """search: algo, trials, images and evals per trial, backend, parallelism, max_soft_weight, ranges."""
    require(search.get("algo") in ALGOS, f"search.algo must be one of {', '.join(ALGOS)}; got {search.get('algo')!r}")
    trials = search.get("trials")
    require(isinstance(trials, int) and trials >= 0, f"search.trials must be an integer >= 0, got {trials!r}")
    for key in ("images", "evals", "parallelism"):
        _positive_int(search.get(key), f"search.{key}")
    cap = search.get("max_soft_weight")
    require(
        cap is None or (_number(cap) and cap > 0),
        f"search.max_soft_weight (lambda * T^2) must be null or > 0, got {cap!r}",
    )
    require(
        search.get("backend") in BACKENDS,
        f"search.backend must be one of {', '.join(BACKENDS)}; got {search.get('backend')!r}",
    )
    require(
        search.get("backend") != "mongo" or bool(search.get("mongo_url")),
        "search.mongo_url is required with search.backend=mongo (mongo://host:port/db/jobs)",
    )
    ranges = search.get("ranges") or {}
    for key, bounds in ranges.items():
        require(
            isinstance(bounds, list) and len(bounds) == 2 and all(_number(b) for b in bounds) and bounds[0] < bounds[1],
            f"search.ranges.{key} must be [low, high] with low < high, got {bounds!r}",
        )
    if "lr" in ranges:
        check_lr(ranges["lr"][0], "search.ranges.lr[0]")
    if "dropout" in ranges:
        require(
            ranges["dropout"][0] >= 0 and ranges["dropout"][1] < 1,
            f"search.ranges.dropout must lie within [0, 1), got {ranges['dropout']!r}",
        )
    if "temperature" in ranges:
        check_temperature(ranges["temperature"][0], "search.ranges.temperature[0]")
    if "lam" in ranges:
        check_lam(ranges["lam"][0], "search.ranges.lam[0]")
