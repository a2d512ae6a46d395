"""End to end: `dvc repro` of the whole pipeline on the smoke profile, in a copy of the repository.

The one slow test (a couple of minutes on 2 cores). It runs what a user runs: dvc repro, dvc repro
again (nothing but the always-changed benchmark and the report of its timings re-run), then `dvc exp run -S ...` and
`dvc metrics diff` showing the change.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FIND_DIR, ROOT

pytestmark = pytest.mark.e2e

# The copy has no ../shared beside it: point feet.model_dir at the real one.
SMOKE_OVERRIDES = ["profile=smoke", f"feet.model_dir={FIND_DIR}"]

GIT_ENV = {
    "GIT_AUTHOR_NAME": "footseg test",
    "GIT_AUTHOR_EMAIL": "test@footseg.invalid",
    "GIT_COMMITTER_NAME": "footseg test",
    "GIT_COMMITTER_EMAIL": "test@footseg.invalid",
}


def run(cmd: list[str], cwd: Path) -> str:
    # PYTHONPATH: the stages must import the copy's footseg, not the editable install's.
    env = {**os.environ, **GIT_ENV, "DVC_NO_ANALYTICS": "1", "PYTHONPATH": str(cwd)}
    result = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    assert result.returncode == 0, f"{' '.join(cmd)} failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    return result.stdout


def copy_repository(dest: Path) -> None:
    """Copy what a clone would hold: tracked files plus new files git does not ignore."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\0")
    for rel in filter(None, listed):
        src = ROOT / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)


@pytest.fixture(scope="module")
def smoke_repo(tmp_path_factory) -> Path:
    if not (FIND_DIR / "model.onnx").exists():
        pytest.skip("the FIND foot model (../shared/assets/find-foot-model) is not beside the repository")
    repo = tmp_path_factory.mktemp("e2e") / "footseg"
    repo.mkdir()
    copy_repository(repo)
    overrides = SMOKE_OVERRIDES
    run([sys.executable, "scripts/compose_params.py", *overrides], repo)
    run(["git", "init", "-q"], repo)
    run(["git", "add", "-A"], repo)
    run(["git", "commit", "-qm", "smoke"], repo)
    run(["dvc", "repro"], repo)
    # What a user commits after a run: dvc.lock and the small metrics/plots files (data is DVC's).
    run(["git", "add", "-A"], repo)
    run(["git", "commit", "-qm", "smoke results"], repo)
    return repo


def test_repro_builds_every_output(smoke_repo: Path):
    split = json.loads((smoke_repo / "metrics" / "split.json").read_text())
    assert split["counts"]["train"] > 0 and split["counts"]["test"] > 0
    assert (smoke_repo / "plots" / "contact_sheet.png").stat().st_size > 0
    assert (smoke_repo / "data" / "composites" / "images.npy").exists()


def test_second_repro_is_a_no_op(smoke_repo: Path):
    out = run(["dvc", "repro"], smoke_repo)
    ran = [line for line in out.splitlines() if line.startswith("Running stage")]
    # Only stages marked always_changed (the benchmark's timings) may run again, and the report
    # drawn from the new timings.
    assert all("benchmark" in line or "'report'" in line for line in ran), out
    status = run(["dvc", "status"], smoke_repo)
    assert "changed" not in status.replace("always changed", ""), status


def test_exp_run_changes_data_and_students_and_metrics_diff_shows_it(smoke_repo: Path):
    # dvc exp run recomposes params.yaml from conf/ with these overrides (DVC's Hydra mode).
    sets = [f"-S{o}" for o in SMOKE_OVERRIDES] + ["-Scomposite.count=50", "-Sloss=iou"]
    run(["dvc", "exp", "run", *sets], smoke_repo)
    diff = json.loads(run(["dvc", "metrics", "diff", "--json"], smoke_repo))
    split = diff["metrics/split.json"]
    assert split["total"]["old"] == 60 and split["total"]["new"] == 50
    # Only changed metrics are listed: a retrained student's test IoU must be among them.
    student = diff["metrics/students/nanoseg.json"]
    assert "test.iou" in student, student
