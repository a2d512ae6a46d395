"""What is known about each registered model without building it: its total downsampling (the
input size must be a multiple of it) and the thesis' figures (Demborg 2018, tables 4.1 and 4.2)
where the thesis has the model. Kept free of Keras so config checks and the report read it cheaply.

The registry (registry.MODELS), the `footseg models` table, the results report, the config checks
and the parametrised tests all derive from FACTS; its order is the report's row order.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Thesis:
    """One model's row in the thesis: GFLOPs at 256x256, ms on a ZTE Axon 7, MB, synthetic and real scores."""

    name: str
    gflops: float
    ms: float
    mb: float
    acc: float
    iou: float
    real_acc: float
    real_iou: float


@dataclass(frozen=True)
class ModelFacts:
    stride: int
    thesis: Thesis | None = None
    # CPU cost at width 1 on one thread, two runs side by side on a Zen 5 EPYC: ms per training
    # image at 128 px (less its validation points) and per scored image at 256 px (Keras' compiled
    # predict, batch 16), both from the distill-students stage's own progress bars (fused batch
    # norm, 2026-12-07); fastlinknet keeps 1.2x nanoseg's training cost (scripts/bench_train.py),
    # the run's two rates being within its noise. distill-students splits its runs into lanes by
    # them so that both cores finish together: only their ratios matter.
    train_ms: float = 0.0
    eval_ms: float = 0.0


FACTS: dict[str, ModelFacts] = {
    "teacher": ModelFacts(32, Thesis("EmilSeg", 55.37, 4439, 85, 0.9912, 0.9860, 0.9740, 0.9814)),
    "enet": ModelFacts(8, Thesis("ENet", 10.38, 1045, 15, 0.9774, 0.9116, 0.9738, 0.9117), 34, 16),
    "linknet": ModelFacts(32, Thesis("LinkNet", 1.75, 234, 45, 0.9797, 0.9141, 0.9724, 0.9145), 41, 33),
    "mobileseg": ModelFacts(32, Thesis("MobileSeg", 2.68, 555, 18, 0.9834, 0.9146, 0.9744, 0.9144), 33, 28),
    "fastlinknet": ModelFacts(64, Thesis("FastLinkNet", 0.287, 73, 7.2, 0.9797, 0.9153, 0.9707, 0.9148), 8, 4),
    "nanoseg": ModelFacts(32, train_ms=6.7, eval_ms=3),  # ours, after the thesis
}
MODEL_NAMES = tuple(FACTS)
