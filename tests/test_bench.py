"""footseg.deploy.benchmark: latency with real interpreters, the whole benchmark on tiny exported files."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from footseg.deploy.benchmark import (
    benchmark_all,
    efficiency,
    load_real_set,
    machine_info,
    measure_latency,
    ratios,
    validate_bench_config,
)
from footseg.deploy.interpreter import TFLiteModel, interpreter_available
from footseg.deploy.report import report_all
from footseg.errors import FootsegError
from footseg.io import read_json
from tflite_helpers import SMOKE_EXPORT, exported_tiny, tiny_tflite
from tiny_data import load_tiny_split

SMOKE_BENCH = {
    "device": "local",
    "interpreters": ["tflite", "litert"],
    "threads": [1, "all"],
    "warmup": 1,
    "runs": 3,
    "max_seconds": 1.0,
    "peak_gflops": 83.0,
    "real_dir": None,
    "peer_model": None,
    "grid_images": 2,
    "grid_precision": "fp32",
    "adb": {"adb": "adb", "serial": None, "benchmark_binary": "none", "device_dir": "/data/local/tmp/footseg"},
}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return exported_tiny(tmp_path_factory.mktemp("bench"))


def write_real_set(root: Path, images: np.ndarray, masks: np.ndarray) -> Path:
    """A real-set folder in the documented layout; photos twice the model's size (they get resized)."""
    (root / "images").mkdir(parents=True)
    (root / "masks").mkdir()
    for i, (image, mask) in enumerate(zip(images, masks)):
        big = cv2.resize(image, None, fx=2, fy=2, interpolation=cv2.INTER_NEAREST)
        cv2.imwrite(str(root / "images" / f"photo{i}.jpg"), cv2.cvtColor(big, cv2.COLOR_RGB2BGR))
        cv2.imwrite(
            str(root / "masks" / f"photo{i}.png"),
            cv2.resize(mask * 255, None, fx=2, fy=2, interpolation=cv2.INTER_NEAREST),
        )
    return root


def run(tiny: dict[str, Path], out: Path, **bench) -> dict:
    """The benchmark, then the report from what it wrote (the two stages in dvc.yaml's order)."""
    record = benchmark_all(
        exported_dir=tiny["exported"],
        export_json=tiny["export_json"],
        composites_dir=tiny["composites"],
        split_dir=tiny["split"],
        bench_cfg={**SMOKE_BENCH, **bench},
        metrics_path=out / "metrics" / "benchmark.json",
        plots_dir=out / "plots",
        progress=False,
    )
    report_all(
        benchmark_json=out / "metrics" / "benchmark.json",
        export_json=tiny["export_json"],
        results_md=out / "reports" / "results.md",
        plots_dir=out / "plots",
        browser_dir=None,
    )
    return record


def test_latency_figures(tiny: dict[str, Path]) -> None:
    model = TFLiteModel(tiny["exported"] / "tiny.int8.tflite", threads=1)
    lat = measure_latency(model, warmup=1, runs=5)
    assert 0 < lat["min_ms"] <= lat["median_ms"] <= lat["p90_ms"]
    assert lat["min_ms"] <= lat["mean_ms"] and lat["runs"] == 5


def test_time_cap_keeps_a_few_runs(tiny: dict[str, Path]) -> None:
    model = TFLiteModel(tiny["exported"] / "tiny.fp32.tflite", threads=1)
    lat = measure_latency(model, warmup=1000, runs=1000, max_seconds=1e-6)
    assert lat["runs"] == 3  # MIN_TIMED_RUNS: enough for a median, not the 1000 asked for


