"""How the export and benchmark records (metrics/export.json, metrics/benchmark.json) are read:
the precisions in their order, which interpreter's figure headlines a row, the order of the models.
Shared by the stages that write the records and the report that reads them, so neither imports
the other."""

from __future__ import annotations

from typing import Any

from ..models.facts import FACTS

PRECISIONS = ("fp32", "fp16", "int8")

# Which interpreter's figure headlines a row (JSON sorts keys, so the order is fixed here):
# tf.lite's float kernels were the faster ones on x86 (DESIGN.md).
HEADLINE_ORDER = ("tflite", "litert", "benchmark_model")


def headline_rank(interpreter: str) -> int:
    """Sort key of interpreter names: HEADLINE_ORDER first, the others after."""
    return HEADLINE_ORDER.index(interpreter) if interpreter in HEADLINE_ORDER else len(HEADLINE_ORDER)


def headline_latency(
    latency: dict[str, dict[str, dict[str, Any]]], threads: str
) -> tuple[str | None, dict[str, Any] | None]:
    """(interpreter, figures) headlining ``threads`` threads: the first of HEADLINE_ORDER measured."""
    names = sorted(latency, key=headline_rank)
    for name in names:
        if threads in latency[name]:
            return name, latency[name][threads]
    return None, None


def ordered_models(names: list[str]) -> list[str]:
    """Teacher first, then the thesis' students in its order, then the others (JSON sorts keys)."""
    known = [n for n, facts in FACTS.items() if facts.thesis and n in names]
    return known + sorted(n for n in names if n not in known)
