"""The model zoo: a registry name -> builder, one file per architecture.

Every model takes float32 (None, S, S, 3) raw pixels 0..255 (normalisation is inside) and returns
2-class LOGITS (None, S, S, num_classes) at the input resolution.

Importing this package is cheap: the registry (and with it Keras/TensorFlow) loads on first use of
a name below, so `footseg --help` stays fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "MODELS": ".registry",
    "STRIDES": ".registry",
    "build_model": ".registry",
    "count_params": ".registry",
    "flops": ".flops",
}

__all__ = list(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(import_module(_EXPORTS[name], __name__), name)
        # Cache it; this also replaces the attribute that importing the submodule flops.py set
        # on this package (the module), so `from footseg.models import flops` is the function.
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
