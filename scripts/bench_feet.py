"""Time the foot views (stage composite-feet's first half) on a profile's feet settings.

    python scripts/bench_feet.py                         # laptop profile, feet=find, all cores
    python scripts/bench_feet.py feet=procedural feet.workers=1 feet.persons=10
    python scripts/bench_feet.py composite.scene=classic    # the thesis-style single-foot views

Prints one line: views, seconds, ms per view (per worker), views per second.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

ROOT = Path(__file__).resolve().parent.parent


def main(overrides: list[str]) -> int:
    from footseg.data.feet import build_foot_views

    with initialize_config_dir(str(ROOT / "conf"), version_base=None):
        cfg = compose("config", overrides=overrides)
    feet = OmegaConf.to_container(cfg.feet, resolve=True)
    if feet.get("model_dir"):  # relative to the repo root, like the stages' cwd
        feet["model_dir"] = str(ROOT / feet["model_dir"])
    start, cpu_start = time.perf_counter(), os.times()
    views = build_foot_views(feet, int(cfg.seed), scene=cfg.composite.scene)
    seconds, cpu_end = time.perf_counter() - start, os.times()
    # CPU time of this process and its (finished) workers: meaningful on a shared, busy machine.
    cpu = sum(
        getattr(cpu_end, k) - getattr(cpu_start, k) for k in ("user", "system", "children_user", "children_system")
    )
    print(
        f"feet={feet['source']} scene={cfg.composite.scene} profile={cfg.profile}: {len(views)} views of {feet.get('size')} px in {seconds:.1f} s "
        f"wall = {len(views) / seconds:.1f} views/s; {1000 * cpu / len(views):.0f} CPU-ms/view "
        f"(= {len(views) / cpu:.1f} views/s per free core)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
