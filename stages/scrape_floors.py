"""DVC stage scrape-floors: floor photographs into paths.floors (images/ + manifest.json) and a
contact sheet of them into paths.plots/floors_sheet.png."""

from pathlib import Path

import hydra
from omegaconf import DictConfig, OmegaConf

from footseg.data.floors import build_floors, validate_config
from footseg.data.floors.sheet import write_floors_sheet
from footseg.errors import exit_on_user_error
from footseg.io import atomic_dir
from footseg.stage import begin_stage


@hydra.main(version_base=None, config_path="../conf", config_name="config")
@exit_on_user_error
def main(cfg: DictConfig) -> None:
    sheet = Path(cfg.paths.plots) / "floors_sheet.png"
    seed = begin_stage(cfg, [cfg.paths.floors, sheet])
    floors_cfg = OmegaConf.to_container(cfg.floors, resolve=True)
    validate_config(floors_cfg)  # before any work, so a typo fails in a second
    out = cfg.paths.floors
    with atomic_dir(out) as tmp:
        summary = build_floors(floors_cfg, tmp, seed=seed)
    write_floors_sheet(sheet, out)
    skipped = summary.get("skipped") or {}
    skipped_text = (
        f", skipped {sum(skipped.values())} ({', '.join(f'{k} {v}' for k, v in skipped.items())})" if skipped else ""
    )
    print(f"scrape-floors: {summary['count']} floors (source={summary['source']}){skipped_text} -> {out}")


if __name__ == "__main__":
    main()
