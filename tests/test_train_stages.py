"""The train-teacher and distill-students stages: config checks name the key, and both stages run
end to end on a tiny dataset (smoke profile, tiny budgets)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from omegaconf import OmegaConf

from conftest import ROOT, compose_config
from footseg.errors import FootsegError
from footseg.train.config import check_loss, check_search, check_student, check_teacher, check_train
from tiny_data import make_tiny_dataset

# As dvc.yaml runs them: no outputs/ folder, logs to stdout (so no <stage>.log lands in the cwd).
HYDRA = ["hydra.run.dir=.", "hydra.output_subdir=null", "hydra/job_logging=stdout"]


def groups(*overrides: str) -> dict:
    return OmegaConf.to_container(compose_config(*overrides), resolve=True)


@pytest.mark.parametrize(
    ("override", "check", "key"),
    [
        ("teacher.lr=-0.1", "teacher", "teacher.lr"),
        ("teacher.lr=0", "teacher", "teacher.lr"),
        ("teacher.arch=resnet", "teacher", "teacher.arch"),
        ("teacher.dropout=1.0", "teacher", "teacher.dropout"),
        ("+student.images.unet=100", "student", "student.images"),
        ("student.images.nanoseg=0", "student", "student.images.nanoseg"),
        ("teacher.images=0", "teacher", "teacher.images"),
        ("student.temperature=0", "student", "student.temperature"),
        ("student.lam=-1", "student", "student.lam"),
        ("student.dropout=-0.1", "student", "student.dropout"),
        ("student.lr=-1e-3", "student", "student.lr"),
        ("search.algo=anneal", "search", "search.algo"),
        ("search.backend=ray", "search", "search.backend"),
        ("train.images=0", "train", "train.images"),
        ("train.phases=[{size:100,share:1.0,batch:2}]", "train", r"train.phases\[0\].size"),
        ("train.phases=[{size:64,share:0.5,batch:2}]", "train", "train.phases"),
        ("+train.augment.hue_deg=-1", "train", "train.augment.hue_deg"),
        ("train.workers=0", "train", "train.workers"),
        ("search.max_soft_weight=-1", "search", "search.max_soft_weight"),
        ("search.images=0", "search", "search.images"),
        ("train.bn_momentum=1.5", "train", "train.bn_momentum"),
    ],
)
def test_out_of_range_values_name_the_key(override, check, key):
    cfg = groups(override)
    checks = {
        "teacher": lambda: check_teacher(cfg["teacher"]),
        "student": lambda: check_student(cfg["student"], cfg["students"]),
        "search": lambda: check_search(cfg["search"]),
        "train": lambda: check_train(cfg["train"]),
    }
    with pytest.raises(FootsegError, match=key if "\\" in key else key.replace(".", r"\.")):
        checks[check]()


def test_defaults_pass_and_loss_is_checked():
    cfg = groups()
    check_train(cfg["train"])
    check_teacher(cfg["teacher"])
    check_student(cfg["student"], cfg["students"])
    check_search(cfg["search"])
    check_loss(cfg["loss"], cfg["search"]["trials"])
    with pytest.raises(FootsegError, match="loss"):
        check_loss("dice", 1)
    with pytest.raises(FootsegError, match="search.trials"):
        check_loss("search", 0)


def run_stage(script: str, *overrides: str, cwd=ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "stages" / script), "profile=smoke", *HYDRA, *overrides],
        capture_output=True,
        text=True,
        cwd=cwd,
    )


def test_stage_exits_2_with_one_line_before_any_work(tmp_path):
    result = run_stage("distill_students.py", "student.lam=-2", f"paths.models={tmp_path}/models")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith("error: student.lam")
    assert not (tmp_path / "models").exists()


def test_teacher_then_student_end_to_end(tmp_path):
    make_tiny_dataset(tmp_path / "data", n=12, size=64, seed=0)
    paths = [
        f"paths.composites={tmp_path}/data/composites",
        f"paths.split={tmp_path}/data/split",
        f"paths.models={tmp_path}/models",
        f"paths.metrics={tmp_path}/metrics",
        f"paths.plots={tmp_path}/plots",
    ]
    budget = ["train.images=4", "train.phases=[{size:64,share:1.0,batch:2}]", "train.evals=1", "teacher.images=4"]
    teacher = run_stage("train_teacher.py", *paths, *budget, cwd=tmp_path)
    assert teacher.returncode == 0, teacher.stderr[-2000:]
    assert teacher.stdout.strip().startswith("train-teacher:") and len(teacher.stdout.strip().splitlines()) == 1
    metrics = json.loads((tmp_path / "metrics" / "teacher.json").read_text())
    assert set(metrics["val"]) == {"accuracy", "iou", "miou"} and "test" in metrics
    assert (tmp_path / "plots" / "teacher" / "val_iou.tsv").is_file()

    student = run_stage(
        "distill_students.py",
        *paths,
        *budget,
        "students=[nanoseg,fastlinknet]",
        "loss=distillation",
        "search.trials=1",
        "search.images=2",
        "search.evals=1",
        cwd=tmp_path,
    )
    assert student.returncode == 0, student.stderr[-2000:]
    lines = student.stdout.strip().splitlines()
    assert [line.split()[1] for line in lines] == ["nanoseg", "fastlinknet"]  # both trained, by two workers
    record = json.loads((tmp_path / "metrics" / "students" / "nanoseg.json").read_text())
    assert record["loss"] == "distillation" and {"temperature", "lam", "lr", "dropout"} <= set(record["params"])
    search = tmp_path / "models" / "students" / "nanoseg.search"
    assert len(json.loads((search / "trials.json").read_text())["trials"]) == 1
    assert json.loads((search / "best_params.json").read_text())["loss"] == "distillation"
    assert (tmp_path / "models" / "students" / "nanoseg.keras").is_file()
