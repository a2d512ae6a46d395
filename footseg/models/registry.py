"""The registry: model name -> builder, and ``build_model`` with argument checks."""

from __future__ import annotations

import inspect
from typing import Any, Callable

from ..errors import require
from .enet import build_enet
from .facts import FACTS
from .fastlinknet import build_fastlinknet
from .linknet import build_linknet
from .mobileseg import build_mobileseg
from .nanoseg import build_nanoseg
from .teacher import build_teacher

MODELS: dict[str, Callable[..., Any]] = {
    "teacher": build_teacher,
    "enet": build_enet,
    "linknet": build_linknet,
    "mobileseg": build_mobileseg,
    "fastlinknet": build_fastlinknet,
    "nanoseg": build_nanoseg,
}

# Total downsampling of each architecture: the input size must be a multiple of it.
STRIDES = {name: FACTS[name].stride for name in MODELS}
assert tuple(MODELS) == tuple(FACTS), "register a model in facts.FACTS and MODELS, in the same order"


def build_model(
    name: str, *, input_size: int = 256, num_classes: int = 2, dropout: float = 0.0, width: float = 1.0, **kw: Any
):
    """Build the registered model ``name`` (a keras.Model); ``kw`` goes to its builder.

    Raises FootsegError (naming the argument) for an unknown name or an out-of-range value.
    """
    require(name in MODELS, f"unknown model {name!r}; known: {', '.join(MODELS)}")
    stride = STRIDES[name]
    require(
        isinstance(input_size, int) and input_size > 0 and input_size % stride == 0,
        f"input_size for {name} must be a positive multiple of {stride}, got {input_size}",
    )
    require(
        isinstance(num_classes, int) and num_classes >= 2, f"num_classes must be an integer >= 2, got {num_classes}"
    )
    require(0.0 <= dropout < 1.0, f"dropout must be in [0, 1), got {dropout}")
    require(width > 0, f"width must be positive, got {width}")
    builder = MODELS[name]
    common = {"input_size", "num_classes", "dropout", "width"}
    accepted = set(inspect.signature(builder).parameters) - common
    unknown = sorted(set(kw) - accepted)
    require(
        not unknown,
        f"model {name}: unknown argument(s) {', '.join(unknown)}; accepted: {', '.join(sorted(accepted)) or 'none'}",
    )
    return builder(input_size=input_size, num_classes=num_classes, dropout=float(dropout), width=float(width), **kw)


def count_params(model) -> int:
    """Number of parameters (trainable and not, e.g. BatchNorm statistics) of ``model``."""
    return int(model.count_params())
