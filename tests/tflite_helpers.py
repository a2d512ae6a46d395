"""Tiny Keras models and .tflite files for the export/benchmark/report/predict tests.

The model is a few-layer conv net of our own (raw 0..255 pixels in, 2-class logits out, like
footseg.models' contract) so these tests do not depend on the architectures' code; a few Adam
steps on tiny_data make it segment for real, so IoU comparisons mean something.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tiny_data import load_tiny_split, make_tiny_dataset


def tiny_segmenter(size: int = 64, seed: int = 0):
    """A small fully-convolutional net: (None,S,S,3) raw pixels -> (None,S,S,2) logits."""
    import keras

    keras.utils.set_random_seed(seed)
    inputs = keras.Input((size, size, 3))
    x = keras.layers.Rescaling(1 / 127.5, offset=-1)(inputs)
    x = keras.layers.Conv2D(8, 3, padding="same", activation="relu")(x)
    x = keras.layers.Conv2D(8, 3, strides=2, padding="same", activation="relu")(x)
    x = keras.layers.Conv2DTranspose(8, 3, strides=2, padding="same", activation="relu")(x)
    outputs = keras.layers.Conv2D(2, 1)(x)
    return keras.Model(inputs, outputs, name="tiny")


def trained_tiny(root: Path, size: int = 64, steps: int = 40):
    """(model, composites_dir, split_dir): the tiny net fitted briefly on a tiny dataset under root."""
    import keras

    composites, split = make_tiny_dataset(root, n=20, size=size, seed=0)
    images, masks = load_tiny_split(composites, split, "train")
    model = tiny_segmenter(size)
    model.compile(
        optimizer=keras.optimizers.Adam(1e-2), loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    )
    x, y = images.astype(np.float32), masks.astype(np.int32)
    for _ in range(steps):
        model.train_on_batch(x, y)
    return model, composites, split


SMOKE_EXPORT = {
    "precisions": ["fp32", "fp16", "int8"],
    "interpreter": "tflite",
    "calibration_samples": 8,
    "recalibration_samples": 12,
    "eval_samples": 4,
    "max_int8_iou_drop": 0.005,
    "int8_fix": "recalibrate",
    "qat": False,
    "workers": 1,
}


def exported_tiny(root: Path, export_cfg: dict | None = None) -> dict[str, Path]:
    """Train the tiny net, save it as teacher and student "tiny", export both like the stage does.

    Returns the paths: composites, split, models, exported, export_json.
    """
    from footseg.deploy.export import export_all, model_paths

    model, composites, split = trained_tiny(root)
    models_dir = root / "models"
    (models_dir / "students").mkdir(parents=True)
    model.save(models_dir / "teacher.keras")
    model.save(models_dir / "students" / "tiny.keras")
    paths = {
        "composites": composites,
        "split": split,
        "models": models_dir,
        "exported": root / "exported",
        "export_json": root / "metrics" / "export.json",
    }
    export_all(
        model_paths(models_dir, ["tiny"]),
        composites_dir=composites,
        split_dir=split,
        exported_dir=paths["exported"],
        metrics_path=paths["export_json"],
        export_cfg=dict(export_cfg or SMOKE_EXPORT),
        seed=0,
        progress=False,
    )
    return paths


def tiny_tflite(path: Path, *, size: int = 64, channels: int = 2, seed: int = 0) -> Path:
    """An untrained fp32 .tflite of the tiny net (channels=1: a sigmoid output like MediaPipe's)."""
    import keras

    from footseg.deploy.export import convert

    keras.utils.set_random_seed(seed)
    inputs = keras.Input((size, size, 3))
    x = keras.layers.Conv2D(4, 3, padding="same", activation="relu")(inputs)
    activation = "sigmoid" if channels == 1 else None
    outputs = keras.layers.Conv2D(channels, 1, activation=activation)(x)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(convert(keras.Model(inputs, outputs), "fp32"))
    return path
