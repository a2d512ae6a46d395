"""`footseg models`: parameters, GFLOPs, .keras size of each registered model, beside the thesis.

GFLOPs come from TF's profiler on the frozen graph (2 FLOPs per multiply-accumulate), for one image.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from .facts import FACTS

FASTLINKNET_BUDGET_GFLOPS = 0.3  # at 256x256; scales with the pixel count at other sizes


def configure(parser: argparse.ArgumentParser) -> None:
    """Arguments of `footseg models`."""
    parser.add_argument("--size", type=int, default=256, help="input size S (S x S x 3), default 256")
    parser.add_argument("--names", nargs="+", metavar="NAME", help="models to list (default: every registered model)")
    parser.add_argument("--width", type=float, default=1.0, help="width multiplier, default 1.0")


def model_row(name: str, size: int, width: float) -> dict:
    """Parameters, GFLOPs and saved .keras size of one model, plus the thesis' figures."""
    from . import build_model, count_params, flops

    model = build_model(name, input_size=size, width=width)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{name}.keras"
        model.save(path)
        megabytes = path.stat().st_size / 1e6
    gflops = flops(model) / 1e9
    thesis = FACTS[name].thesis
    thesis_name, thesis_gflops, thesis_mb = (thesis.name, thesis.gflops, thesis.mb) if thesis else ("-", None, None)
    return {
        "model": name,
        "params": count_params(model),
        "gflops": gflops,
        "mb": megabytes,
        "thesis": thesis_name,
        "thesis_gflops": thesis_gflops,
        "thesis_mb": thesis_mb,
        "note": row_note(name, gflops, size),
    }


def row_note(name: str, gflops: float, size: int) -> str:
    """The note column: fastlinknet's budget flag, nanoseg's modern anchor."""
    if name == "fastlinknet" and gflops > FASTLINKNET_BUDGET_GFLOPS * (size / 256) ** 2:
        return f"OVER the {FASTLINKNET_BUDGET_GFLOPS} GFLOPs budget"
    if name == "nanoseg":
        return "ours; MediaPipe selfie segmenter: 0.106 M params, 0.45 MB"
    return ""


def format_table(rows: list[dict], size: int) -> str:
    """A markdown table of ``model_row`` results."""

    def num(value, fmt):
        return "-" if value is None else format(value, fmt)

    lines = [
        f"| model | params (M) | GFLOPs @{size} | .keras MB | thesis model | thesis GFLOPs @256 | thesis MB | note |",
        "|---|---:|---:|---:|---|---:|---:|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['model']} | {r['params'] / 1e6:.3f} | {r['gflops']:.3f} "
            f"| {r['mb']:.2f} | {r['thesis']} | {num(r['thesis_gflops'], '.3g')} "
            f"| {num(r['thesis_mb'], '.3g')} | {r['note']} |"
        )
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Print the model table."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from tqdm import tqdm

    from ..errors import require
    from . import MODELS

    names = args.names or list(MODELS)
    unknown = [n for n in names if n not in MODELS]
    require(not unknown, f"--names: unknown model(s) {', '.join(unknown)}; known: {', '.join(MODELS)}")
    require(args.size > 0, f"--size must be positive, got {args.size}")
    rows = [model_row(name, args.size, args.width) for name in tqdm(names, desc="models", unit="model")]
    print(format_table(rows, args.size))
    return 0
