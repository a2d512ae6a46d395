"""DVC stage report: reports/results.md and the latency-vs-IoU plot, from the benchmark and export metrics."""

import hydra
from omegaconf import DictConfig

from footseg.errors import exit_on_user_error
from footseg.stage import begin_stage


@hydra.main(version_base=None, config_path="../conf", config_name="config")
@exit_on_user_error
def main(cfg: DictConfig) -> None:
    paths = cfg.paths
    plots = paths.plots
    results_md = f"{paths.reports}/results.md"
    begin_stage(cfg, [results_md, f"{plots}/latency_vs_iou.json", f"{plots}/latency_vs_iou.png"], seed=False)
    from footseg.deploy.report import report_all, summary_line

    record = report_all(
        benchmark_json=f"{paths.metrics}/benchmark.json",
        export_json=f"{paths.metrics}/export.json",
        results_md=results_md,
        plots_dir=plots,
        browser_dir=f"{paths.metrics}/browser",
    )
    print(summary_line(record, results_md))


if __name__ == "__main__":
    main()
