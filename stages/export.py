"""DVC stage export: every trained model -> exported/<model>.<fp32|fp16|int8>.tflite, each checked."""

import hydra
from omegaconf import DictConfig, OmegaConf

from footseg.errors import exit_on_user_error
from footseg.stage import begin_stage


@hydra.main(version_base=None, config_path="../conf", config_name="config")
@exit_on_user_error
def main(cfg: DictConfig) -> None:
    paths = cfg.paths
    seed = begin_stage(cfg, [paths.exported, f"{paths.metrics}/export.json"])
    from footseg.deploy.export import export_all, model_paths, summary_line, validate_export_config

    export_cfg = OmegaConf.to_container(cfg.export, resolve=True)
    validate_export_config(export_cfg)
    report = export_all(
        model_paths(paths.models, list(cfg.students)),
        composites_dir=paths.composites,
        split_dir=paths.split,
        exported_dir=paths.exported,
        metrics_path=f"{paths.metrics}/export.json",
        export_cfg=export_cfg,
        seed=seed,
    )
    print(summary_line(report, paths.exported))


if __name__ == "__main__":
    main()
