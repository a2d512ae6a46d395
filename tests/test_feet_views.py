"""build_foot_views: the entry point stage composite-feet calls (config in, FootViews out)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from omegaconf import OmegaConf

from conftest import FIND_DIR, compose_config
from footseg.data.feet import build_foot_views, validate_feet_config
from footseg.errors import FootsegError


def tiny_cfg(group: str = "find", **overrides) -> dict:
    cfg = OmegaConf.to_container(compose_config(f"feet={group}").feet, resolve=True)
    cfg.update(persons=2, views=4, size=48, workers=1, model_dir=str(FIND_DIR))
    cfg.update(overrides)
    return cfg


def test_views_count_ids_and_params(find_dir):
    views = build_foot_views(tiny_cfg(), seed=1, progress=False)
    assert len(views) == 2 * 2 * 4
    assert [v.view for v in views[:4]] == ["scanner-0", "scanner-1", "phone-0", "phone-1"]
    assert len({v.foot_id for v in views}) == 4 and len({v.person_id for v in views}) == 2
    for person in {v.person_id for v in views}:
        sides = {v.params["side"] for v in views if v.person_id == person}
        assert sides == {"left", "right"}
    for v in views:
        assert v.rgb.shape == (48, 48, 3) and v.rgb.dtype == np.uint8
        assert v.alpha.shape == (48, 48) and v.mask.shape == (48, 48) and v.mask.any()
        assert (v.alpha[v.mask] >= 127).all()
    json.dumps([v.params for v in views])  # manifest-ready


def test_same_seed_same_bytes_whatever_the_worker_count(find_dir):
    a = build_foot_views(tiny_cfg(persons=2, views=2), seed=3, progress=False)
    b = build_foot_views(tiny_cfg(persons=2, views=2, workers=2), seed=3, progress=False)
    c = build_foot_views(tiny_cfg(persons=2, views=2), seed=4, progress=False)
    assert all(np.array_equal(x.rgb, y.rgb) and np.array_equal(x.alpha, y.alpha) for x, y in zip(a, b))
    assert [x.params for x in a] == [y.params for y in b]
    assert not np.array_equal(a[0].rgb, c[0].rgb)


@pytest.mark.parametrize(
    "override, key",
    [
        ({"source": "clay"}, "feet.source"),
        ({"persons": -3}, "feet.persons"),
        ({"views": 0}, "feet.views"),
        ({"phone_share": 2}, "feet.phone_share"),
        ({"seated": 1.5}, "feet.seated"),
        ({"ankle_height": -0.1}, "feet.ankle_height"),
        ({"coverings": {"boots": 1.0}}, "feet.coverings.boots"),
        ({"model_dir": "/nonexistent/find"}, "feet.model_dir"),
    ],
)
def test_bad_config_is_one_line_naming_the_key(override, key):
    with pytest.raises(FootsegError) as err:
        build_foot_views(tiny_cfg(**override), seed=0, progress=False)
    assert key in str(err.value) and "\n" not in str(err.value)


def test_every_profile_has_a_valid_feet_group(tmp_path):
    for group in ("find", "procedural", "scans"):
        for profile in ("smoke", "laptop", "thesis"):
            cfg = OmegaConf.to_container(compose_config(f"feet={group}", profile=profile).feet, resolve=True)
            if group == "find":
                cfg["model_dir"] = str(tmp_path)  # only its existence is checked here
            validate_feet_config(cfg)
