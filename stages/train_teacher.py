"""DVC stage train-teacher: the big model every student learns from (cross entropy, Adam)."""

from __future__ import annotations

from pathlib import Path

import hydra
from omegaconf import DictConfig, OmegaConf

from footseg.errors import exit_on_user_error
from footseg.stage import begin_stage
from footseg.train.config import check_teacher, check_train


@hydra.main(version_base=None, config_path="../conf", config_name="config")
@exit_on_user_error
def main(cfg: DictConfig) -> None:
    paths = cfg.paths
    model = Path(paths.models) / "teacher.keras"
    seed = begin_stage(cfg, [model, Path(paths.metrics) / "teacher.json", Path(paths.plots) / "teacher"])
    train = OmegaConf.to_container(cfg.train, resolve=True)
    teacher = OmegaConf.to_container(cfg.teacher, resolve=True)
    check_train(train)
    check_teacher(teacher)

    from footseg.train.teacher import run_teacher  # TensorFlow loads only after the config is known good

    record = run_teacher(
        composites=paths.composites,
        split=paths.split,
        model_path=str(model),
        metrics_path=str(Path(paths.metrics) / "teacher.json"),
        live_dir=str(Path(paths.plots) / "teacher"),
        train=train,
        teacher=teacher,
        seed=seed,
    )
    t = record["training"]
    print(
        f"train-teacher: {teacher['arch']} {record['params']['param_count']:,} params, "
        f"{t['images_seen']:,} images (best at eval {t['best_eval']}/{t['evals']}), val IoU {record['val']['iou']:.4f}, "
        f"test IoU {record['test']['iou']:.4f} -> {model}"
    )


if __name__ == "__main__":
    main()
