"""Shared fixtures: configs composed with Hydra's compose API on the smoke profile."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from omegaconf import DictConfig, OmegaConf

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
FIND_DIR = SHARED / "assets" / "find-foot-model"

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def compose_config(*overrides: str, profile: str = "smoke") -> DictConfig:
    """The project's configuration as the stages see it, resolved, with ``profile`` applied."""
    with initialize_config_dir(str(ROOT / "conf"), version_base=None):
        cfg = compose("config", overrides=[f"profile={profile}", *overrides])
    OmegaConf.resolve(cfg)
    return cfg


@pytest.fixture
def smoke_cfg() -> DictConfig:
    return compose_config()


@pytest.fixture
def find_dir() -> Path:
    if not (FIND_DIR / "model.onnx").exists():
        pytest.skip(f"FIND model not found at {FIND_DIR}")
    return FIND_DIR
