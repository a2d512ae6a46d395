"""dvc.yaml's deps against the code: every file a stage's script imports is covered by its deps, so
`dvc status` calls a stage changed whenever code it runs changed; and no module imports itself
back. An AST walk (scripts/stage_deps.py): fast, nothing imported."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT

spec = importlib.util.spec_from_file_location("stage_deps", ROOT / "scripts" / "stage_deps.py")
stage_deps = importlib.util.module_from_spec(spec)
sys.modules["stage_deps"] = stage_deps
spec.loader.exec_module(stage_deps)

PIPELINE = [
    "scrape-floors",
    "composite-feet",
    "split",
    "train-teacher",
    "distill-students",
    "export",
    "benchmark",
    "report",
]


def stages_covering(path: str) -> set[str]:
    """The stages `dvc status` reports changed after an edit of ``path``."""
    return {name for name, (_, deps) in stage_deps.stages().items() if stage_deps.covered(path, deps)}


def test_the_pipeline_stages() -> None:
    assert list(stage_deps.stages()) == PIPELINE


def test_every_stage_depends_on_the_code_it_imports() -> None:
    assert stage_deps.uncovered() == {name: [] for name in PIPELINE}


def test_the_check_fails_on_a_missing_dep(tmp_path) -> None:
    (tmp_path / "stages").mkdir()
    (tmp_path / "footseg").mkdir()
    (tmp_path / "footseg" / "__init__.py").write_text("")
    (tmp_path / "footseg" / "a.py").write_text("def f():\n    from .b import g\n")  # a function-level import counts
    (tmp_path / "footseg" / "b.py").write_text("g = 1\n")
    (tmp_path / "stages" / "s.py").write_text("from footseg.a import f\n")
    (tmp_path / "dvc.yaml").write_text(
        "stages:\n  s:\n    cmd: python stages/s.py\n    deps:\n      - stages/s.py\n      - footseg/__init__.py\n      - footseg/a.py\n"
    )
    assert stage_deps.uncovered(tmp_path) == {"s": ["footseg/b.py"]}


def test_editing_the_loader_changes_training_export_and_benchmark() -> None:
    assert stages_covering("footseg/data/loader.py") == {"train-teacher", "distill-students", "export", "benchmark"}


def test_changing_the_report_layout_reruns_only_the_report() -> None:
    assert stages_covering("footseg/deploy/report.py") == {"report"}


def test_every_dep_exists() -> None:
    for name, (_, deps) in stage_deps.stages().items():
        for dep in deps:
            if "${" not in dep:
                assert (ROOT / dep).exists(), f"{name}: {dep}"


def test_no_import_cycles() -> None:
    files = sorted((ROOT / "footseg").rglob("*.py")) + sorted((ROOT / "stages").glob("*.py"))
    assert stage_deps.import_cycles(files) == []


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("footseg/data/loader.py", {"train-teacher", "distill-students", "export", "benchmark"}),
        ("footseg/deploy/report.py", {"report"}),
    ],
)
def test_dvc_status_reports_the_stages_an_edit_changes(path: str, expected: set[str], tmp_path) -> None:
    """The real `dvc status` on a copy of the tracked tree with ``path`` edited: the stages whose
    code deps it names as modified (data outputs are absent here, so only code deps are compared)."""
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for name in filter(None, files.decode().split("\0")):
        source = ROOT / name
        if source.is_file():
            (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, tmp_path / name)
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    with open(tmp_path / path, "a", encoding="utf-8") as handle:
        handle.write("\n# an edit\n")
    result = subprocess.run(
        [sys.executable, "-m", "dvc", "status", "--json"], cwd=tmp_path, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    changed = {
        stage
        for stage, entries in json.loads(result.stdout).items()
        for entry in entries
        if isinstance(entry, dict) and entry.get("changed deps", {}).get(path) == "modified"
    }
    assert changed == expected
