"""footseg.train on the tiny dataset with tiny Keras models (fast, real training)."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

from footseg.errors import FootsegError
from footseg.metrics import evaluate_model, keras_predict_fn
from footseg.train import load_model, save_model, train_model
from tiny_data import load_tiny_split, make_tiny_dataset

SIZE = 32


def tiny_net(name: str = "tiny", filters: int = 8, dropout: float = 0.0) -> keras.Model:
    inputs = keras.Input((SIZE, SIZE, 3))
    x = keras.layers.Rescaling(1 / 255.0)(inputs)
    x = keras.layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
    x = keras.layers.Dropout(dropout)(x)
    outputs = keras.layers.Conv2D(2, 1)(x)
    return keras.Model(inputs, outputs, name=name)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    composites, split = make_tiny_dataset(tmp_path_factory.mktemp("tiny"), n=20, size=SIZE, seed=0)
    train = load_tiny_split(composites, split, "train")
    val = load_tiny_split(composites, split, "val")
    return train, val


def dataset(images: np.ndarray, masks: np.ndarray, batch: int = 4) -> tf.data.Dataset:
    ds = tf.data.Dataset.from_tensor_slices((images.astype(np.float32), masks.astype(np.int32)))
    return ds.shuffle(len(images), seed=0).repeat().batch(batch)


@pytest.mark.parametrize("loss", ["ce", "iou"])
def test_training_learns_the_tiny_task(tiny, loss, tmp_path):
    (train_x, train_y), (val_x, val_y) = tiny
    keras.utils.set_random_seed(0)
    model = tiny_net()
    before = evaluate_model(keras_predict_fn(model), val_x, val_y, 4)
    result = train_model(model, dataset(train_x, train_y), val_x, val_y, loss=loss, lr=3e-2, epochs=3,
                         steps_per_epoch=15, patience=5, eval_batch=4, live_dir=tmp_path / "live", progress=False)
    assert result.best_val["iou"] > max(0.6, before["iou"] + 0.1)
    assert result.epochs_run == 3 and 1 <= result.best_epoch <= 3
    # The returned model holds the best epoch's weights.
    again = evaluate_model(keras_predict_fn(result.model), val_x, val_y, 4)
    assert again["iou"] == pytest.approx(result.best_val["iou"])
    # dvclive curves: one row per epoch, no dvc.yaml written.
    curve = (tmp_path / "live" / "plots" / "metrics" / "val_iou.tsv").read_text().splitlines()
    assert len(curve) == 1 + 3
    assert not (tmp_path / "live" / "dvc.yaml").exists()


def test_distillation_trains_student_only(tiny):
    (train_x, train_y), (val_x, val_y) = tiny
    keras.utils.set_random_seed(1)
    teacher = tiny_net("teacher", filters=16)
    train_model(teacher, dataset(train_x, train_y), val_x, val_y, loss="ce", lr=3e-2, epochs=2,
                steps_per_epoch=10, progress=False)
    teacher_weights = [w.copy() for w in teacher.get_weights()]
    student = tiny_net("student", filters=8)
    result = train_model(student, dataset(train_x, train_y), val_x, val_y, loss="distillation", lr=3e-2,
                         epochs=2, steps_per_epoch=15, teacher=teacher, temperature=2.0, lam=1.0,
                         progress=False)
    assert result.best_val["iou"] > 0.5
    assert all(np.array_equal(a, b) for a, b in zip(teacher_weights, teacher.get_weights()))
    assert result.model.output_shape == (None, SIZE, SIZE, 2)  # the student itself, not the wrapper


def test_distillation_without_teacher_raises(tiny):
    (train_x, train_y), (val_x, val_y) = tiny
    with pytest.raises(ValueError, match="teacher"):
        train_model(tiny_net(), dataset(train_x, train_y), val_x, val_y, loss="distillation", progress=False)


def test_early_stopping_stops_when_val_iou_stalls(tiny):
    (train_x, train_y), (val_x, val_y) = tiny
    keras.utils.set_random_seed(2)
    # lr 0: the weights never change, so val IoU never improves after epoch 1. (Eager: no graph build.)
    result = train_model(tiny_net(), dataset(train_x, train_y), val_x, val_y, lr=0.0, epochs=10,
                         steps_per_epoch=1, patience=2, progress=False, run_eagerly=True)
    assert result.epochs_run == 3 and result.best_epoch == 1


def test_save_and_load_round_trip(tiny, tmp_path):
    (_, _), (val_x, _) = tiny
    model = tiny_net()
    model.compile(loss="sparse_categorical_crossentropy")
    path = tmp_path / "models" / "m.keras"
    save_model(model, path)
    assert [p.name for p in path.parent.iterdir()] == ["m.keras"]  # no temporary left behind
    loaded = load_model(path)
    np.testing.assert_allclose(loaded.predict(val_x[:2].astype(np.float32), verbose=0),
                               model.predict(val_x[:2].astype(np.float32), verbose=0), rtol=1e-5)


def test_load_model_errors_name_the_file(tmp_path):
    with pytest.raises(FootsegError, match="missing.keras"):
        load_model(tmp_path / "missing.keras")
    bad = tmp_path / "bad.keras"
    bad.write_bytes(b"not a zip")
    with pytest.raises(FootsegError, match="bad.keras"):
        load_model(bad)


def test_cached_teacher_logits_match_online_and_train(tmp_path):
    from footseg.teacher_cache import cache_teacher_logits, cached_distillation_dataset

    composites, split = make_tiny_dataset(tmp_path / "data", n=15, size=SIZE, seed=4)
    train_x, _ = load_tiny_split(composites, split, "train")
    val_x, val_y = load_tiny_split(composites, split, "val")
    keras.utils.set_random_seed(3)
    teacher = tiny_net("teacher", filters=8)
    cache = cache_teacher_logits(teacher, composites, split, tmp_path / "cache.npy", batch=4, progress=False)
    online = np.asarray(teacher(train_x.astype(np.float32), training=False))
    np.testing.assert_allclose(np.load(cache), online[..., 1] - online[..., 0], atol=2e-2)
    ds = cached_distillation_dataset(composites, split, cache, batch_size=4, seed=0)
    (images, logits), masks = next(iter(ds))
    assert images.shape == (4, SIZE, SIZE, 3) and logits.shape == (4, SIZE, SIZE, 2) and masks.shape == (4, SIZE, SIZE)
    result = train_model(tiny_net("student"), ds, val_x, val_y, loss="distillation", lr=3e-2, epochs=1,
                         steps_per_epoch=3, progress=False)
    assert result.epochs_run == 1 and "iou" in result.best_val


def test_set_bn_momentum_reaches_nested_models():
    from footseg.train import set_bn_momentum

    inner_in = keras.Input((SIZE, SIZE, 3))
    inner = keras.Model(inner_in, keras.layers.BatchNormalization()(inner_in))
    outer_in = keras.Input((SIZE, SIZE, 3))
    outer = keras.Model(outer_in, keras.layers.BatchNormalization()(inner(outer_in)))
    assert set_bn_momentum(outer, 0.9) == 2
    assert inner.layers[-1].momentum == 0.9 and outer.layers[-1].momentum == 0.9
