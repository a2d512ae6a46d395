"""DVC stage distill-students: every student in `students`, trained side by side in worker
processes (train.workers), each with an optional hyperopt search first, distilled from the teacher
(or trained with `loss`), scored on val/test."""

from __future__ import annotations

from pathlib import Path

import hydra
from omegaconf import DictConfig, OmegaConf

from footseg.errors import exit_on_user_error
from footseg.stage import begin_stage
from footseg.train.config import check_loss, check_search, check_student, check_students, check_train


@hydra.main(version_base=None, config_path="../conf", config_name="config")
@exit_on_user_error
def main(cfg: DictConfig) -> None:
    paths = cfg.paths
    seed = begin_stage(
        cfg, [Path(paths.models) / "students", Path(paths.metrics) / "students", Path(paths.plots) / "students"]
    )
    train = OmegaConf.to_container(cfg.train, resolve=True)
    student = OmegaConf.to_container(cfg.student, resolve=True)
    search = OmegaConf.to_container(cfg.search, resolve=True)
    students = OmegaConf.to_container(cfg.students, resolve=True)
    check_students(students)
    check_train(train)
    check_student(student, students)
    check_search(search)
    check_loss(cfg.loss, search["trials"])

    from footseg.train.students import run_students  # TensorFlow loads only after the config is known good

    records = run_students(
        names=students,
        loss=cfg.loss,
        composites=paths.composites,
        split=paths.split,
        teacher_path=str(Path(paths.models) / "teacher.keras"),
        models_dir=str(Path(paths.models) / "students"),
        metrics_dir=str(Path(paths.metrics) / "students"),
        plots_dir=str(Path(paths.plots) / "students"),
        train=train,
        student=student,
        search=search,
        seed=seed,
    )
    for name, record in zip(students, records):
        print(
            f"distill-students: {name} loss={record['loss']} {record['params']['param_count']:,} params, "
            f"{record['training']['images_seen']:,} images, {record['search']['trials']} trials, "
            f"val IoU {record['val']['iou']:.4f}, test IoU {record['test']['iou']:.4f}"
        )


if __name__ == "__main__":
    main()
