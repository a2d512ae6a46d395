"""The training recipe: how one run spends its budget. Plain values, no TensorFlow (checked at stage
start, before TensorFlow loads; picklable for worker processes).

A budget is a number of images seen, spent in phases of rising resolution: e.g. 75 % of the
images at 128 px in batches of 32, the rest at 256 px in batches of 16 (each pixel costs the same,
so low resolution buys 4x the images; the last phase adapts the weights to the resolution the
model is scored and shipped at). The learning rate warms up linearly, then decays to zero along a
cosine over the whole run, so the end of every run is converged for its budget.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..data.train_augment import AugmentSpec
from ..errors import require


@dataclass(frozen=True)
class Phase:
    size: int  # training resolution (px)
    share: float  # share of the run's images
    batch: int  # images per step
    steps: int = 0  # steps between two evaluations (filled by Recipe.plan)
    evals: int = 0  # evaluations in this phase (filled by Recipe.plan)


@dataclass(frozen=True)
class Recipe:
    images: int  # images seen in the whole run
    phases: tuple[Phase, ...]
    lr: float  # peak learning rate (AdamW)
    warmup: float = 0.03  # share of the steps spent warming up
    weight_decay: float = 1e-4
    clipnorm: float | None = None
    evals: int = 10  # validation points over the run (best checkpoint among them)
    augment: AugmentSpec = field(default_factory=AugmentSpec)
    run_eagerly: bool = False  # skip the graph builds (seconds each): only for runs of a few steps

    def plan(self) -> list[Phase]:
        """The phases with their steps per evaluation and evaluation counts filled in."""
        planned = []
        for phase in self.phases:
            evals = max(1, round(self.evals * phase.share))
            steps = max(1, round(self.images * phase.share / phase.batch / evals))
            planned.append(Phase(phase.size, phase.share, phase.batch, steps, evals))
        return planned

    def images_planned(self) -> int:
        return sum(p.steps * p.evals * p.batch for p in self.plan())


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _positive_int(value: Any, key: str) -> int:
    require(
        isinstance(value, int) and not isinstance(value, bool) and value > 0,
        f"{key} must be a positive integer, got {value!r}",
    )
    return value


def parse_phases(phases: Any, key: str = "train.phases") -> tuple[Phase, ...]:
    require(isinstance(phases, list) and phases, f"{key} must be a non-empty list of {{size, share, batch}}")
    parsed = []
    for i, phase in enumerate(phases):
        require(
            isinstance(phase, dict) and set(phase) == {"size", "share", "batch"},
            f"{key}[{i}] must have exactly the keys size, share, batch; got {phase!r}",
        )
        size = _positive_int(phase["size"], f"{key}[{i}].size")
        require(size % 64 == 0, f"{key}[{i}].size must be a multiple of 64 (the models' largest stride), got {size}")
        require(
            _number(phase["share"]) and 0 < phase["share"] <= 1,
            f"{key}[{i}].share must be in (0, 1], got {phase['share']!r}",
        )
        parsed.append(Phase(size, float(phase["share"]), _positive_int(phase["batch"], f"{key}[{i}].batch")))
    total = sum(p.share for p in parsed)
    require(abs(total - 1.0) < 1e-6, f"{key}: the shares must add up to 1, got {total:g}")
    return tuple(parsed)


def recipe_from_config(train: dict[str, Any], images: Any, lr: Any, images_key: str, lr_key: str) -> Recipe:
    """The Recipe of one run from the train group plus the model's own budget and learning rate."""
    images = _positive_int(images, images_key)
    require(_number(lr) and lr > 0, f"{lr_key} must be a positive number, got {lr!r}")
    warmup = train.get("warmup", 0.03)
    require(_number(warmup) and 0 <= warmup < 1, f"train.warmup must be in [0, 1), got {warmup!r}")
    decay = train.get("weight_decay", 1e-4)
    require(_number(decay) and decay >= 0, f"train.weight_decay must be a number >= 0, got {decay!r}")
    clip = train.get("clipnorm")
    require(clip is None or (_number(clip) and clip > 0), f"train.clipnorm must be null or > 0, got {clip!r}")
    evals = _positive_int(train.get("evals", 10), "train.evals")
    eager = train.get("run_eagerly", False)
    require(isinstance(eager, bool), f"train.run_eagerly must be true or false, got {eager!r}")
    return Recipe(
        images=images,
        phases=parse_phases(train.get("phases")),
        lr=float(lr),
        warmup=float(warmup),
        weight_decay=float(decay),
        clipnorm=None if clip is None else float(clip),
        evals=evals,
        augment=AugmentSpec.from_config(train.get("augment")),
        run_eagerly=eager,
    )


def student_recipe(train: dict[str, Any], student: dict[str, Any], name: str, images: Any = None) -> Recipe:
    """The Recipe of student ``name``: its own budget (student.images.<name>, else train.images)
    unless ``images`` is given, at student.lr."""
    own = (student.get("images") or {}).get(name)
    key = f"student.images.{name}" if images or own else "train.images"  # the key an error names
    return recipe_from_config(train, images or own or train["images"], student["lr"], key, "student.lr")
