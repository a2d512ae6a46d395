"""Fault injection: every stage and `footseg predict` given bad input, or killed mid-run.

Each row of TABLE is one bad input or fault (docs/faults.md lists the same rows). A row either
fails with exit code 2 and exactly one ``error:`` line naming the file or key, or (``skip``) the
stage skips the bad items, counts them in its summary line and exits 0. Always: no traceback, and
nothing partial at the stage's output paths (no output, no ``.<out>.tmp-*`` temporary).
KILLS SIGKILLs each stage mid-write (tests/kill_at.py): the outputs stay as they were, and the
next run of the stage removes the temporary the dead one left.

Stages run as subprocesses on the smoke profile with tiny data made here (64-px composites, one
training step); config rows fail before TensorFlow is imported (asserted: stderr is one line).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pytest
from PIL import Image

from conftest import ROOT
from floors_server import FloorServer
from footseg.stage import stale_temporaries

HYDRA = ["profile=smoke", "hydra.run.dir=.", "hydra.output_subdir=null", "hydra/job_logging=stdout"]
KILLER = ROOT / "tests" / "kill_at.py"
TINY_FEET = {
    "feet": "procedural",
    "feet.persons": "3",
    "feet.views": "1",
    "feet.size": "64",
    "composite.count": "6",
    "composite.pools": "3",
    "composite.size": "64",
    "composite.workers": "1",
}
TINY_TRAIN = {
    "train.images": "2",
    "train.phases": "[{size:64,share:1.0,batch:2}]",
    "train.evals": "1",
    "train.eval_batch": "4",
    "train.eval_limit": "2",
    "train.workers": "1",
    "teacher.images": "2",
    "loss": "ce",
    "search.trials": "0",
    "students": "[nanoseg]",
}
TINY_EXPORT = {"export.precisions": "[fp32]", "export.eval_samples": "2", "export.calibration_samples": "2"}
TINY_BENCH = {
    "bench.peer_model": "null",
    "bench.runs": "1",
    "bench.warmup": "0",
    "bench.grid_images": "1",
    "bench.grid_precision": "fp32",
}


def run(argv: list[str], cwd: Path, kill: str | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "tests")])}
    prefix = [sys.executable, str(KILLER), kill] if kill else [sys.executable]
    if kill and argv[:2] == ["-m", "footseg.cli"]:
        argv = ["footseg", *argv[2:]]  # kill_at.py runs the CLI in-process under that name
    return subprocess.run([*prefix, *argv], capture_output=True, text=True, cwd=cwd, timeout=timeout, env=env)


def stage_argv(script: str, overrides: dict[str, str]) -> list[str]:
    return [str(ROOT / "stages" / f"{script}.py"), *HYDRA, *(f"{k}={v}" for k, v in overrides.items())]


def predict_argv(*args: object) -> list[str]:
    return ["-m", "footseg.cli", "predict", *map(str, args)] if args else []


class Ctx:
    """One row's world: its own output folder ``tmp`` and the shared tiny pipeline ``base``."""

    def __init__(self, tmp: Path, base: Callable[[], dict[str, Path]]) -> None:
        self.tmp, self._base = tmp, base

    @property
    def base(self) -> dict[str, Path]:
        return self._base()

    def outputs(self, script: str) -> tuple[dict[str, str], list[Path]]:
        """The stage's output paths under ``tmp`` (as overrides) and its inputs from ``base``."""
        t = self.tmp
        if script == "scrape_floors":
            return {"paths.floors": f"{t}/floors", "paths.plots": f"{t}/plots"}, [
                t / "floors",
                t / "plots/floors_sheet.png",
            ]
        if script == "composite_feet":
            return (
                {
                    "paths.floors": str(self.base["floors"]),
                    "paths.composites": f"{t}/composites",
                    "paths.plots": f"{t}/plots",
                    **TINY_FEET,
                },
                [t / "composites", t / "plots/contact_sheet.png"],
            )
        if script == "split":
            return (
                {
                    "paths.composites": str(self.base["composites"]),
                    "paths.split": f"{t}/split",
                    "paths.metrics": f"{t}/metrics",
                },
                [t / "split", t / "metrics/split.json"],
            )
        data = {"paths.composites": str(self.base["composites"]), "paths.split": str(self.base["split"])}
        if script == "train_teacher":
            return (
                {
                    **data,
                    "paths.models": f"{t}/models",
                    "paths.metrics": f"{t}/metrics",
                    "paths.plots": f"{t}/plots",
                    **TINY_TRAIN,
                },
                [t / "models/teacher.keras", t / "metrics/teacher.json", t / "plots/teacher"],
            )
        if script == "distill_students":
            if not (t / "models/teacher.keras").exists():
                copy(self.base["models"] / "teacher.keras", t / "models/teacher.keras")
            return (
                {
                    **data,
                    "paths.models": f"{t}/models",
                    "paths.metrics": f"{t}/metrics",
                    "paths.plots": f"{t}/plots",
                    **TINY_TRAIN,
                },
                [t / "models/students", t / "metrics/students", t / "plots/students"],
            )
        if script == "export":
            return (
                {
                    **data,
                    "paths.models": str(self.base["models"]),
                    "paths.exported": f"{t}/exported",
                    "paths.metrics": f"{t}/metrics",
                    **TINY_TRAIN,
                    **TINY_EXPORT,
                },
                [t / "exported", t / "metrics/export.json"],
            )
        if script == "benchmark":
            if not (t / "metrics/export.json").exists():
                copy(self.base["metrics"] / "export.json", t / "metrics/export.json")
            return (
                {
                    **data,
                    "paths.exported": str(self.base["exported"]),
                    "paths.metrics": f"{t}/metrics",
                    "paths.reports": f"{t}/reports",
                    "paths.plots": f"{t}/plots",
                    **TINY_TRAIN,
                    **TINY_BENCH,
                },
                [t / "metrics/benchmark.json", t / "plots/segmentation_grid.png"],
            )
        if script == "report":
            return (
                {"paths.metrics": f"{t}/metrics", "paths.reports": f"{t}/reports", "paths.plots": f"{t}/plots"},
                [t / "reports/results.md", t / "plots/latency_vs_iou.json", t / "plots/latency_vs_iou.png"],
            )
        raise ValueError(script)


