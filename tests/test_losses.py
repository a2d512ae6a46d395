"""footseg.train.losses against hand-computed values, and gradients reach logits and weights."""

from __future__ import annotations

import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from footseg.train.losses import DistillationLoss, cross_entropy, make_loss, soft_iou

LN2, LN3 = math.log(2.0), math.log(3.0)
# One image of two pixels: pixel A logits (0, 0), foot; pixel B logits (0, ln 3), background.
MASK = np.array([[[1, 0]]], dtype=np.int32)
STUDENT = np.array([[[[0.0, 0.0], [0.0, LN3]]]], dtype=np.float32)
TEACHER = np.zeros_like(STUDENT)  # soft targets 0.5 / 0.5 everywhere


def test_cross_entropy_by_hand():
    # A: -log(1/2) = ln 2; B: p(background) = 1/(1+3) so -log(1/4) = 2 ln 2; mean = 1.5 ln 2.
    assert float(cross_entropy(MASK, STUDENT)[0]) == pytest.approx(1.5 * LN2, rel=1e-5)


def test_soft_iou_by_hand():
    # p(foot): A 0.5, B 0.75. I = 1*0.5 = 0.5; U = (1 + 0.5 - 0.5) + (0 + 0.75 - 0) = 1.75.
    assert float(soft_iou(MASK, STUDENT)[0]) == pytest.approx(1 - 0.5 / 1.75, rel=1e-5)


def test_distillation_by_hand():
    t, lam = 2.0, 0.5
    # Soft term, student logits / T: A (0, 0) -> CE(0.5/0.5, 0.5/0.5) = ln 2;
    # B (0, ln3 / 2): q = (1, sqrt 3) / (1 + sqrt 3) -> CE = ln(1 + sqrt 3) - 0.25 ln 3.
    soft = (LN2 + math.log(1 + math.sqrt(3)) - 0.25 * LN3) / 2
    expected = 1.5 * LN2 + lam * t * t * soft
    y_pred = np.concatenate([STUDENT, TEACHER], axis=-1)
    value = DistillationLoss(temperature=t, lam=lam)(MASK, y_pred)
    assert float(value) == pytest.approx(expected, rel=1e-5)
    # lambda = 0 leaves plain cross entropy.
    assert float(DistillationLoss(temperature=t, lam=0.0)(MASK, y_pred)) == pytest.approx(1.5 * LN2, rel=1e-5)


@pytest.mark.parametrize("name", ["ce", "iou", "distillation"])
def test_gradients_reach_student_logits_not_teacher(name):
    loss_fn = make_loss(name, temperature=3.0, lam=2.0)
    rng = np.random.default_rng(0)
    masks = tf.constant(rng.integers(0, 2, size=(2, 4, 4)), dtype=tf.int32)
    logits = tf.Variable(rng.normal(size=(2, 4, 4, 4)).astype(np.float32))
    with tf.GradientTape() as tape:
        value = tf.reduce_mean(loss_fn(masks, logits))
    grad = tape.gradient(value, logits).numpy()
    assert np.abs(grad[..., :2]).sum() > 0
    assert np.abs(grad[..., 2:]).sum() == 0  # only channels 0..1 are the student's


@pytest.mark.parametrize("name", ["ce", "iou", "distillation"])
def test_one_training_step_changes_weights(name):
    keras.utils.set_random_seed(0)
    inputs = keras.Input((8, 8, 3))
    outputs = keras.layers.Conv2D(4, 3, padding="same")(inputs)  # 2 student + 2 "teacher" channels
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss=make_loss(name, 2.0, 1.0))
    before = [w.copy() for w in model.get_weights()]
    x = np.random.default_rng(1).normal(size=(2, 8, 8, 3)).astype(np.float32)
    y = (x[..., 0] > 0).astype(np.int32)
    model.train_on_batch(x, y)
    assert any(np.abs(a - b).sum() > 0 for a, b in zip(before, model.get_weights()))


def test_unknown_loss_raises():
    with pytest.raises(ValueError, match="unknown loss"):
        make_loss("dice")


def test_distillation_loss_round_trips_through_config():
    loss = DistillationLoss(temperature=4.0, lam=0.3)
    again = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(loss))
    assert (again.temperature, again.lam) == (4.0, 0.3)
