"""footseg.deploy.export: real conversions of a tiny trained net, each file run by a real interpreter."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import ROOT
from footseg.deploy.export import export_model, validate_export_config
from footseg.deploy.interpreter import TFLiteModel
from footseg.errors import FootsegError
from footseg.io import read_json
from tflite_helpers import SMOKE_EXPORT, exported_tiny, trained_tiny
from tiny_data import load_tiny_split


@pytest.fixture(scope="module")
def tiny_export(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return exported_tiny(tmp_path_factory.mktemp("export"))


def test_every_model_and_precision_is_written_and_scored(tiny_export: dict[str, Path]) -> None:
    names = sorted(p.name for p in tiny_export["exported"].iterdir())
    assert names == [f"{m}.{p}.tflite" for m in ("teacher", "tiny") for p in ("fp16", "fp32", "int8")]
    report = read_json(tiny_export["export_json"])
    assert report["eval_samples"] == 4 and report["eval_seed"] == 0 and report["interpreter"] == "tflite"
    record = report["models"]["teacher"]
    assert record["flops"] > 0 and record["params"] > 0 and record["input_size"] == 64
    keras_iou = record["keras"]["test"]["iou"]
    assert keras_iou > 0.5  # the tiny net learned something, so the comparison below means something
    # fp32 and fp16 run the same graph: their IoU matches the Keras model's.
    for precision in ("fp32", "fp16"):
        assert record["exported"][precision]["test"]["iou"] == pytest.approx(keras_iou, abs=2e-3)
    int8 = record["exported"]["int8"]
    assert int8["calibration_samples"] == 8
    assert int8["iou_drop"] == pytest.approx(keras_iou - int8["test"]["iou"], abs=1e-6)
    assert int8["iou_drop_exceeded"] == (int8["iou_drop"] > 0.005)
    assert report["int8_over_limit"] == sorted(
        n for n, r in report["models"].items() if r["exported"]["int8"]["iou_drop_exceeded"]
    )


def test_int8_file_takes_and_gives_uint8(tiny_export: dict[str, Path]) -> None:
    int8 = TFLiteModel(tiny_export["exported"] / "teacher.int8.tflite")
    assert int8.input_dtype == np.uint8 and int8.output_dtype == np.uint8
    assert int8.num_outputs == 2
    fp32 = TFLiteModel(tiny_export["exported"] / "teacher.fp32.tflite")
    assert fp32.input_dtype == np.float32
    # fp16 stores half the weight bytes (the tiny net's file is mostly header, so just smaller).
    sizes = {p: (tiny_export["exported"] / f"teacher.{p}.tflite").stat().st_size for p in ("fp32", "fp16", "int8")}
    assert sizes["int8"] < sizes["fp16"] < sizes["fp32"]


def test_bad_calibration_is_flagged_loudly_and_recalibration_fixes_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model, composites, split = trained_tiny(tmp_path)
    train, _ = load_tiny_split(composites, split, "train")
    test_images, test_masks = load_tiny_split(composites, split, "test")
    black = np.zeros_like(train[:4])  # activation ranges calibrated on black frames: int8 breaks
    common = dict(precisions=["int8"], test_images=test_images, test_masks=test_masks, max_int8_iou_drop=0.005)
    out = tmp_path / "out"
    out.mkdir()
    broken = export_model(model, "m", out, representative=black, int8_fix="none", **common)["exported"]["int8"]
    assert broken["iou_drop_exceeded"] and "fix" not in broken
    assert "WARNING: m.int8.tflite loses" in capsys.readouterr().err
    fixed = export_model(
        model, "m", out, representative=black, int8_fix="recalibrate", recalibration_images=train, **common
    )
    entry = fixed["exported"]["int8"]
    assert entry["fix"]["method"] == "recalibrate" and entry["fix"]["calibration_samples"] == len(train)
    assert entry["fix"]["iou_after"] > entry["fix"]["iou_before"]
    assert entry["test"]["iou"] == entry["fix"]["iou_after"] and entry["calibration_samples"] == len(train)
    assert sorted(p.name for p in out.iterdir()) == ["m.int8.tflite"]  # no .retry left behind


@pytest.mark.parametrize(
    ("override", "key"),
    [
        ({"precisions": ["fp32", "bf16"]}, "export.precisions"),
        ({"precisions": []}, "export.precisions"),
        ({"eval_samples": 0}, "export.eval_samples"),
        ({"workers": 0}, "export.workers"),
        ({"calibration_samples": -3}, "export.calibration_samples"),
        ({"max_int8_iou_drop": 2}, "export.max_int8_iou_drop"),
        ({"int8_fix": "magic"}, "export.int8_fix"),
        ({"interpreter": "onnx"}, "export.interpreter"),
        ({"qat": True}, "export.qat"),
    ],
)
def test_config_errors_name_the_key(override: dict, key: str) -> None:
    with pytest.raises(FootsegError, match=key.replace(".", r"\.")):
        validate_export_config({**SMOKE_EXPORT, **override})


def test_smoke_profile_config_is_valid(smoke_cfg) -> None:
    from omegaconf import OmegaConf

    validate_export_config(OmegaConf.to_container(smoke_cfg.export, resolve=True))


def test_stage_reports_a_bad_value_in_one_line(tmp_path: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "stages" / "export.py"),
            "profile=smoke",
            "export.eval_samples=-1",
            "hydra.run.dir=.",
            "hydra.output_subdir=null",
            f"paths.exported={tmp_path / 'exported'}",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[-1] == "error: export.eval_samples must be a positive integer, got -1"
    assert not (tmp_path / "exported").exists()


def test_missing_model_names_the_file(tmp_path: Path) -> None:
    from footseg.deploy.export import export_all, model_paths

    with pytest.raises(FootsegError, match=r"teacher\.keras: model file not found"):
        export_all(
            model_paths(tmp_path / "models", []),
            composites_dir=tmp_path,
            split_dir=tmp_path,
            exported_dir=tmp_path / "exported",
            metrics_path=tmp_path / "export.json",
            export_cfg=SMOKE_EXPORT,
            seed=0,
        )
    assert not (tmp_path / "exported").exists()


def test_same_model_same_bytes(tmp_path: Path) -> None:
    from footseg.deploy.export import convert
    from tflite_helpers import tiny_segmenter

    model = tiny_segmenter(32)
    rep = np.random.default_rng(0).integers(0, 256, (3, 32, 32, 3), dtype=np.uint8)
    for precision in ("fp32", "fp16", "int8"):
        assert convert(model, precision, rep) == convert(model, precision, rep)


def test_side_by_side_export_writes_the_same_files(tiny_export: dict[str, Path], tmp_path: Path) -> None:
    """export.workers: 2 exports in two spawned processes; files and records match the in-process run."""
    from footseg.deploy.export import export_all, model_paths

    export_all(
        model_paths(tiny_export["models"], ["tiny"]),
        composites_dir=tiny_export["composites"],
        split_dir=tiny_export["split"],
        exported_dir=tmp_path / "exported",
        metrics_path=tmp_path / "export.json",
        export_cfg={**SMOKE_EXPORT, "workers": 2},
        seed=0,
        progress=False,
    )
    assert read_json(tmp_path / "export.json") == read_json(tiny_export["export_json"])
    for path in tiny_export["exported"].iterdir():
        assert (tmp_path / "exported" / path.name).read_bytes() == path.read_bytes(), path.name