def copy(src: Path, dst: Path) -> Path:
    dst.parent.mkdir(parents=True, exist_ok=True)
    (shutil.copytree if src.is_dir() else shutil.copyfile)(src, dst)
    return dst


def text_file(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def truncate(path: Path, size: int | float) -> Path:
    data = path.read_bytes()
    path.write_bytes(data[: size if isinstance(size, int) else int(len(data) * size)])  # bytes, or a fraction
    return path


def image(path: Path, w: int = 96, h: int = 80, seed: int = 0) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    Image.fromarray(rng.integers(0, 255, (h, w, 3), dtype=np.uint8)).save(path)
    return path


def manifest(path: Path, pools: list[int]) -> Path:
    records = [
        {"index": i, "foot_ids": [f"f{i}"], "person_id": f"p{i}", "floor_id": f"fl{i}", "pool": p}
        for i, p in enumerate(pools)
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"composites": records}))
    return path.parent


# ---------------------------------------------------------------------------------------------
# The table. ``make(ctx)`` prepares bad input under ctx.tmp and returns the row's overrides (a
# stage) or argv (predict); ``needle`` must appear in the one error line (or, for ``skip`` rows,
# in the summary line on stdout). ``before_tf``: the error comes before TensorFlow is imported,
# so stderr is that one line and nothing else.


@dataclass
class Row:
    id: str
    script: str  # a stage script, or "predict"
    make: Callable[[Ctx], object]
    needle: str
    skip: bool = False
    before_tf: bool = True
    needs: tuple[str, ...] = field(default_factory=tuple)  # fixtures it uses ("base" is also fetched on first use)


