"""DVC stage benchmark: time and score every exported .tflite (and the MediaPipe peer); the report stage
writes reports/results.md from what this one measures."""

import hydra
from omegaconf import DictConfig, OmegaConf

from footseg.errors import exit_on_user_error
from footseg.stage import begin_stage


@hydra.main(version_base=None, config_path="../conf", config_name="config")
@exit_on_user_error
def main(cfg: DictConfig) -> None:
    paths = cfg.paths
    plots = paths.plots
    begin_stage(
        cfg, [f"{paths.metrics}/benchmark.json", f"{plots}/segmentation_grid.png", f"{plots}/real_grid.jpg"], seed=False
    )
    from footseg.deploy.benchmark import benchmark_all, summary_line, validate_bench_config

    bench_cfg = OmegaConf.to_container(cfg.bench, resolve=True)
    validate_bench_config(bench_cfg)
    record = benchmark_all(
        exported_dir=paths.exported,
        export_json=f"{paths.metrics}/export.json",
        composites_dir=paths.composites,
        split_dir=paths.split,
        bench_cfg=bench_cfg,
        metrics_path=f"{paths.metrics}/benchmark.json",
        plots_dir=paths.plots,
    )
    print(summary_line(record))


if __name__ == "__main__":
    main()
