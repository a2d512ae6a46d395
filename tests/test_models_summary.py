"""`footseg models`: the table prints through the CLI, and bad names are one-line user errors."""

from __future__ import annotations

from footseg.cli import main
from footseg.models.summary import row_note


def test_models_command_prints_a_row_per_model(capsys):
    assert main(["models", "--names", "nanoseg", "--size", "64"]) == 0
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if line.startswith("| nanoseg ")]
    assert len(lines) == 1
    cells = [c.strip() for c in lines[0].strip("|").split("|")]
    assert 0 < float(cells[1]) <= 0.15  # params (M)
    assert 0 < float(cells[2]) < 0.1  # GFLOPs at 64x64
    assert float(cells[3]) > 0  # .keras MB


def test_unknown_model_name_is_a_user_error(capsys):
    assert main(["models", "--names", "resnet152"]) == 2
    assert "resnet152" in capsys.readouterr().err


def test_fastlinknet_over_budget_is_flagged():
    assert "OVER" in row_note("fastlinknet", 0.31, 256)
    assert row_note("fastlinknet", 0.29, 256) == ""
    assert "OVER" in row_note("fastlinknet", 0.1, 128)  # the budget scales with the pixel count
    assert "OVER" not in row_note("linknet", 5.0, 256)
