"""DVC stage composite-feet: foot views composited onto floors, augmented, into paths.composites."""

from __future__ import annotations

import time
from pathlib import Path

import hydra
import numpy as np
from omegaconf import DictConfig, OmegaConf
from tqdm import tqdm

from footseg.data.composite import CompositeConfig, summary_counts, write_composites
from footseg.data.contact_sheet import write_contact_sheet
from footseg.errors import exit_on_user_error
from footseg.io import atomic_dir, write_json
from footseg.stage import begin_stage


@hydra.main(version_base=None, config_path="../conf", config_name="config")
@exit_on_user_error
def main(cfg: DictConfig) -> None:
    seed = begin_stage(cfg, [cfg.paths.composites, Path(cfg.paths.plots) / "contact_sheet.png"])
    composite_cfg = CompositeConfig.from_dict(OmegaConf.to_container(cfg.composite, resolve=True))
    feet_cfg = OmegaConf.to_container(cfg.feet, resolve=True)
    # Imported here: the floors and feet packages pull in their own heavy dependencies.
    from footseg.data.feet import build_foot_views, validate_feet_config
    from footseg.data.floors import load_floors

    validate_feet_config(feet_cfg)  # every config error before the slow work
    floors = load_floors(cfg.paths.floors)
    render_start = time.perf_counter()
    views = build_foot_views(feet_cfg, seed, progress=True, scene=composite_cfg.scene)
    render_rate = len(views) / max(time.perf_counter() - render_start, 1e-9)
    out = Path(cfg.paths.composites)
    start = time.perf_counter()
    with atomic_dir(out) as tmp:
        with tqdm(total=composite_cfg.count, desc="composite-feet", unit="img", leave=False) as bar:
            manifest = write_composites(tmp, views, floors, composite_cfg, seed, progress=bar.update)
        write_json(tmp / "manifest.json", manifest)
        images = np.load(tmp / "images.npy", mmap_mode="r")
        masks = np.load(tmp / "masks.npy", mmap_mode="r")
        sheet = write_contact_sheet(Path(cfg.paths.plots) / "contact_sheet.png", images, masks)
        del images, masks
    rate = composite_cfg.count / (time.perf_counter() - start)
    persons, view_names = summary_counts(views)
    print(
        f"composite-feet: {composite_cfg.count} composites from {persons} persons x {view_names} views "
        f"on {len(floors)} floors in {manifest['pools']} pools -> {out}, {sheet} "
        f"(scene={composite_cfg.scene}; rendering {render_rate:.1f} views/s, compositing {rate:.0f}/s)"
    )


if __name__ == "__main__":
    main()
