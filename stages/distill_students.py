"""DVC stage distill-students@<name>: search a student's hyperparameters with hyperopt, retrain it
with the best at the full budget, score it. One stage per student: `student.name=<name>`."""

from __future__ import annotations

from pathlib import Path

import hydra
from omegaconf import DictConfig, OmegaConf

from footseg.errors import exit_on_user_error
from footseg.stage import begin_stage
from footseg.train_config import check_loss, check_search, check_student, check_students, check_train


@hydra.main(version_base=None, config_path="../conf", config_name="config")
@exit_on_user_error
def main(cfg: DictConfig) -> None:
    paths, name = cfg.paths, cfg.student.get("name")
    models = Path(paths.models) / "students"
    outputs = [models / f"{name}.keras", models / f"{name}.search", Path(paths.metrics) / "students" / f"{name}.json",
               Path(paths.plots) / "students" / str(name)] if isinstance(name, str) and name else []
    seed = begin_stage(cfg, outputs)
    train = OmegaConf.to_container(cfg.train, resolve=True)
    student = OmegaConf.to_container(cfg.student, resolve=True)
    search = OmegaConf.to_container(cfg.search, resolve=True)
    students = OmegaConf.to_container(cfg.students, resolve=True)
    check_students(students)
    check_train(train)
    check_student(student, students)
    check_search(search)
    check_loss(cfg.loss, search["trials"])

    from footseg.students import run_student  # TensorFlow loads only after the config is known good

    record = run_student(
        name=name, loss=cfg.loss, composites=paths.composites, split=paths.split,
        teacher_path=str(Path(paths.models) / "teacher.keras"),
        model_path=str(models / f"{name}.keras"),
        metrics_path=str(Path(paths.metrics) / "students" / f"{name}.json"),
        search_dir=str(models / f"{name}.search"),
        live_dir=str(Path(paths.plots) / "students" / name),
        train=train, student=student, search=search, seed=seed,
    )
    print(f"distill-students: {name} loss={record['loss']} {record['params']['param_count']:,} params, "
          f"{record['search']['trials']} trials, val IoU {record['val']['iou']:.4f}, "
          f"test IoU {record['test']['iou']:.4f} -> {models / f'{name}.keras'}")


if __name__ == "__main__":
    main()