def test_benchmark_with_peer_and_real_set(tiny: dict[str, Path], tmp_path: Path) -> None:
    peer = tiny_tflite(tmp_path / "peer" / "selfie.tflite", channels=1)  # 1-channel probability, 0..1 input
    test_images, test_masks = load_tiny_split(tiny["composites"], tiny["split"], "test")
    real_dir = write_real_set(tmp_path / "real", test_images[:3], test_masks[:3])
    record = run(tiny, tmp_path, peer_model=str(peer), real_dir=str(real_dir))

    saved = read_json(tmp_path / "metrics" / "benchmark.json")
    assert saved["models"].keys() == {"teacher", "tiny"} and saved["models"]["tiny"].keys() == {"fp32", "fp16", "int8"}
    assert saved == read_json(tmp_path / "metrics" / "benchmark.json") and saved["device"] == "local"
    row = saved["models"]["tiny"]["int8"]
    export = read_json(tiny["export_json"])["models"]["tiny"]
    assert row["flops"] == export["flops"] and row["params"] == export["params"]
    assert row["test"] == export["exported"]["int8"]["test"]
    assert row["size_mb"] == pytest.approx((tiny["exported"] / "tiny.int8.tflite").stat().st_size / 1e6)
    measured = [n for n in ("tflite", "litert") if interpreter_available(n)]
    assert sorted(row["latency"]) == sorted(measured)
    cores = str(machine_info()["cores"])
    for per_threads in row["latency"].values():
        assert set(per_threads) == {"1", cores}
        assert all(v["median_ms"] > 0 for v in per_threads.values())
    assert row["efficiency_1thread"] == efficiency(row["flops"], row["latency"][measured[0]]["1"]["median_ms"], 83.0)
    # Real photos were resized to the model's size and scored; 3 of them.
    assert saved["real_samples"] == 3 and 0 <= row["real"]["iou"] <= 1
    # Per photo, in name order, with precision and recall beside IoU; the grid of their masks.
    assert [p["name"] for p in row["real"]["per_photo"]] == ["photo0", "photo1", "photo2"]
    assert all(k in row["real"] for k in ("precision", "recall", "mean_photo_iou"))
    assert (tmp_path / "plots" / "real_grid.jpg").stat().st_size > 0
    # The peer: same interpreters and threads, a ratio per pair, its scores for reference.
    assert saved["peer"]["available"] and saved["peer"]["test"] is not None and saved["peer"]["real"] is not None
    assert row["latency_ratio_to_peer"]["tflite"]["1"] == pytest.approx(
        row["latency"]["tflite"]["1"]["median_ms"] / saved["peer"]["latency"]["tflite"]["1"]["median_ms"], rel=1e-3
    )
    assert saved["machine"]["cores"] >= 1 and saved["machine"]["interpreters"]["tflite"]
    results = (tmp_path / "reports" / "results.md").read_text()
    # The stand-in teacher is the tiny net, so the report labels it so instead of the thesis' EmilSeg.
    assert "## Table 4.1" in results and "## Table 4.2" in results and "| teacher (tiny) |" in results
    for png in ("segmentation_grid.png", "latency_vs_iou.png"):
        image = cv2.imread(str(tmp_path / "plots" / png))
        assert image is not None and image.shape[0] > 100
    points = read_json(tmp_path / "plots" / "latency_vs_iou.json")
    assert {(p["model"], p["precision"]) for p in points} == {
        (m, p) for m in ("teacher", "tiny") for p in ("fp32", "fp16", "int8")
    }
    assert record["eval_samples"] == SMOKE_EXPORT["eval_samples"]


def test_missing_peer_says_not_available(tiny: dict[str, Path], tmp_path: Path) -> None:
    record = run(tiny, tmp_path, peer_model=str(tmp_path / "absent.tflite"), interpreters=["tflite"], threads=[1])
    assert record["peer"]["available"] is False and "not available" in record["peer"]["note"]
    assert record["models"]["tiny"]["fp32"]["latency_ratio_to_peer"] is None
    assert "not available" in (tmp_path / "reports" / "results.md").read_text()


def test_missing_export_report_is_one_line(tiny: dict[str, Path], tmp_path: Path) -> None:
    with pytest.raises(FootsegError, match=r"export\.json: file not found"):
        benchmark_all(
            exported_dir=tiny["exported"],
            export_json=tmp_path / "export.json",
            composites_dir=tiny["composites"],
            split_dir=tiny["split"],
            bench_cfg=SMOKE_BENCH,
            metrics_path=tmp_path / "b.json",
            plots_dir=tmp_path,
        )
    assert not (tmp_path / "b.json").exists()


def test_real_scores_pool_pixels_and_keep_each_photo() -> None:
    from footseg.deploy.benchmark import real_scores

    true = np.zeros((2, 4, 4), np.uint8)
    true[:, :2] = 1  # 8 foot pixels per photo
    pred = true.copy()
    pred[0, 2] = 1  # photo 0: 4 false positives (a shin taken for foot)
    pred[1] = 0  # photo 1: nothing found
    scores = real_scores(pred, true, ["a", "b"])
    assert scores["precision"] == round(8 / 12, 4) and scores["recall"] == 0.5
    assert scores["per_photo"][0] == {
        "name": "a",
        "iou": round(8 / 12, 4),
        "precision": round(8 / 12, 4),
        "recall": 1.0,
    }
    assert scores["per_photo"][1] == {"name": "b", "iou": 0.0, "precision": None, "recall": 0.0}
    assert scores["mean_photo_iou"] == round((8 / 12) / 2, 4)


def test_real_dir_defaults_to_the_shared_set_only_when_it_exists(tmp_path: Path) -> None:
    from footseg.deploy.benchmark import resolve_real_dir

    assert resolve_real_dir({"real_dir": None, "default_real_dir": str(tmp_path)}) == str(tmp_path)
    assert resolve_real_dir({"real_dir": None, "default_real_dir": str(tmp_path / "absent")}) is None
    assert resolve_real_dir({"real_dir": "mine", "default_real_dir": str(tmp_path)}) == "mine"
    assert resolve_real_dir({"real_dir": None, "default_real_dir": None}) is None


