"""DVC stage split: give whole composite pools to train/val/test (no person, foot or floor shared)."""

from __future__ import annotations

from pathlib import Path

import hydra
from omegaconf import DictConfig, OmegaConf

from footseg.data.split import read_manifest, split_composites, validate_ratios, write_split
from footseg.errors import exit_on_user_error
from footseg.io import atomic_dir, write_json
from footseg.stage import begin_stage


@hydra.main(version_base=None, config_path="../conf", config_name="config")
@exit_on_user_error
def main(cfg: DictConfig) -> None:
    begin_stage(cfg, [cfg.paths.split, Path(cfg.paths.metrics) / "split.json"], seed=False)
    ratios = validate_ratios(OmegaConf.to_container(cfg.split.ratios, resolve=True))
    manifest = Path(cfg.paths.composites) / "manifest.json"
    records = read_manifest(manifest)
    splits, metrics = split_composites(records, ratios, source=str(manifest))
    with atomic_dir(cfg.paths.split) as tmp:
        write_split(tmp, splits)
        write_json(Path(cfg.paths.metrics) / "split.json", metrics)
    counts = metrics["counts"]
    print(
        f"split: {counts['train']}/{counts['val']}/{counts['test']} composites "
        f"({metrics['pools']['train']}/{metrics['pools']['val']}/{metrics['pools']['test']} pools), "
        f"overlap {metrics['overlap_total']}, wasted {metrics['wasted']} -> {cfg.paths.split}"
    )


if __name__ == "__main__":
    main()
