"""params.yaml is what `dvc repro` reads: it must be exactly the composition of conf/."""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT, compose_config


def test_params_yaml_is_the_composition_of_conf():
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "compose_params.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


def test_every_profile_composes():
    for profile in ("smoke", "laptop", "thesis"):
        cfg = compose_config(profile=profile)
        assert cfg.profile == profile
        assert cfg.composite.count > 0


def test_smoke_profile_is_small():
    smoke, laptop = compose_config(profile="smoke"), compose_config(profile="laptop")
    assert smoke.composite.count * 10 <= laptop.composite.count
    assert smoke.floors.count < laptop.floors.count
