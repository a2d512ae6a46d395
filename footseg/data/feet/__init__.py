"""Feet for the synthetic dataset: 3D foot sources rendered into views, or imported scan views.

``build_foot_views(feet_cfg, seed)`` is the one entry point (stage composite-feet calls it with
the resolved ``feet`` config group). ``feet.source`` picks where feet come from:

- ``find``: the FIND learned foot model (find.py), sampled shape/pose/texture, rendered;
- ``procedural``: the project's own parametric foot mesh (procedural.py), rendered;
- ``scans``: a directory of scanner exports, imported as they are (scans.py).

Rendered sources give every person a left and a right foot (same ``person_id``) with one look
(skin tone, sock/shoe, trousers: materials.py), each seen from ``views`` cameras (views.py):
the scanner's fixed oblique views first, then phone-like views; or, with ``scene="egocentric"``
(composite.scene), ``views`` whole 3:4 phone frames per person showing both feet, both lower legs
and their shadow (ego.py). Every person draws from its own
random stream seeded by (seed, person index), so the result is the same whatever the worker count.
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np

from ...errors import FootsegError, require
from ..types import FootMesh, FootView

SOURCES = ("find", "procedural", "scans")
SCENES = ("egocentric", "classic")


def validate_feet_config(cfg: dict[str, Any]) -> None:
    """Check the ``feet`` config group before any work; FootsegError names the bad key."""
    source = cfg.get("source")
    require(source in SOURCES, f"feet.source must be one of {', '.join(SOURCES)}, got {source!r}")
    if source == "scans":
        require(bool(cfg.get("dir")), "feet.dir must name the scans directory")
        for key in ("persons", "views"):
            value = cfg.get(key) or 0
            require(
                isinstance(value, int) and value >= 0, f"feet.{key} must be an integer >= 0 (0 = all), got {value!r}"
            )
        return
    for key in ("persons", "views", "size"):
        value = cfg.get(key)
        require(
            isinstance(value, int) and not isinstance(value, bool) and value > 0,
            f"feet.{key} must be a positive integer, got {value!r}",
        )
    require(32 <= cfg["size"] <= 2048, f"feet.size must be between 32 and 2048 pixels, got {cfg['size']}")
    supersample = cfg.get("supersample", 2)
    require(
        isinstance(supersample, int) and 1 <= supersample <= 4, f"feet.supersample must be 1..4, got {supersample!r}"
    )
    share = cfg.get("phone_share", 0.5)
    require(isinstance(share, (int, float)) and 0 <= share <= 1, f"feet.phone_share must be in [0, 1], got {share!r}")
    for key in ("trouser_prob", "shorts_prob", "seated", "hair_strands", "ankle_height"):
        prob = cfg.get(key, 0.0)
        require(isinstance(prob, (int, float)) and 0 <= prob <= 1, f"feet.{key} must be in [0, 1], got {prob!r}")
    coverings = cfg.get("coverings") or {"bare": 1.0}
    from .materials import COVERINGS

    for name, weight in coverings.items():
        require(name in COVERINGS, f"feet.coverings.{name}: unknown covering (known: {', '.join(COVERINGS)})")
        require(isinstance(weight, (int, float)) and weight >= 0, f"feet.coverings.{name} must be >= 0, got {weight!r}")
    require(sum(coverings.values()) > 0, "feet.coverings: at least one weight must be positive")
    workers = cfg.get("workers", 0)
    require(
        isinstance(workers, int) and workers >= 0,
        f"feet.workers must be an integer >= 0 (0 = all cores), got {workers!r}",
    )
    if source == "find":
        model_dir = cfg.get("model_dir") or ""
        require(
            os.path.isdir(model_dir),
            f"feet.model_dir: FIND model directory {model_dir!r} not found; "
            f"run `footseg fetch-find --dest {model_dir or '<dir>'}` to download it",
        )


def build_foot_views(
    feet_cfg: dict[str, Any], seed: int, progress: bool = True, scene: str = "classic"
) -> list[FootView]:
    """Every foot view of the dataset, in a deterministic order (person, side, view).

    ``scene="egocentric"`` renders ``feet.views`` egocentric views per person instead (both feet,
    legs and shadow in one 3:4 frame, ego.py); only rendered sources can.
    """
    cfg = dict(feet_cfg)
    validate_feet_config(cfg)
    require(scene in SCENES, f"composite.scene must be one of {', '.join(SCENES)}, got {scene!r}")
    require(
        scene == "classic" or cfg["source"] != "scans",
        "composite.scene=egocentric needs a rendered feet source (feet=find or feet=procedural); "
        "scans are single-foot views: use composite.scene=classic",
    )
    cfg["scene"] = scene
    if cfg["source"] == "scans":
        from .scans import load_scans

        return load_scans(cfg["dir"], persons=cfg.get("persons"), views=cfg.get("views"), progress=progress)
    if cfg["source"] == "find":
        from .find import check_model_dir

        check_model_dir(cfg.get("model_dir") or "")  # fail fast, in this process, with the fetch hint
    persons = cfg["persons"]
    workers = cfg.get("workers", 0) or (os.cpu_count() or 1)
    workers = min(workers, persons)
    from tqdm import tqdm

    bar = tqdm(total=persons, desc=f"feet ({cfg['source']})", unit="person", disable=not progress)
    views: list[FootView] = []
    try:
        if workers <= 1:
            _init_worker(cfg)
            for index in range(persons):
                views.extend(_render_person(index, seed))
                bar.update()
        else:
            with ProcessPoolExecutor(workers, initializer=_init_worker, initargs=(cfg,)) as pool:
                for person_views in pool.map(_render_person, range(persons), [seed] * persons):
                    views.extend(person_views)
                    bar.update()
    finally:
        bar.close()
    return views


# Per-process state: the config and the loaded foot source (FIND's ONNX session loads once).
_worker: dict[str, Any] = {}


def _init_worker(cfg: dict[str, Any]) -> None:
    _worker.clear()
    _worker["cfg"] = cfg
    if cfg["source"] == "find":
        from .find import FindModel

        _worker["model"] = FindModel(cfg["model_dir"])


def _person_meshes(cfg: dict[str, Any], person_id: str, rng: np.random.Generator) -> list[FootMesh]:
    if cfg["source"] == "find":
        return _worker["model"].sample_person(
            person_id, rng, pose_jitter=cfg.get("pose_jitter", 0.3), latent_scale=cfg.get("latent_scale", 1.0)
        )
    from .procedural import sample_person

    return sample_person(person_id, rng)


def _render_person(index: int, seed: int) -> list[FootView]:
    """Both feet of person ``index``, every view; depends only on (config, seed, index)."""
    from .materials import sample_appearance
    from .render import add_leg, dress_foot, leg_end_in_view, render
    from .views import sample_camera, sample_leg, sample_light, view_names

    cfg = _worker["cfg"]
    rng = np.random.default_rng([seed, index])
    person_id = f"{cfg['source']}-{index:04d}"
    meshes = _person_meshes(cfg, person_id, rng)
    look = sample_appearance(rng, dict(cfg.get("coverings") or {"bare": 1.0}), float(cfg.get("trouser_prob", 0.0)))
    # Only when on: the look (and the bytes) of a run without them stay as they were.
    for key in ("hair_strands", "ankle_height"):
        if cfg.get(key):
            look[key] = float(cfg[key])
    if cfg.get("scene") == "egocentric":
        from .ego import render_ego_person

        return render_ego_person(
            meshes,
            look,
            rng,
            cfg["views"],
            cfg["size"],
            cfg.get("supersample", 2),
            person_id,
            cfg["source"],
            float(cfg.get("shorts_prob", 0.0)),
            float(cfg.get("seated", 0.0)),
        )
    names = view_names(cfg["views"], float(cfg.get("phone_share", 0.5)))
    out = []
    for mesh in meshes:
        foot = dress_foot(mesh, look)
        for name in names:
            for _ in range(20):  # a camera from which the cut-off top of the leg is out of view
                camera = sample_camera(name, mesh.side, foot.centre, rng)
                leg = sample_leg(rng, camera, foot.centre)
                scene = add_leg(foot, leg)
                if not leg_end_in_view(scene, camera):
                    break
            light = sample_light(rng)
            grain_seed = int(rng.integers(2**31))
            rgb, alpha, mask = render(scene, camera, light, cfg["size"], cfg.get("supersample", 2), grain_seed)
            params = {
                "source": cfg["source"],
                "side": mesh.side,
                "mesh": mesh.params,
                "look": look,
                "leg": leg,
                "camera": camera,
                "light": light,
            }
            out.append(FootView(rgb, alpha, mask, mesh.foot_id, person_id, name, params))
    return out


__all__ = ["SCENES", "SOURCES", "FootsegError", "build_foot_views", "validate_feet_config"]
