"""footseg.deploy.report: results.md in the thesis' layout and the plots, from a benchmark record."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from footseg.deploy.figures import plot_segmentation_grid
from footseg.deploy.report import THESIS, points, render_results, write_report
from footseg.io import read_json


def lat(ms: float) -> dict[str, float]:
    return {"median_ms": ms, "p90_ms": ms * 1.1, "mean_ms": ms, "min_ms": ms * 0.9}


def row(name: str, precision: str, ms: float, iou: float, ratio: float | None) -> dict:
    return {
        "file": f"{name}.{precision}.tflite",
        "size_mb": 1.5,
        "flops": 287_000_000,
        "gflops": 0.287,
        "params": 123456,
        "latency": {"tflite": {"1": lat(ms), "2": lat(ms / 1.6)}, "litert": {"1": lat(ms * 1.3)}},
        "efficiency_1thread": 0.25,
        "efficiency_interpreter": "tflite",
        "test": {"accuracy": 0.98, "iou": iou, "miou": 0.95},
        "test_interpreter": "tflite",
        "real": None,
        "latency_ratio_to_peer": {"tflite": {"1": ratio}} if ratio else None,
    }


@pytest.fixture
def record() -> dict:
    return {
        "device": "local",
        "models": {  # sorted as JSON has them
            "fastlinknet": {
                "int8": row("fastlinknet", "int8", 7.0, 0.905, 1.0),
                "fp32": row("fastlinknet", "fp32", 14.0, 0.91, 2.0),
            },
            "linknet": {"fp32": row("linknet", "fp32", 30.0, 0.92, 4.0)},
            "nanoseg": {"fp32": row("nanoseg", "fp32", 5.0, 0.88, 0.714)},
        },
        "peer": {
            "available": True,
            "file": "selfie_segmentation.tflite",
            "size_mb": 0.25,
            "latency": {"tflite": {"1": lat(7.0), "2": lat(5.0)}},
            "test": {"accuracy": 0.8, "iou": 0.4, "miou": 0.6},
            "real": None,
        },
        "machine": {
            "cpu": "Test CPU 9000",
            "cores": 2,
            "os": "Linux",
            "interpreters": {"tflite": "2.21.0", "litert": "2.3.0"},
        },
        "runs": 20,
        "warmup": 3,
        "max_seconds": 2.0,
        "peak_gflops": 83.0,
        "eval_samples": 100,
        "real_samples": 0,
    }


def test_tables_follow_the_thesis_layout_with_its_numbers(record: dict) -> None:
    text = render_results(record)
    assert (
        "Test CPU 9000, 2 cores" in text
        and "tflite 2.21.0" in text
        and "median of up to 20 timed runs after up to 3 warm-up runs (each capped at 2.0 s" in text
    )
    table41 = text.split("## Table 4.1")[1].split("## Table 4.2")[0]
    assert "| FastLinkNet | 0.287 | 0.287 | 14.00 | 7.00 | 73 | 1.50 | 1.50 | 7.2 | 123,456 |" in table41
    assert "| nanoseg | 0.287 | – | 5.00 | – | – | 1.50 | – | – | 123,456 |" in table41
    table42 = text.split("## Table 4.2")[1].split("## Every file")[0]
    thesis = THESIS["fastlinknet"]
    assert f"| FastLinkNet | 0.9800 | 0.9100 | – | – | {thesis['acc']:.4f} | {thesis['iou']:.4f} |" in table42
    # Teacher and thesis students first in the thesis' order, whatever order the JSON has.
    assert table41.index("| LinkNet |") < table41.index("| FastLinkNet |") < table41.index("| nanoseg |")
    every = text.split("## Every file")[1]
    assert every.index("fastlinknet.fp32") < every.index("fastlinknet.int8") < every.index("nanoseg.fp32")
    assert "| fastlinknet.int8.tflite |" in every and "| 1.00 | 25.0 % |" in every
    assert "ms tflite 1 thr | ms tflite 2 thr | ms litert 1 thr | ms litert 2 thr" in every
    assert "tflite 1 thr 7.00 ms" in text and "test 0.4000" in text


def test_a_teacher_of_another_architecture_is_not_set_beside_emilseg(record: dict) -> None:
    record["models"]["teacher"] = {"fp32": row("teacher", "fp32", 20.0, 0.93, None)}
    export = {"models": {"teacher": {"architecture": "nanoseg"}, "linknet": {"architecture": "linknet"}}}
    text = render_results(record, export)
    assert "EmilSeg" not in text and "| teacher (nanoseg) | 0.287 | – |" in text
    assert "EmilSeg" in render_results(record, {"models": {"teacher": {"architecture": "teacher"}}})


def test_missing_peer_is_said(record: dict) -> None:
    record["peer"] = {"available": False, "note": "not available (peer/x.tflite missing; run `footseg fetch-peer`)"}
    assert "not available (peer/x.tflite missing" in render_results(record)


def test_report_files_and_plot_data(record: dict, tmp_path: Path) -> None:
    write_report(record, results_md=tmp_path / "reports" / "results.md", plots_dir=tmp_path / "plots")
    assert (tmp_path / "reports" / "results.md").read_text().startswith("# Results")
    png = cv2.imread(str(tmp_path / "plots" / "latency_vs_iou.png"))
    assert png is not None and png.shape[1] > 400
    data = read_json(tmp_path / "plots" / "latency_vs_iou.json")
    assert data == points(record)
    assert {(p["label"], p["latency_ms"], p["iou"]) for p in data} == {
        ("linknet.fp32", 30.0, 0.92),
        ("fastlinknet.fp32", 14.0, 0.91),
        ("fastlinknet.int8", 7.0, 0.905),
        ("nanoseg.fp32", 5.0, 0.88),
    }
    assert [p["model"] for p in data] == ["linknet", "fastlinknet", "fastlinknet", "nanoseg"]


def test_segmentation_grid_has_a_column_per_model(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    images = rng.integers(0, 255, (3, 32, 32, 3), dtype=np.uint8)
    masks = (rng.random((3, 32, 32)) > 0.5).astype(np.uint8)
    path = tmp_path / "grid.png"
    plot_segmentation_grid(images, masks, {"a": masks, "b": 1 - masks}, path, "int8")
    wide = cv2.imread(str(path))
    plot_segmentation_grid(images, masks, {"a": masks}, path, "int8")
    narrow = cv2.imread(str(path))
    assert wide.shape[1] > narrow.shape[1] and wide.shape[0] == narrow.shape[0]
