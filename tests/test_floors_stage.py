"""stages/scrape_floors.py as DVC runs it: summary line, one-line errors, nothing half-written."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
from PIL import Image

from conftest import ROOT

HYDRA = ["hydra.run.dir=.", "hydra.output_subdir=null", "hydra/job_logging=stdout"]  # as dvc.yaml runs it


def run_stage(*overrides: str, cwd) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "stages" / "scrape_floors.py"), "profile=smoke", *HYDRA, *overrides],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )


def test_stage_writes_floors_and_one_summary_line(tmp_path):
    out = tmp_path / "data" / "floors"
    plots = tmp_path / "plots"
    result = run_stage(f"paths.floors={out}", f"paths.plots={plots}", "floors.count=3", "floors.size=64", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines() == [f"scrape-floors: 3 floors (source=procedural) -> {out}"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert len(manifest["floors"]) == 3 and len(list((out / "images").iterdir())) == 3
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".floors.tmp")]
    with Image.open(plots / "floors_sheet.png") as sheet:  # 3 labelled thumbnails in one row
        assert sheet.size[1] > 100 and np.asarray(sheet).std() > 5


def test_bad_values_fail_in_one_line_and_write_nothing(tmp_path):
    out = tmp_path / "floors"
    for overrides, expected in [
        (["floors.count=-3"], "error: floors.count must be a positive integer, got -3"),
        (["floors=local", f"floors.local.dir={tmp_path / 'missing'}"], "error: floors.local.dir:"),
    ]:
        result = run_stage(f"paths.floors={out}", f"paths.plots={tmp_path / 'plots'}", *overrides, cwd=tmp_path)
        assert result.returncode == 2
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(expected), result.stderr
        assert not out.exists() and list(tmp_path.iterdir()) == []