def local_dir(ctx: Ctx, *, good: int, corrupt: bool = True, tiny: bool = True) -> dict[str, str]:
    src = ctx.tmp / "photos"
    for i in range(good):
        image(src / f"good{i}.jpg", seed=i)
    if corrupt:
        (src / "broken.jpg").parent.mkdir(parents=True, exist_ok=True)
        (src / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 cut short")
    if tiny:
        image(src / "thumb.png", 4, 4)
    return {"floors": "local", "floors.local.dir": str(src), "floors.size": "64", "floors.count": "5"}


def drip_urls(ctx: Ctx, *, good: bool) -> dict[str, str]:
    server = ctx.server
    urls = ([server.url("/img/a.jpg")] if good else []) + [server.url("/drip.jpg")]
    return {
        "floors": "urls",
        "floors.urls.list": "[" + ",".join(f"'{u}'" for u in urls) + "]",
        "floors.size": "64",
        "floors.download.read_timeout_s": "1",
        "floors.download.deadline_s": "1.5",
        "floors.download.retries": "0",
        "floors.download.cache_dir": str(ctx.tmp / "cache"),
    }


def tflite_copy(ctx: Ctx, size: int | float) -> Path:
    return truncate(copy(ctx.base["exported"] / "nanoseg.fp32.tflite", ctx.tmp / "model.tflite"), size)


def predict_folder(ctx: Ctx, *names: str) -> Path:
    for i, name in enumerate(names):
        image(ctx.tmp / "in" / name, 48, 40, seed=i)
    return ctx.tmp / "in"


TABLE = [
    # scrape-floors
    Row("floors-seed-abc", "scrape_floors", lambda c: {"seed": "abc"}, "seed must be an integer"),
    Row("floors-seed-negative", "scrape_floors", lambda c: {"seed": "-1"}, "seed must be an integer"),
    Row("floors-seed-float", "scrape_floors", lambda c: {"seed": "42.7"}, "got 42.7"),
    Row("floors-count-negative", "scrape_floors", lambda c: {"floors.count": "-3"}, "floors.count"),
    Row("floors-size-huge", "scrape_floors", lambda c: {"floors.size": "100000"}, "floors.size"),
    Row("floors-unknown-source", "scrape_floors", lambda c: {"floors.source": "ftp"}, "floors.source"),
    Row(
        "floors-local-missing-dir",
        "scrape_floors",
        lambda c: {"floors": "local", "floors.local.dir": str(c.tmp / "nowhere")},
        "floors.local.dir",
    ),
    Row("floors-local-no-dir-given", "scrape_floors", lambda c: {"floors": "local"}, "floors.local.dir"),
    Row("floors-local-only-bad-files", "scrape_floors", lambda c: local_dir(c, good=0), "only 0 usable floor images"),
    Row(
        "floors-local-bad-among-good",
        "scrape_floors",
        lambda c: local_dir(c, good=2),
        "skipped 2 (bad-image 1, too-small 1)",
        skip=True,
    ),
    Row(
        "floors-urls-missing-file",
        "scrape_floors",
        lambda c: {"floors": "urls", "floors.urls.file": str(c.tmp / "absent.txt")},
        "floors.urls.file",
    ),
    Row(
        "floors-download-deadline-zero",
        "scrape_floors",
        lambda c: {
            "floors": "urls",
            "floors.urls.list": "['http://127.0.0.1:9/a.jpg']",
            "floors.download.deadline_s": "0",
        },
        "floors.download.deadline_s",
    ),
    Row(
        "floors-urls-dripping-server",
        "scrape_floors",
        lambda c: drip_urls(c, good=True),
        "deadline 1",
        skip=True,
        needs=("server",),
    ),
    Row(
        "floors-urls-only-dripping",
        "scrape_floors",
        lambda c: drip_urls(c, good=False),
        "only 0 usable floor images",
        needs=("server",),
    ),
    # composite-feet
    Row("composite-seed-abc", "composite_feet", lambda c: {"seed": "abc"}, "seed must be an integer"),
    Row("composite-seed-float", "composite_feet", lambda c: {"seed": "42.7"}, "got 42.7"),
    Row(
        "composite-missing-floors", "composite_feet", lambda c: {"paths.floors": str(c.tmp / "no-floors")}, "no-floors"
    ),
    Row(
        "composite-corrupt-floors-manifest",
        "composite_feet",
        lambda c: {
            "paths.floors": str(corrupt_json(copy(c.base["floors"], c.tmp / "floors-in") / "manifest.json").parent)
        },
        "manifest.json",
    ),
    Row(
        "composite-scans-missing-dir",
        "composite_feet",
        lambda c: {"feet": "scans", "composite.scene": "classic", "feet.dir": str(c.tmp / "no-scans")},
        "no-scans",
    ),
    # split
    Row("split-missing-manifest", "split", lambda c: {"paths.composites": str(c.tmp / "none")}, "manifest.json"),
    Row(
        "split-corrupt-manifest",
        "split",
        lambda c: {"paths.composites": str(corrupt_json(c.tmp / "in" / "manifest.json").parent)},
        "not valid JSON",
    ),
    Row(
        "split-one-pool-empty-val",
        "split",
        lambda c: {"paths.composites": str(manifest(c.tmp / "in" / "manifest.json", [0] * 6))},
        "split val would be empty",
    ),
    Row("split-ratios-bad", "split", lambda c: {"split.ratios.train": "2"}, "split.ratios"),
    # train-teacher: config errors before TensorFlow
    Row("teacher-arch-unknown", "train_teacher", lambda c: {"teacher.arch": "resnet"}, "teacher.arch"),
    Row("teacher-lr-negative", "train_teacher", lambda c: {"teacher.lr": "-0.1"}, "teacher.lr"),
    Row("teacher-seed-abc", "train_teacher", lambda c: {"seed": "abc"}, "seed must be an integer"),
    # distill-students
    Row("student-name-unknown", "distill_students", lambda c: {"students": "[unet]"}, "students[0]"),
    Row("student-loss-unknown", "distill_students", lambda c: {"loss": "dice"}, "loss must be one of"),
    Row("student-lr-zero", "distill_students", lambda c: {"student.lr": "0"}, "student.lr"),
    Row(
        "student-truncated-teacher",
        "distill_students",
        lambda c: (
            truncate(copy(c.base["models"] / "teacher.keras", c.tmp / "models/teacher.keras"), 0.5),
            {"loss": "distillation"},
        )[1],
        "not a complete .keras file",
        before_tf=False,
        needs=("base",),
    ),
    # export
    Row("export-precision-unknown", "export", lambda c: {"export.precisions": "[fp8]"}, "export.precisions"),
    Row(
        "export-truncated-teacher",
        "export",
        lambda c: {"paths.models": str(truncated_models(c))},
        "teacher.keras: not a complete .keras file",
        before_tf=False,
        needs=("base",),
    ),
    # benchmark
    Row("bench-interpreter-unknown", "benchmark", lambda c: {"bench.interpreters": "[onnx]"}, "bench.interpreters"),
    Row(
        "bench-truncated-tflite",
        "benchmark",
        lambda c: {"paths.exported": str(truncated_exported(c))},
        "nanoseg.fp32.tflite: not a valid .tflite model",
        before_tf=False,
        needs=("base",),
    ),
    # report
    Row("report-benchmark-missing", "report", lambda c: {}, "metrics/benchmark.json: file not found"),
    Row(
        "report-not-a-benchmark-record",
        "report",
        lambda c: (text_file(c.tmp / "metrics/benchmark.json", "[]"), {})[1],
        "benchmark.json: not a benchmark record",
    ),
    # footseg predict
    Row(
        "predict-tflite-1000-bytes",
        "predict",
        lambda c: [tflite_copy(c, 1000), image(c.tmp / "a.jpg")],
        "model.tflite: not a valid .tflite model",
        needs=("base",),
    ),
    Row(
        "predict-tflite-half",
        "predict",
        lambda c: [tflite_copy(c, 0.5), image(c.tmp / "a.jpg")],
        "model.tflite: not a valid .tflite model",
        needs=("base",),
    ),
    Row(
        "predict-not-a-model",
        "predict",
        lambda c: [not_a_model(c.tmp / "m.tflite"), image(c.tmp / "a.jpg")],
        "m.tflite: not a valid .tflite model",
    ),
    Row(
        "predict-unreadable-among-good",
        "predict",
        lambda c: [tflite_copy(c, 1.0), broken(predict_folder(c, "a.jpg", "c.jpg") / "b.jpg").parent],
        "b.jpg: not an image or a video",
        needs=("base",),
    ),
    Row(
        "predict-missing-input",
        "predict",
        lambda c: [tflite_copy(c, 1.0), c.tmp / "nothing.jpg"],
        "nothing.jpg: no such file",
        needs=("base",),
    ),
    Row(
        "predict-threads-zero",
        "predict",
        lambda c: [tflite_copy(c, 1.0), image(c.tmp / "a.jpg"), "--threads", "0"],
        "--threads",
        needs=("base",),
    ),
    Row(
        "predict-same-stem-two-suffixes",
        "predict",
        lambda c: [tflite_copy(c, 1.0), predict_folder(c, "a.jpg", "a.png")],
        "predict: 2 frames",
        skip=True,
        needs=("base",),
    ),
]


def corrupt_json(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('{"composites": [', encoding="utf-8")
    return path


def not_a_model(path: Path) -> Path:
    path.write_bytes(b"not a flatbuffer at all, just text")
    return path


def broken(path: Path) -> Path:
    path.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    return path


def truncated_models(ctx: Ctx) -> Path:
    models = copy(ctx.base["models"], ctx.tmp / "models-in")
    truncate(models / "teacher.keras", 0.5)
    return models


def truncated_exported(ctx: Ctx) -> Path:
    exported = copy(ctx.base["exported"], ctx.tmp / "exported-in")
    truncate(exported / "nanoseg.fp32.tflite", 0.5)
    return exported


# ---------------------------------------------------------------------------------------------
# Shared tiny pipeline, built once per module by running the stages themselves.


class DripServer(FloorServer):
    """FloorServer plus /drip.jpg: one byte every 0.4 s, far below any read timeout."""

    def route(self, path, query, n):
        if path == "/drip.jpg":

            def drip(out) -> None:
                for byte in self.images["b"][:40]:
                    out.write(bytes([byte]))
                    out.flush()
                    time.sleep(0.4)

            return 200, {"Content-Type": "image/jpeg"}, drip
        return super().route(path, query, n)


@pytest.fixture(scope="module")
def server():
    with DripServer() as s:
        yield s


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """floors -> composites -> split -> teacher (and a copy as the student) -> export, tiny."""
    root = tmp_path_factory.mktemp("base")
    paths = {k: root / k for k in ("floors", "composites", "split", "models", "metrics", "plots", "exported")}
    common = {f"paths.{k}": str(v) for k, v in paths.items()}
    for script, extra in (
        ("scrape_floors", {"floors.count": "3", "floors.size": "64"}),
        ("composite_feet", TINY_FEET),
        ("split", {}),
        ("train_teacher", TINY_TRAIN),
    ):
        result = run(stage_argv(script, {**common, **extra}), cwd=root)
        assert result.returncode == 0, result.stderr[-3000:]
    # The exported student need not be trained for these tests: the teacher's weights stand in.
    copy(paths["models"] / "teacher.keras", paths["models"] / "students" / "nanoseg.keras")
    result = run(stage_argv("export", {**common, **TINY_TRAIN, **TINY_EXPORT}), cwd=root)
    assert result.returncode == 0, result.stderr[-3000:]
    return paths


def assert_one_error(result: subprocess.CompletedProcess, needle: str, before_tf: bool) -> str:
    text = result.stdout + result.stderr
    assert "Traceback" not in text, text[-3000:]
    errors = [line for line in result.stderr.splitlines() if "error:" in line]
    assert result.returncode == 2 and len(errors) == 1, (result.returncode, text[-3000:])
    assert errors[0].startswith("error: ") and needle in errors[0], errors[0]
    if before_tf:  # nothing but progress bars and the error line: TensorFlow (which logs on import) never loaded
        assert [line for line in result.stderr.strip().splitlines() if "%|" not in line and line.strip()] == errors, (
            result.stderr
        )
    return errors[0]


def assert_nothing_partial(outputs: list[Path]) -> None:
    assert [p for p in outputs if p.exists()] == [], "outputs written by a failed run"
    assert stale_temporaries(outputs) == [], "temporaries left behind"


@pytest.mark.parametrize("row", TABLE, ids=[row.id for row in TABLE])
def test_fault(row: Row, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    ctx = Ctx(tmp_path, lambda: request.getfixturevalue("base"))
    if "server" in row.needs:
        ctx.server = request.getfixturevalue("server")  # type: ignore[attr-defined]
    if row.script == "predict":
        args = row.make(ctx)
        out = tmp_path / "out"
        result = run(predict_argv(*args, "-o", out), cwd=tmp_path)
        outputs = [out]
    else:
        overrides, outputs = ctx.outputs(row.script)
        result = run(stage_argv(row.script, {**overrides, **row.make(ctx)}), cwd=tmp_path)
    if row.skip:
        assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr[-3000:]
        assert row.needle in result.stdout, result.stdout
        if row.script == "predict":  # both a.jpg and a.png got their own outputs
            assert sorted(p.name for p in out.iterdir()) == sorted(
                f"{n}.{kind}.png" for n in ("a.jpg", "a.png") for kind in ("mask", "overlay")
            )
        assert stale_temporaries(outputs) == []
        return
    assert_one_error(result, row.needle, row.before_tf)
    assert_nothing_partial(outputs)


# ---------------------------------------------------------------------------------------------
# SIGKILL mid-stage. ``event``: when to die (tests/kill_at.py); ``again``: overrides of the next
# run, which must remove the dead run's temporaries (a cheap failing run for the TensorFlow stages:
# the clean-up is the first thing a stage does, before its config checks).

KILLS = [
    ("scrape_floors", "replace", {"floors.count": "3", "floors.size": "64"}, None),
    ("composite_feet", "replace", {}, None),
    ("split", "replace", {}, None),
    ("train_teacher", "temp", {}, {"teacher.lr": "-1"}),
    ("distill_students", "temp", {}, {"student.lr": "-1"}),
    ("export", "temp", {}, {"export.precisions": "[fp8]"}),
    ("benchmark", "temp", {}, {"bench.interpreters": "[onnx]"}),
]


def kill_script(kill) -> str:
    return kill.values[0] if hasattr(kill, "marks") else kill[0]  # a pytest.param or a plain row


def fingerprint(paths: list[Path]) -> dict[str, str]:
    out = {}
    for path in paths:
        files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else []
        for f in files:
            out[str(f)] = hashlib.sha256(f.read_bytes()).hexdigest()
    return out


@pytest.mark.parametrize(("script", "event", "extra", "again"), KILLS, ids=[kill_script(k) for k in KILLS])
def test_kill_mid_stage(script: str, event: str, extra: dict, again: dict | None, tmp_path: Path, base) -> None:
    ctx = Ctx(tmp_path, lambda: base)
    overrides, outputs = ctx.outputs(script)
    # An earlier good output at the first path: a killed run must leave it exactly as it was.
    first = outputs[0]
    if first.suffix:
        first.parent.mkdir(parents=True, exist_ok=True)
        first.write_bytes(b"earlier run")
    else:
        first.mkdir(parents=True, exist_ok=True)
        (first / "EARLIER").write_text("earlier run")
    before = fingerprint(outputs)
    killed = run(stage_argv(script, {**overrides, **extra}), cwd=tmp_path, kill=event)
    assert killed.returncode == -9, killed.stderr[-3000:]
    assert fingerprint(outputs) == before  # nothing partial, nothing lost
    assert stale_temporaries(outputs), "the kill did not happen mid-write"
    result = run(stage_argv(script, {**overrides, **extra, **(again or {})}), cwd=tmp_path)
    assert result.returncode == (0 if again is None else 2), result.stderr[-3000:]
    assert stale_temporaries(outputs) == []
    if again is None:
        assert all(p.exists() for p in outputs) and fingerprint(outputs) != before


def test_kill_mid_predict(tmp_path: Path, base) -> None:
    ctx = Ctx(tmp_path, lambda: base)
    model, folder, out = tflite_copy(ctx, 1.0), predict_folder(ctx, "a.jpg", "b.jpg"), tmp_path / "out"
    out.mkdir()
    (out / "EARLIER").write_text("earlier run")
    killed = run(predict_argv(model, folder, "-o", out), cwd=tmp_path, kill="temp")
    assert killed.returncode == -9, killed.stderr[-3000:]
    assert sorted(p.name for p in out.iterdir()) == ["EARLIER"] and stale_temporaries([out])
    # The next predict into OUT removes it first thing, even one that then fails on its input.
    result = run(predict_argv(model, tmp_path / "absent", "-o", out), cwd=tmp_path)
    assert result.returncode == 2 and stale_temporaries([out]) == [], result.stderr[-3000:]
    assert sorted(p.name for p in out.iterdir()) == ["EARLIER"]


def test_config_modules_do_not_import_tensorflow() -> None:
    """What the stages import before their config checks stays free of TensorFlow and Keras."""
    code = (
        "import sys, footseg.train.config, footseg.stage, footseg.deploy.export, footseg.deploy.benchmark, footseg.deploy.predict;"
        "bad = [m for m in ('tensorflow', 'keras') if m in sys.modules]; print(bad); sys.exit(1 if bad else 0)"
    )
    result = run(["-c", code], cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_model_names_match_the_registry() -> None:
    from footseg.models import MODELS
    from footseg.train.config import MODEL_NAMES

    assert tuple(MODELS) == MODEL_NAMES


def test_table_is_large_enough() -> None:
    scripts = {row.script for row in TABLE} | {kill_script(k) for k in KILLS}
    assert len(TABLE) + len(KILLS) + 1 >= 30
    assert scripts == {
        "scrape_floors",
        "composite_feet",
        "split",
        "train_teacher",
        "distill_students",
        "export",
        "benchmark",
        "report",
        "predict",
    }


def test_every_truncation_of_a_tflite_is_refused(base, tmp_path: Path) -> None:
    """The structural check catches a file cut anywhere (the interpreter would crash on it)."""
    from footseg.deploy.interpreter import verify_tflite
    from footseg.errors import FootsegError

    data = (base["exported"] / "nanoseg.fp32.tflite").read_bytes()
    verify_tflite(base["exported"] / "nanoseg.fp32.tflite")
    cut = tmp_path / "cut.tflite"
    for size in sorted({*range(0, 64), *np.linspace(64, len(data) - 1, 200).astype(int)}):
        cut.write_bytes(data[:size])
        with pytest.raises(FootsegError, match="not a valid .tflite model"):
            verify_tflite(cut)


def test_seed_check_and_stale_temporaries(tmp_path: Path) -> None:
    from footseg.errors import FootsegError
    from footseg.stage import check_seed, remove_stale_temporaries

    assert check_seed(0) == 0 and check_seed(2**32 - 1) == 2**32 - 1
    for bad in ("42", 42.0, True, -1, 2**32, None):
        with pytest.raises(FootsegError, match="seed must be an integer"):
            check_seed(bad)
    (tmp_path / ".out.tmp-abc").mkdir()
    (tmp_path / ".out.json.tmp-def").write_text("x")
    (tmp_path / ".other.tmp-ghi").write_text("another output's: kept")
    removed = remove_stale_temporaries([tmp_path / "out", tmp_path / "out.json"])
    assert sorted(p.name for p in removed) == [".out.json.tmp-def", ".out.tmp-abc"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [".other.tmp-ghi"]