def test_real_set_layout_errors(tmp_path: Path) -> None:
    with pytest.raises(FootsegError, match=r"images: not a directory"):
        load_real_set(tmp_path, (64, 64))
    (tmp_path / "images").mkdir()
    (tmp_path / "masks").mkdir()
    cv2.imwrite(str(tmp_path / "images" / "a.png"), np.zeros((8, 8, 3), np.uint8))
    with pytest.raises(FootsegError, match=r"masks/a\.png: mask missing for a\.png"):
        load_real_set(tmp_path, (64, 64))
    (tmp_path / "masks" / "a.png").write_bytes(b"not a png")
    with pytest.raises(FootsegError, match=r"masks/a\.png: not a readable image"):
        load_real_set(tmp_path, (64, 64))


@pytest.mark.parametrize(
    ("override", "key"),
    [
        ({"threads": [0]}, "bench.threads"),
        ({"threads": [1, "many"]}, "bench.threads"),
        ({"runs": 0}, "bench.runs"),
        ({"warmup": -1}, "bench.warmup"),
        ({"interpreters": ["onnx"]}, "bench.interpreters"),
        ({"device": "gpu"}, "bench.device"),
        ({"peak_gflops": 0}, "bench.peak_gflops"),
        ({"max_seconds": 0}, "bench.max_seconds"),
        ({"grid_precision": "bf16"}, "bench.grid_precision"),
        ({"grid_images": 0}, "bench.grid_images"),
        ({"real_dir": "/nonexistent/real"}, "bench.real_dir"),
        ({"device": "adb"}, "bench.adb.benchmark_binary"),
    ],
)
def test_config_errors_name_the_key(override: dict, key: str) -> None:
    with pytest.raises(FootsegError, match=key.replace(".", r"\.")):
        validate_bench_config({**SMOKE_BENCH, **override})


def test_smoke_profile_config_is_valid(smoke_cfg) -> None:
    from omegaconf import OmegaConf

    validate_bench_config(OmegaConf.to_container(smoke_cfg.bench, resolve=True))


def test_ratios_and_efficiency() -> None:
    ours = {"tflite": {"1": {"median_ms": 10.0}, "2": {"median_ms": 6.0}}, "litert": {"1": {"median_ms": 12.0}}}
    peer = {"tflite": {"1": {"median_ms": 20.0}, "2": {"median_ms": 12.0}}}
    assert ratios(ours, peer) == {"tflite": {"1": 0.5, "2": 0.5}}
    assert efficiency(int(0.83e9), 10.0, 83.0) == pytest.approx(1.0)
    assert efficiency(None, 10.0, 83.0) is None


def test_both_stages_by_hand(tiny: dict[str, Path], tmp_path: Path) -> None:
    """stages/export.py, stages/benchmark.py, stages/report.py as dvc runs them (Hydra overrides for the paths)."""
    import subprocess
    import sys

    from conftest import ROOT

    overrides = [
        "profile=smoke",
        "students=[tiny]",
        "hydra.run.dir=.",
        "hydra.output_subdir=null",
        f"paths.models={tiny['models']}",
        f"paths.composites={tiny['composites']}",
        f"paths.split={tiny['split']}",
        f"paths.exported={tmp_path / 'exported'}",
        f"paths.metrics={tmp_path / 'metrics'}",
        f"paths.plots={tmp_path / 'plots'}",
        f"paths.reports={tmp_path / 'reports'}",
        "bench.peer_model=null",
    ]
    for stage in ("export", "benchmark", "report"):
        proc = subprocess.run(
            [sys.executable, str(ROOT / "stages" / f"{stage}.py"), *overrides],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            timeout=300,
        )
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert proc.stdout.strip().splitlines()[-1].startswith(f"{stage}")
    assert sorted(p.name for p in (tmp_path / "exported").iterdir()) == [
        f"{m}.{p}.tflite" for m in ("teacher", "tiny") for p in ("fp16", "fp32", "int8")
    ]
    for path in (
        "metrics/export.json",
        "metrics/benchmark.json",
        "reports/results.md",
        "plots/latency_vs_iou.json",
        "plots/latency_vs_iou.png",
        "plots/segmentation_grid.png",
    ):
        assert (tmp_path / path).is_file(), path
    record = read_json(tmp_path / "metrics" / "benchmark.json")
    assert record["peer"]["available"] is False and record["runs"] == 3


def test_runner_errors_are_one_line(tiny: dict[str, Path], tmp_path: Path) -> None:
    with pytest.raises(FootsegError, match=r"unknown interpreter 'onnx'"):
        TFLiteModel(tiny["exported"] / "tiny.fp32.tflite", interpreter="onnx")
    with pytest.raises(FootsegError, match=r"absent\.tflite: model file not found"):
        TFLiteModel(tmp_path / "absent.tflite")
    model = TFLiteModel(tiny["exported"] / "tiny.int8.tflite")
    with pytest.raises(FootsegError, match=r"image size \(32, 32\) differs from the model's input \(64, 64\)"):
        model.set_input(np.zeros((32, 32, 3), np.uint8))
